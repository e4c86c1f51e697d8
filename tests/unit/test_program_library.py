"""The program library: shipped and own programs, and links to the guide's audio files."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gim.config import Settings
from gim.errors import NotFoundError, ProgramError
from gim.library.match import MatchState, tolerance, words
from gim.library.programs import LinkStatus, ProgramLibrary, link_summary

OWN = """
slug = "{slug}"
title = "{title}"
author = "A. Guide"
[provenance]
source = "my own design"
[[pieces]]
composer = "Satie"
work = "Gnossienne No. 1"
duration = "3:40"
"""


@pytest.fixture
def library(tmp_path: Path) -> ProgramLibrary:
    return ProgramLibrary(Settings(home=tmp_path / "home"))


def own(library: ProgramLibrary, name: str, text: str) -> Path:
    folder = library.settings.programs_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_programs(library: ProgramLibrary) -> None:
    programs = {p.slug: p for p in library.all()}
    assert {"demo", "present-moments"} <= set(programs)
    assert library.all()[0].slug == "demo"
    moments = programs["present-moments"]
    assert moments.origin == "shipped"
    assert [p.composer for p in moments.pieces] == [
        "Bartók",
        "Corigliano",
        "Messiaen",
        "Tavener",
        "Pärt",
        "Tormis",
    ]
    assert 31 * 60 <= moments.duration <= 33 * 60
    assert moments.provenance.source.startswith("Thomasen & Christensen")
    assert library.problems == []


def test_own_programs_add_and_override(library: ProgramLibrary) -> None:
    own(library, "mine.toml", OWN.format(slug="gnossienne", title="Mine"))
    own(library, "moments.toml", OWN.format(slug="present-moments", title="My Moments"))
    own(library, "broken.toml", "slug = ")
    programs = {p.slug: p for p in library.all()}
    assert programs["gnossienne"].origin == "own"
    assert programs["present-moments"].title == "My Moments"
    assert programs["present-moments"].origin == "own"
    assert programs["demo"].origin == "shipped"
    assert len(library.problems) == 1 and "broken.toml" in library.problems[0]
    assert library.get("present-moments").title == "My Moments"


def test_get_by_slug_or_path_and_unknown(library: ProgramLibrary, tmp_path: Path) -> None:
    assert library.get("demo").slug == "demo"
    path = tmp_path / "elsewhere.toml"
    path.write_text(OWN.format(slug="elsewhere", title="Elsewhere"), encoding="utf-8")
    assert library.get(str(path)).slug == "elsewhere"
    with pytest.raises(NotFoundError, match=r"no program 'nope': use one of demo, .*present-mo"):
        library.get("nope")
    with pytest.raises(NotFoundError):
        library.get(str(tmp_path / "missing.toml"))
    path.write_text("slug = 'x'\n[[pieces]]\ncomposer = 3", encoding="utf-8")
    with pytest.raises(ProgramError, match=r"elsewhere\.toml"):
        library.validate(path)
    path.write_text("slug = = 'x'", encoding="utf-8")
    with pytest.raises(ProgramError, match="not valid TOML"):
        library.validate(path)


def test_words_and_tolerance() -> None:
    assert {"bartok", "evening", "village", "1"} <= words("01 Bartók - An Evening in the Village")
    assert "turangalila" in words("Turangalîla")
    assert tolerance(170) == 3.4 and tolerance(60) == 3.0


def write(path: Path, seconds: float, title: str = "", artist: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 8000
    with sf.SoundFile(str(path), "w", rate, 1, format=path.suffix[1:].upper()) as f:
        if title:
            f.title = title
        if artist:
            f.artist = artist
        block = np.zeros(
            rate, dtype=np.float32
        )  # libsndfile's Vorbis encoder crashes on huge writes
        for _ in range(int(seconds)):
            f.write(block)
    return path


@pytest.fixture
def music(tmp_path: Path) -> Path:
    root = tmp_path / "music"
    write(root / "01 Bartok - An Evening in the Village.flac", 171)
    write(root / "Corigliano" / "Voyage.wav", 478)
    album = root / "Messiaen - Turangalila"
    write(album / "track06.flac", 632, title="Garden of Love's Sleep", artist="Berlin PO")
    write(album / "track05.flac", 390, title="Joy of the Blood of the Stars")
    write(root / "Tavener - The Repentant Thief (Lament).flac", 160)  # wrong length
    write(root / "Part - Da Pacem Domine.flac", 330)
    write(root / "Pärt" / "Da pacem Domine (live).ogg", 331)
    (root / "notes.txt").write_text("not audio", encoding="utf-8")
    (root / "broken.flac").write_bytes(b"not flac")
    return root


def test_link_matches_reports_and_saves(library: ProgramLibrary, music: Path) -> None:
    program = library.get("present-moments")
    assert library.link_status(program) == [LinkStatus.NOT_LINKED] * 6
    report = library.link(program, music)
    states = [m.state for m in report.matches]
    assert states == [
        MatchState.MATCHED,
        MatchState.MATCHED,
        MatchState.MATCHED,
        MatchState.MISSING,
        MatchState.AMBIGUOUS,
        MatchState.MISSING,
    ]
    assert not report.complete
    assert report.scanned == 7
    assert report.matches[2].file is not None and report.matches[2].file.path.name == "track06.flac"
    assert [c.path.name for c in report.matches[3].candidates] == [
        "Tavener - The Repentant Thief (Lament).flac"
    ]
    assert len(report.matches[4].candidates) == 2
    assert report.matches[5].candidates == []
    assert report.links_file == library.settings.home / "links" / "present-moments.toml"
    assert stat.S_IMODE(report.links_file.stat().st_mode) == 0o600
    files = library.linked_files(program)
    assert files[0] == (music / "01 Bartok - An Evening in the Village.flac").resolve()
    assert files[3:] == [None, None, None]
    statuses = library.link_status(program)
    assert statuses[:3] == [LinkStatus.LINKED] * 3
    assert link_summary(statuses) == "3/6 linked"
    # the program file itself is never written
    shipped = Path(__file__).parents[2] / "programs" / "present-moments.toml"
    assert str(music) not in shipped.read_text(encoding="utf-8")
    assert str(music) in report.links_file.read_text(encoding="utf-8")

    (music / "Corigliano" / "Voyage.wav").unlink()
    assert library.link_status(program)[1] is LinkStatus.MISSING
    assert library.linked_files(program)[1] is None
    assert link_summary(library.link_status(program)) == "2/6 linked, 1 missing"

    # linking from a second folder keeps what the first found
    write(music.parent / "more" / "Tormis - Wee Winkie Mouse.flac", 166)
    again = library.link(program, music.parent / "more")
    assert again.matches[5].state is MatchState.MATCHED
    assert library.link_status(program)[0] is LinkStatus.LINKED
    assert library.link_status(program)[5] is LinkStatus.LINKED


def test_link_to_a_missing_folder(library: ProgramLibrary, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no folder"):
        library.link(library.get("present-moments"), tmp_path / "nowhere")


def test_demo_is_always_linked_without_generating(library: ProgramLibrary) -> None:
    demo = library.get("demo")
    assert library.link_status(demo) == [LinkStatus.LINKED] * len(demo.pieces)
    assert not (library.settings.cache_dir / "demo").exists()
    assert link_summary(library.link_status(demo)) == "all linked"
