"""Scheduling priority for the threads a busy machine must not starve.

On a busy machine (a backup, a browser, a CPU hog) the player, the recorder and the live
transcription compete with every other program thread by thread. Their latency costs
nothing to keep low, so they ask for a higher priority (a lower nice value) where the
system allows it: root may, and a user whose RLIMIT_NICE permits (``limits.conf``: e.g.
``@audio - nice -11``); anyone else keeps nice 0, silently. What was asked and what was
granted goes to gim's private log only.

On Linux a nice value belongs to a thread, and a thread (or a process) started later
inherits its starter's: so each thread that needs it calls `prioritise` itself, and a
child process sets its own first thing, before it starts any thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

AUDIO = -15
"""The player's and recorder's threads (and PortAudio's callback threads): they need
little CPU, but at once."""
LIVE = -11
"""The live transcription's child process (its decoding threads inherit it) and the
thread that feeds it; PulseAudio's own server runs at -11. Against a CPU hog of four
threads at nice 0 on two cores, the child's two decoding threads get two thirds of the
machine at -6 and about 85% at -11 (CFS weights 3906 and 11916 against 1024 each).
(Lower the constant and that share drops: a line within 3 s of the utterance's end needs
most of the machine for a second or two.)"""
FINAL = -11
"""The final pass and the saving before it (at the end of a session the guide waits)."""
BELOW_LIVE = 3
"""How many nice steps the rolling pass's child sits below the live pass (`rolling`)."""


def lowest_allowed() -> int:
    """The lowest nice value this process may set (-20 for root; else 20 - RLIMIT_NICE:
    20, nothing lower than it is, for most users)."""
    if os.geteuid() == 0:
        return -20
    soft, _hard = resource.getrlimit(resource.RLIMIT_NICE)
    if soft == resource.RLIM_INFINITY:
        return -20
    return max(-20, min(20, 20 - int(soft)))


def rolling() -> int:
    """The rolling pass's nice value: below the live pass as this process may set it,
    so the session's audio and live pass come first; but not low. At nice 5 and 19 other
    programs' load took nearly all of its CPU, no window finished during a busy session
    and the final pass had the whole recording to do at the end."""
    return granted(LIVE) + BELOW_LIVE


def granted(nice: int) -> int:
    """The nice value `prioritise` gives a thread at nice 0 that asks for ``nice``."""
    return max(nice, min(0, lowest_allowed()))


def prioritise(nice: int, what: str) -> int | None:
    """Set the calling thread's nice value to ``nice``, or as near to it as allowed.

    A value above the current one is always allowed; a lower one only as far as
    `lowest_allowed`. Returns the nice value now in effect, None when it could not be
    changed at all (logged privately, never an error: the session goes on as it is).
    """
    try:
        now = os.getpriority(os.PRIO_PROCESS, 0)
        target = max(nice, min(now, lowest_allowed())) if nice < now else nice
        if target != now:
            os.setpriority(os.PRIO_PROCESS, 0, target)  # Linux: the calling thread
        granted = os.getpriority(os.PRIO_PROCESS, 0)
    except (OSError, AttributeError) as exc:
        log.info("priority for %s: nice %d not set (%s)", what, nice, type(exc).__name__)
        return None
    log.info(
        "priority for %s (%s): nice %d asked, %d granted",
        what,
        threading.current_thread().name,
        nice,
        granted,
    )
    return granted


@contextmanager
def raised(nice: int, what: str) -> Iterator[int | None]:
    """The calling thread at `prioritise` ``nice`` for the block (and threads it starts
    meanwhile, which keep it), back to its own nice value after."""
    try:
        before = os.getpriority(os.PRIO_PROCESS, 0)
    except OSError:
        before = None
    try:
        yield prioritise(nice, what)
    finally:
        if before is not None:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, 0, before)  # a higher value is always allowed
