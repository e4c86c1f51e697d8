"""The hooks of last resort (gim.faults): a fault in a thread or in a finaliser (where a C
callback's exception lands) reaches the guide as one gim sentence, never a traceback, and
the private log has where it happened but not what the exception said."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, sys, threading
from pathlib import Path
from gim import faults

faults.install(Path(sys.argv[1]))

class Finaliser:
    def __del__(self):
        raise ValueError("the client said: a red door")

Finaliser()
gc.collect()

def fail():
    raise ValueError("the client said: a red door")

for _ in range(2):
    thread = threading.Thread(target=fail)
    thread.start()
    thread.join()
print("still running")
"""


def test_thread_and_unraisable_faults_are_one_sentence_and_a_private_log(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "still running"
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # once, however often it happens
    assert lines[0].startswith("gim: Something failed in the background (ValueError)")
    log = tmp_path / "gim-faults.log"
    assert log.stat().st_mode & 0o777 == 0o600
    text = log.read_text()
    assert "red door" not in text and "client said" not in text
    assert text.count("ValueError") == 3 and "in fail" in text and "in __del__" in text


def test_a_full_disk_is_left_to_the_recording_to_say(tmp_path: Path) -> None:
    from gim import faults

    assert faults.sentence(OSError(28, "No space left on device")) is None
    assert "(KeyError)" in str(faults.sentence(KeyError("x")))
