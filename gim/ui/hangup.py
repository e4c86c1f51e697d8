"""Closing the terminal (SIGHUP) or a shutdown (SIGTERM) during a session: save, end, exit.

When the terminal window closes, its descriptors fail (EIO) or read end-of-file forever:
the terminal app's input thread then spins and its last writes fail, and the process
could stay alive, busy, holding the session's lock. So on a hang-up the terminal's
descriptors are pointed at /dev/null first; the app quits the ordinary way (the live
screen saves the session as it unmounts); and a watchdog makes sure the process, with
every child, is gone a few seconds after the session is saved, whatever a library's
thread still does.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable

GRACE_SECONDS = 2.0
"""How long after the session is saved the process may take to end by itself."""

SAVE_LIMIT_SECONDS = 300.0
"""The longest a save is waited for before the process ends anyway (the journal keeps
what a save did not finish, and the next gim command recovers it)."""

saved = threading.Event()
"""Set by the live screen once the session is saved (or there was none to save)."""


def install(quit_app: Callable[[], None]) -> None:
    """Handle SIGHUP and SIGTERM by quitting the app (which saves); main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, frame: object) -> None:
        if signum == signal.SIGHUP:
            terminal_gone()
        start_watchdog()
        quit_app()

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handle)


def terminal_gone() -> None:
    """Point every descriptor on the closed terminal at /dev/null (reads see EOF at once,
    writes vanish) so nothing blocks, fails or spins on it."""
    streams = [sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__]
    fds = {0, 1, 2}
    for stream in streams:
        with contextlib.suppress(Exception):
            if stream is not None and os.isatty(stream.fileno()):
                fds.add(stream.fileno())
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        with contextlib.suppress(OSError):
            os.dup2(null, fd)
    os.close(null)


_watching = threading.Lock()


def start_watchdog() -> None:
    """End the process (children first) once the session is saved and a grace passed."""
    if not _watching.acquire(blocking=False):
        return  # one is already watching
    threading.Thread(target=_watch, name="gim-hangup-watchdog", daemon=True).start()


def _watch() -> None:
    saved.wait(SAVE_LIMIT_SECONDS)
    # the ordinary exit normally wins this race; the process ending ends this thread too
    threading.Event().wait(GRACE_SECONDS)
    for child in multiprocessing.active_children():
        with contextlib.suppress(Exception):
            child.kill()
            child.join(2.0)
    os._exit(0)
