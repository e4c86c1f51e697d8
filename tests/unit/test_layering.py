"""The headless core stays headless: importing it never loads Textual or heavy engines."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import gim

HEADLESS = sorted(
    m.name
    for m in pkgutil.walk_packages(gim.__path__, "gim.")
    if not m.name.startswith("gim.ui") and not m.name.startswith("gim.cli.tui")
)


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_startup_imports_nothing_heavy() -> None:
    heavy = ["textual", "faster_whisper", "torch", "sounddevice", "ctranslate2", "scipy"]
    code = f"import sys, gim.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
