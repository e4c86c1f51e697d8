"""Lock files a live gim process holds (flock) while it records or runs a final pass.

Shared by the store (which refuses to delete a session being recorded) and the runner
(recovery, the final pass's mark): a held lock means a live process, whatever the file's
age, because the kernel releases it when that process dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


def lock_state(path: Path) -> bool | None:
    """None when ``path`` does not exist (or cannot be opened), True while a live process
    holds its lock, else False (the file is left behind, by a kill for instance)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:  # shared: two processes asking at once do not see each other as its holder
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # releases the lock if it was taken here
    return False


SESSION_LOCK = "session.lock"
"""The lock file a recording process holds in its session folder."""


def live_sessions(sessions_dir: Path) -> list[str]:
    """Ids of the sessions under ``sessions_dir`` a live process records right now."""
    if not sessions_dir.is_dir():
        return []
    locks = sessions_dir.glob(f"*/{SESSION_LOCK}")
    return sorted(lock.parent.name for lock in locks if lock_state(lock) is True)


RECORDING_LOCK = "recording.lock"
"""The lock file in ``sessions/`` a recording process holds: one recording per data home."""
NAMING_WAIT = 10.0
"""Longest wait for the session that holds the recording lock to show its folder."""


def claim_recording(sessions_dir: Path) -> int:
    """Take the data home's recording lock (an existing ``sessions_dir``): the one atomic
    step two sessions started at the same instant cannot both pass. Its descriptor: hold
    it while recording and close it after (the kernel releases it if the process dies).

    Raises:
        SessionInUseError: another live gim holds it (the sentence names its session).
    """
    fd = os.open(sessions_dir / RECORDING_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        deadline = time.monotonic() + NAMING_WAIT
        while not live_sessions(sessions_dir) and time.monotonic() < deadline:
            time.sleep(0.05)  # the other one is creating its session right now
        refuse_second_session(sessions_dir)
        from gim.errors import SessionInUseError

        raise SessionInUseError(
            "Another gim is starting a session in this data home right now: end it first "
            "(two sessions would record the same room twice)."
        ) from None
    return fd


def refuse_second_session(sessions_dir: Path) -> None:
    """Refuse (one sentence) to start a session while another one records.

    Raises:
        SessionInUseError: a live gim records a session in this data home.
    """
    from gim.errors import SessionInUseError

    running = live_sessions(sessions_dir)
    if running:
        raise SessionInUseError(
            f"Session {running[0]} is recording right now in another gim: end it first "
            "(two sessions would record the same room twice)."
        )
