"""The Word transcript as LibreOffice prints it: pages, running header, page numbers."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from gim.core.session import Segment
from gim.export import ExportOptions, render
from tests.support.sample import sample_record

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftotext")),
        reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)",
    ),
]


def _pdf(docx: Path, home: Path) -> Path:
    env = {**os.environ, "HOME": str(home)}  # LibreOffice's profile stays in the test folder
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
        check=True,
        capture_output=True,
        timeout=240,
        env=env,
    )
    return docx.with_suffix(".pdf")


def test_docx_prints_with_header_page_numbers_and_paper(tmp_path: Path) -> None:
    record = sample_record()
    lines = [
        Segment(30 + i, 30.8 + i, f"Line {i} of a long walk by the water", id=100 + i)
        for i in range(80)
    ]
    record = replace(record, segments=sorted([*record.segments, *lines], key=lambda s: s.start))
    docx = tmp_path / "t.docx"
    docx.write_bytes(render(record, "docx", ExportOptions(paper="a4")))
    pdf = _pdf(docx, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
    assert pages >= 2
    second = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout
    assert "AB12" in second and "Session 3, 2026-03-05" in second and "Confidential" in second
    assert f"Page 2 of {pages}" in second
    everything = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert everything.count("Postlude (") == 1 and "Postlude\n" not in everything
