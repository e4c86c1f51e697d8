"""The "final pass owed" mark: a file in the session folder from the moment the recording
ends until a final pass over it completes.

It is written (fsync'd) in the step that stores the session's end, before the end reaches
the database, and removed only when a final pass has stored its transcript. So every way a
session can stop short of its final transcript leaves it: a kill right after the recording,
the app closed on the end screen, a pass stopped or killed part way. A live process that
runs the pass, or means to run it next, holds the file's lock (flock); others then read
"running", not "not finished", and the kernel lets go of the lock when that process dies.
Sessions from before the mark have no file and read as finished (their passes ran).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from gim.errors import SessionInUseError
from gim.lockfile import lock_state

FINAL_MARK = "final-pass.pending"
"""In a session folder while its final pass is owed (running, or not finished)."""

log = logging.getLogger(__name__)
_held: dict[Path, int] = {}
"""Marks this process holds for a final pass it runs next: folder -> locked descriptor."""
_guard = threading.Lock()


def owe_final_pass(folder: Path, *, hold: bool) -> None:
    """Note durably that ``folder``'s session owes a final pass.

    With ``hold`` this process keeps the mark locked (it runs the pass next), until
    `final_pass_running` takes the lock over, `let_go` drops it, or the process ends.
    Nothing is raised: a disk too full for an empty file only loses the reminder.
    """
    path = folder / FINAL_MARK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        log.warning("gim: cannot note that a final pass is owed (%s).", exc.strerror)
        return
    try:
        if hold:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.fsync(fd)
        _sync_dir(folder)
    except OSError as exc:
        os.close(fd)
        log.warning("gim: cannot note that a final pass is owed (%s).", exc.strerror)
        return
    if not hold:
        os.close(fd)
        return
    with _guard:
        earlier = _held.pop(folder.resolve(), None)
        _held[folder.resolve()] = fd
    if earlier is not None:
        os.close(earlier)


def let_go(folder: Path) -> None:
    """Drop this process's hold on ``folder``'s mark (it stays: "not finished")."""
    with _guard:
        fd = _held.pop(folder.resolve(), None)
    if fd is not None:
        os.close(fd)


@contextlib.contextmanager
def final_pass_running(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s mark while a final pass runs; remove it when the pass returns.

    The mark is created (or taken over from this process's `owe_final_pass` hold) and
    locked before any work; a pass that raises or is killed leaves it, unlocked.

    Raises:
        SessionInUseError: when another live process runs (or is about to run) the pass.
    """
    if not folder.is_dir():
        yield
        return
    path = folder / FINAL_MARK
    with _guard:
        fd = _held.pop(folder.resolve(), None)
    if fd is None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise _already_running(folder) from None
        os.fsync(fd)
        _sync_dir(folder)
    try:
        yield
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def refuse_if_running(folder: Path) -> None:
    """Refuse a final pass another live process runs (or runs next) over ``folder``.

    Raises:
        SessionInUseError: when it does.
    """
    with _guard:
        mine = folder.resolve() in _held
    if not mine and final_pass_state(folder) == "running":
        raise _already_running(folder)


def _already_running(folder: Path) -> SessionInUseError:
    return SessionInUseError(
        f"The final pass of session {folder.name} is already running: wait for it to end."
    )


def final_pass_state(folder: Path) -> str | None:
    """ "not finished" when a final pass is owed and no live process runs it, "running"
    while one does (or is about to), else None."""
    state = lock_state(folder / FINAL_MARK)
    return None if state is None else "running" if state else "not finished"


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
