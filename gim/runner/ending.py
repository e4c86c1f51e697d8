"""Ending a session at its set duration: the music quiet by then, the recording ended then.

A session with a duration S ends at S session seconds (the microphone track's length).
Music still playing is faded out *before* S so that it is quiet at S: the fade is given
so that it starts at output frame S - fade (the player's clock, the PlaybackLog's frames)
and is shortened to what is left when the music started later or S is shorter than the
fade. The microphone hears a sound at about its output frame (on a null sink 0.26 s
before: the lag is negative), so the recording holds the whole fade.

Timing: a fade takes effect only after the blocks already queued for the device (the
player's ``horizon``, ~0.5 s ahead of its output count), and the output count itself
leads the microphone's by the output buffer (~0.4 s on PulseAudio) plus where the two
streams started. Fading when the microphone reached S (as before) put the fade at ~S+1.2
and the end at S+6.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gim.audio.player import Player

FADE = 5.0
"""Seconds a guide's session fades its music over at the end (the app, `session run`)."""
POLL = 0.01
"""Seconds between checks: a fade starts within a block of S - fade."""


def watch_end(
    duration: float,
    fade: float,
    player: Player,
    elapsed: Callable[[], float],
    stop_wanted: threading.Event,
    ending: threading.Event,
    reached: threading.Event,
) -> None:
    """Run `end_at_duration` in a daemon thread (arguments as there)."""
    threading.Thread(
        target=end_at_duration,
        args=(duration, fade, player, elapsed, stop_wanted, ending, reached),
        name="runner-end",
        daemon=True,
    ).start()


def end_at_duration(
    duration: float,
    fade: float,
    player: Player,
    elapsed: Callable[[], float],
    stop_wanted: threading.Event,
    ending: threading.Event,
    reached: threading.Event,
) -> None:
    """Fade the music out so it is quiet at ``duration``; at ``duration`` session seconds
    set ``reached`` and ``stop_wanted`` (waking whoever waits for the end). Returns early
    when a stop is asked for. A thread's target.

    Args:
        duration: session seconds the session ends at.
        fade: seconds the music fades over (less when less is left).
        player: the session's player.
        elapsed: session seconds so far (the microphone's clock).
        stop_wanted: set when the session should end (by this or a guide's request).
        ending: set when the music is faded for the end (its stop is no return phase).
        reached: set when the duration was reached (not a guide's request).
    """
    rate = player.rate
    pending = False  # a fade was given and the producer has not applied it yet
    while not stop_wanted.is_set():
        if elapsed() >= duration:
            reached.set()
            stop_wanted.set()
            return
        plays_on = player.plays_on
        if not plays_on:
            pending = False
        elif not pending:
            # (a block early: the horizon is known within one, and the end is a limit)
            left = duration - (player.horizon + player.blocksize) / rate
            if left <= fade:  # (the music may start after S - fade: fade what is left)
                ending.set()
                player.fade_out(max(0.0, left))  # 0: the producer stops it at once
                pending = True
        stop_wanted.wait(POLL)
