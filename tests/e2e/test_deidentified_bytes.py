"""De-identification holds for every byte: a stored session whose client code and listed
names are everywhere (texts, words, program, mandala file name, session id, folder) is
exported de-identified in every format, as a supervision packet and as a client copy, and
every file name, zip member name and byte of text (DOCX XML and docProps included) is
searched for the client code, its slug, each name, the session id and the data home.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from gim.core.program_parse import program_to_dict
from gim.core.record import Attachment
from gim.core.session import Word
from gim.export import FORMAT_NAMES
from gim.export.files import ExportChoice, export_session
from gim.store.db import Store
from tests.support.sample import sample_program, sample_record

CLIENT = "Zed-77"
NAMES = ("Anna", "Bob", "Ilse")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
BINARY = (".png", ".wav", ".jpeg", ".jpg", ".flac")
"""Members whose bytes are pictures or sound (their names are still searched)."""


def store_session(home: Path) -> str:
    """The sample session for CLIENT, with the client and names in every field; its id."""
    record = sample_record(CLIENT)
    program = replace(
        sample_program(), title="Ilse's favourites", description=f"Chosen for {CLIENT}"
    )
    session = replace(
        record.session,
        id="",
        number=None,
        program_snapshot=program_to_dict(program),
        induction="A staircase down to Ilse's meadow",
        mandala_title="Bob's gate",
        mandala_description=f"{CLIENT} drew Anna",
    )
    record.segments[0].words.append(Word(15.6, 16.0, "Ilse"))
    mandala = f"{CLIENT.lower()}-anna-mandala.png"  # the guide named the file
    home.mkdir(mode=0o700)
    with Store.open(home / "gim.db") as store:
        store.create_session(session)
        store.add_playback_events(session.id, record.playback.events)
        for segment in record.segments:
            store.add_segment(session.id, replace(segment, id=None))
        for annotation in record.annotations:
            store.add_annotation(session.id, replace(annotation, id=None, segment_id=None))
        store.add_attachment(session.id, Attachment("mandala", mandala, "Anna's gate"))
    folder = home / "sessions" / session.id
    folder.mkdir(parents=True)
    rate = 16000
    sf.write(folder / "mic.flac", np.zeros(130 * rate, np.int16), rate, subtype="PCM_16")
    (folder / mandala).write_bytes(PNG)
    return session.id


def gim(home: Path, cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIM_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "gim", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def contents(path: Path, root: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of a file, or of each member of a zip (DOCX, packet), with its name."""
    name = str(path.relative_to(root))
    if not zipfile.is_zipfile(path):
        return [(name, path.read_bytes())]
    out = [(name, b"")]
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            data = b"" if member.lower().endswith(BINARY) else archive.read(member)
            out.append((f"{name}!{member}", data))
    return out


def test_every_deidentified_export_is_clean_to_the_byte(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    session_id = store_session(home)
    out.mkdir()
    names = ",".join(NAMES)
    for fmt in FORMAT_NAMES:  # default file names, in the folder the guide is in
        gim(home, out, "export", session_id, "-f", fmt, "--deidentify", "--names", names)
    gim(home, out, "packet", session_id, "--excerpts", "--names", names)
    record = Store.open(home / "gim.db").load_record(session_id)
    export_session(
        record,
        home / "sessions" / session_id,
        ExportChoice("client-copy", deidentified=True, names=NAMES),
        out,
    )

    files = sorted(p for p in out.rglob("*") if p.is_file())
    suffixes = {p.suffix for p in files}
    assert {".md", ".html", ".docx", ".srt", ".vtt", ".eaf", ".txt", ".json", ".zip"} <= suffixes
    secrets = [CLIENT, CLIENT.lower(), *NAMES, session_id, str(home), "sessions/"]
    pattern = re.compile("|".join(re.escape(s) for s in secrets).encode(), re.IGNORECASE)
    found = []
    for path in files:
        for name, data in contents(path, out):
            data = re.sub(rb"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", b"", data)  # a picture
            found += [f"{name}: {m.group(0)!r}" for m in pattern.finditer(name.encode() + data)]
    assert found == []
    with zipfile.ZipFile(next(p for p in files if p.suffix == ".docx")) as docx:
        core = docx.read("docProps/core.xml").decode()
        app = docx.read("docProps/app.xml").decode()
        members = docx.namelist()
    assert "python-docx" not in core and "2013" not in core
    assert "Microsoft" not in app and "<Application>gim</Application>" in app
    assert not [m for m in members if "thumbnail" in m]
    assert "2026-03-05" in core  # created and modified: the session's own date
