"""Keep C libraries' chatter (ALSA, PortAudio, decoders) off the guide's terminal.

ALSA reports through an error handler that can be replaced (``snd_lib_error_set_handler``);
PortAudio and the audio decoders print straight to file descriptor 2, so around their calls
fd 2 points at /dev/null for a moment. Python's own ``sys.stderr`` writes made meanwhile
are flushed first and lost only for that moment. With ``--debug`` nothing is silenced.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

VERBOSE = False
"""Let everything through (set by ``--debug``)."""

_lock = threading.RLock()
_depth = 0
_saved = -1
_alsa_handler: Any = None
_owned = False


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Point fd 2 at /dev/null while the block runs (nested and threaded calls are fine)."""
    global _depth, _saved
    if VERBOSE:
        yield
        return
    with _lock:
        if _depth == 0:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            try:
                _saved = os.dup(2)
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 2)
                os.close(null)
            except OSError:
                _saved = -1
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved >= 0:
                os.dup2(_saved, 2)
                os.close(_saved)
                _saved = -1


def silence_alsa() -> None:
    """Give ALSA an error handler that says nothing ("underrun occurred" and the like)."""
    global _alsa_handler
    if VERBOSE or _alsa_handler is not None:
        return
    name = ctypes.util.find_library("asound")
    if name is None:
        return
    try:
        lib = ctypes.CDLL(name)
        # void handler(const char *file, int line, const char *func, int err, const char *fmt, ...)
        kind = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        handler = kind(lambda *args: None)
        lib.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):
        return
    _alsa_handler = handler  # kept alive: ALSA calls it for the life of the process


@contextlib.contextmanager
def terminal_app_stderr() -> Iterator[None]:
    """Python's stderr on its own handle on the terminal, and fd 2 at /dev/null, for good.

    gim's own sentences (``click.echo(err=True)``, logging) and the terminal app (Textual
    draws through ``sys.__stderr__``) write to a duplicate of the terminal's descriptor;
    fd 2 itself, where C libraries print (PortAudio's "Expression ... failed" from its
    threads, ALSA, decoders, the Whisper child's native code), points at /dev/null while
    the block runs. So nothing can scribble over the screen or between gim's lines, and
    `quiet_stderr` has nothing to do (its brief swaps of fd 2 could otherwise swallow a
    line another thread was printing). The command line wraps every command in it.
    """
    global _depth, _owned
    if VERBOSE or _owned:  # --debug, or already done (the command line does it for all)
        yield
        return
    try:
        terminal = os.dup(2)
    except OSError:
        yield
        return
    old_dunder, old_stderr = sys.__stderr__, sys.stderr
    handle = os.fdopen(terminal, "w", encoding="utf-8", errors="replace", closefd=True)
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    sys.__stderr__ = handle  # type: ignore[misc]
    sys.stderr = handle
    with _lock:
        _depth += 1  # fd 2 is already quiet: quiet_stderr leaves it alone
        _owned = True
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            _owned = False
        with contextlib.suppress(Exception):
            handle.flush()
        os.dup2(handle.fileno(), 2)
        sys.__stderr__ = old_dunder  # type: ignore[misc]
        sys.stderr = old_stderr
        handle.close()
