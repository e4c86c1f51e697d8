"""The last line of defence: exceptions nobody caught, in any thread or C callback.

Python prints those itself, with a traceback, on the guide's terminal: "Exception ignored
in ..." (``sys.unraisablehook``: a finaliser, a cffi callback such as soundfile's writes on
a full disk) and "Exception in thread ..." (``threading.excepthook``). gim replaces both
hooks: the traceback goes to a private log file in the data home, with file names, lines
and the exception's type but never its message (which could quote a transcript), and the
guide reads one sentence, once per kind of fault, where they are looking (stderr, or the
terminal app's warnings through `listen`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

LOG_NAME = "gim-faults.log"
"""The private log in the data home (0600)."""

LOG_LIMIT = 1_000_000
"""Bytes the log may reach before it starts again (a fault in a loop must not fill a disk)."""

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)

Say = Callable[[str], object]
"""Shows a guide one sentence."""

_log_dir: Path | None = None
_listener: Say | None = None
_said: set[str] = set()
_lock = threading.Lock()


def install(log_dir: Path | None = None) -> None:
    """Take over both hooks for the life of the process; log into ``log_dir`` when given."""
    global _log_dir
    if log_dir is not None:
        _log_dir = log_dir
    sys.unraisablehook = _unraisable
    threading.excepthook = _thread_failed


def log_into(log_dir: Path) -> None:
    """Log faults into ``log_dir`` from now on (the data home, once it is known)."""
    global _log_dir
    _log_dir = log_dir


def listen(say: Say | None) -> None:
    """Send the guide's sentences to ``say`` instead of stderr (None: back to stderr)."""
    global _listener
    _listener = say


def sentence(exc: BaseException | None) -> str | None:
    """What the guide reads about ``exc``; None when gim says it already another way.

    A full disk is noticed and said by the recording itself (it ends the session safely
    and names what is kept): a second sentence would only repeat it.
    """
    if isinstance(exc, OSError) and exc.errno in DISK_FULL:
        return None
    name = type(exc).__name__ if exc is not None else "an error"
    where = f" (details in {_log_dir / LOG_NAME})" if _log_dir is not None else ""
    return (
        f"Something failed in the background ({name}); what is recorded is kept and gim "
        f"goes on{where}."
    )


def report(exc: BaseException | None, tb: TracebackType | None, where: str) -> None:
    """Log ``exc`` privately and tell the guide once (the hooks, and the app's own errors)."""
    _write_log(exc, tb, where)
    text = sentence(exc)
    if text is None:
        return
    with _lock:
        if text in _said:
            return
        _said.add(text)
    say = _listener
    # the hook of last resort must never raise itself
    with contextlib.suppress(Exception):
        if say is not None:
            say(text)
        elif sys.stderr is not None:
            sys.stderr.write(f"gim: {text}\n")
            sys.stderr.flush()


def report_privately(exc: BaseException, where: str) -> None:
    """Log ``exc`` privately only (its caller tells the guide in its own words)."""
    _write_log(exc, exc.__traceback__, where)


def closing_sentence(exc: BaseException) -> str:
    """What the terminal app says when an error of its own closes it."""
    where = f" (details in {_log_dir / LOG_NAME})" if _log_dir is not None else ""
    return (
        f"gim: the app closed after an unexpected error ({type(exc).__name__}); every "
        f"session is kept{where}."
    )


def _unraisable(info: Any) -> None:
    where = "unraisable"
    if info.object is not None:
        where += f" in {type(info.object).__name__}"
    report(info.exc_value, info.exc_traceback, where)


def _thread_failed(args: Any) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "a thread"
    report(args.exc_value, args.exc_traceback, f"thread {name}")


def _write_log(exc: BaseException | None, tb: TracebackType | None, where: str) -> None:
    """Append the fault, without its message, to the private log (if there is a home)."""
    if _log_dir is None or not _log_dir.is_dir():
        return
    lines = [f"{where}: {type(exc).__name__ if exc is not None else 'unknown'}"]
    if isinstance(exc, OSError):
        lines[0] += f" errno {exc.errno}"
    for frame in traceback.extract_tb(tb):
        lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
    path = _log_dir / LOG_NAME
    try:
        if path.exists() and path.stat().st_size > LOG_LIMIT:
            path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    except OSError:
        return  # a full disk: nothing can be logged, and that is no reason to fail
