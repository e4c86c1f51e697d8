"""`gim programs ...` as a guide runs it: a real process, a private data home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

GIM = Path(sys.executable).parent / "gim"


def gim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [str(GIM), *map(str, args)], capture_output=True, text=True, timeout=120, env=env
    )


def test_list_shows_demo_and_present_moments(home: Path) -> None:
    done = gim("programs", "list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["SLUG", "TITLE", "PIECES", "LENGTH", "ORIGIN", "LINKS"]
    demo = next(line for line in lines if line.startswith("demo "))
    assert "all linked" in demo and "shipped" in demo
    moments = next(line for line in lines if line.startswith("present-moments "))
    assert "31:50" in moments and " 6 " in moments and "not linked" in moments
    listed = json.loads(gim("programs", "list", "--json").stdout)
    assert {p["slug"] for p in listed} >= {"demo", "present-moments"}


def test_show(home: Path) -> None:
    done = gim("programs", "show", "present-moments")
    assert done.returncode == 0, done.stderr
    assert "Thomasen & Christensen (2010) (verified)" in done.stdout
    assert "Messiaen, Turangalîla: Garden of Love's Sleep" in done.stdout
    assert "Berlin PO / Nagano" in done.stdout and "10:30" in done.stdout
    data = json.loads(gim("programs", "show", "demo", "--json").stdout)
    assert data["slug"] == "demo" and all(p["link"] == "linked" for p in data["pieces"])


def test_validate_a_broken_file_exits_2_with_one_line(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "mine.toml"
    cases = {
        "slug = 'mine'\ntitle = 'M'\nauthor = 'G'\n[provenance]\nsource = 's'\n"
        "[[pieces]]\ncomposer = 'Bach'\nwork = 'Air'\nduration = -3\n": "piece 1, field 'duration'",
        "slug = 'mine'\ntitle = [": "not valid TOML",
        "slug = 'mine'\ntitel = 'M'\n": "did you mean 'title'",
    }
    for text, expected in cases.items():
        bad.write_text(text, encoding="utf-8")
        done = gim("programs", "validate", bad)
        assert done.returncode == 2
        assert done.stdout == ""
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert expected in done.stderr and "mine.toml" in done.stderr
        assert "Traceback" not in done.stderr
    good = gim("programs", "validate", Path(__file__).parents[2] / "programs" / "demo.toml")
    assert good.returncode == 0 and good.stdout.startswith("OK: ")


def test_unknown_program_and_missing_file(home: Path, tmp_path: Path) -> None:
    done = gim("programs", "show", "nope")
    assert done.returncode == 2 and "demo, present-moments" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    for target in (tmp_path / "none.toml", tmp_path):
        done = gim("programs", "validate", target)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)))
    done = gim("programs", "validate", binary)
    assert done.returncode == 2 and "cannot be read" in done.stderr


def test_own_program_overrides_a_shipped_one(home: Path) -> None:
    (home / "programs").mkdir(parents=True)
    (home / "programs" / "moments.toml").write_text(
        "slug = 'present-moments'\ntitle = 'My Moments'\nauthor = 'G'\n"
        "[provenance]\nsource = 'me'\n[[pieces]]\ncomposer = 'Satie'\nwork = 'Gnossienne'\n"
        "duration = '3:40'\n",
        encoding="utf-8",
    )
    out = gim("programs", "list").stdout
    assert "My Moments" in out and "Present Moments" not in out
    line = next(line for line in out.splitlines() if line.startswith("present-moments"))
    assert " own " in line


def write(path: Path, seconds: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.zeros(seconds * 8000, dtype=np.float32), 8000)


def test_link_reports_and_exit_status(home: Path, tmp_path: Path) -> None:
    music = tmp_path / "music"
    write(music / "01 Bartok - An Evening in the Village.flac", 170)
    write(music / "Part - Da Pacem Domine.wav", 330)
    write(music / "Arvo Part - Da pacem Domine (2).wav", 331)
    done = gim("programs", "link", "present-moments", music)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"3 audio files under {music}."
    assert lines[1].split()[:2] == ["1", "matched"]
    assert "several files fit" in done.stdout and done.stdout.count("Da") >= 3
    assert "1 of 6 pieces linked" in lines[-1]
    assert (home / "links" / "present-moments.toml").is_file()
    show = gim("programs", "show", "present-moments").stdout
    assert show.count("not linked") == 5
    assert gim("programs", "link", "demo", music).returncode == 0
    missing = gim("programs", "link", "present-moments", tmp_path / "nowhere")
    assert missing.returncode == 2 and "no folder" in missing.stderr
