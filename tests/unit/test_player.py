"""The player on the virtual room: order, gaps, commands, and the log at exact frames."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import numpy as np
import soundfile

from gim.audio.player import Player, PlayerEvents
from gim.audio.producer import Playlist
from gim.audio.room import VirtualRoom
from gim.core.playback import Action

RATE = 48000


def piece(path: Path, seconds: float, value: float, rate: int = RATE) -> Path:
    soundfile.write(path, np.full((int(rate * seconds), 1), value, np.float32), rate)
    return path


def run(player: Player, room: VirtualRoom, until: float) -> None:
    player.start()
    while room.frame < until * RATE and not player.finished.is_set():
        time.sleep(0.005)


def collect(
    tmp_path: Path, gap: float = 0.0, ahead: float = 0.5, speed: float = 40, first: float = 0.5
) -> tuple[Player, VirtualRoom, dict[int, np.ndarray]]:
    files = [piece(tmp_path / "a.wav", first, 0.25), piece(tmp_path / "b.flac", 0.3, 0.5)]
    room = VirtualRoom(RATE, speed=speed)
    played: dict[int, np.ndarray] = {}
    lock = threading.Lock()

    def on_played(frame: int, block: np.ndarray) -> None:
        with lock:
            played[frame] = block.copy()

    playlist = Playlist((files[0], files[1]), (first, 0.3), gap)
    player = Player(room, playlist, RATE, ahead=ahead, events=PlayerEvents(played=on_played))
    return player, room, played


def reference(played: dict[int, np.ndarray]) -> np.ndarray:
    frames = sorted(played)
    for a, b in itertools.pairwise(frames):
        assert a + len(played[a]) == b  # contiguous: every output frame accounted for
    return np.concatenate([played[f] for f in frames])[:, 0]


def test_pieces_play_in_order_with_the_gap(tmp_path: Path) -> None:
    player, room, played = collect(tmp_path, gap=0.2)
    run(player, room, 3.0)
    player.close()
    room.close()
    events = [(e.action, e.piece, e.frame) for e in player.log]
    assert events[0] == (Action.PLAY, 0, 0)
    assert (Action.END, None, 24000) in events
    assert (Action.PLAY, 1, 24000 + 9600) in events
    ref = reference(played)
    assert np.allclose(ref[:24000], 0.25, atol=1e-4)
    assert np.allclose(ref[24000:33600], 0.0)
    assert np.allclose(ref[33600 : 33600 + 14400], 0.5, atol=1e-4)
    assert player.log.pieces_played() == [0, 1]
    assert player.underruns == 0


def test_commands_land_in_the_log_where_they_sound(tmp_path: Path) -> None:
    player, room, played = collect(tmp_path, ahead=0.05, speed=4)
    room.waits_for_output = False  # as a sound card (a dry queue is silence, not a wait)
    player.start()
    while room.frame < 0.1 * RATE:
        time.sleep(0.002)
    player.pause()
    while room.frame < 0.3 * RATE:
        time.sleep(0.002)
    player.set_volume(0.5)
    player.resume()
    while room.frame < 0.5 * RATE:
        time.sleep(0.002)
    player.fade_out(0.05)
    player.finished.wait(5)
    player.close()
    room.close()
    ref = reference(played)
    log = player.log
    pause = next(e for e in log if e.action is Action.PAUSE)
    resume = next(e for e in log if e.action is Action.RESUME)
    assert np.allclose(ref[pause.frame : resume.frame], 0.0)
    assert abs(ref[pause.frame - 1] - 0.25) < 1e-4
    assert abs(ref[resume.frame] - 0.125) < 1e-4  # half volume from the resume on
    stop = next(e for e in log if e.action is Action.STOP)
    assert np.allclose(ref[stop.frame :], 0.0)
    # the music position follows the log: offset at resume equals the music's frames heard
    # before the pause (a loaded machine's dropouts before it held the position)
    dry = sum(
        int(e.value or 0) for e in log if e.action is Action.DROPOUT and e.frame < pause.frame
    )
    pos = log.position_at(resume.frame)
    assert pos is not None and pos.offset == pause.frame - dry


def test_a_dry_output_is_one_dropout_never_a_pause(tmp_path: Path) -> None:
    """A producer that falls behind (a busy machine) leaves silence mid-music: the log
    says dropout, once for the whole silence, with its length; the music's position holds
    over it; no pause. (A loaded test machine may add short dropouts of its own: each is
    checked the same way.)"""
    player, room, played = collect(tmp_path, ahead=0.25, speed=4, first=4.0)
    room.waits_for_output = False  # as a sound card: its clock runs on without the player
    producer = player._producer
    make_block = producer.make_block
    stalled = threading.Event()

    def slow_once() -> object:
        block = make_block()
        if not stalled.is_set() and room.frame > 0.5 * RATE:
            stalled.set()
            time.sleep(0.3)  # 1.2 s of output at speed 4: the queue (0.25 s) runs dry
        return block

    producer.make_block = slow_once  # type: ignore[method-assign]
    run(player, room, 6.0)
    player.close()
    room.close()
    log = player.log
    assert not [e for e in log if e.action in (Action.PAUSE, Action.RESUME)]
    dropouts = [e for e in log if e.action is Action.DROPOUT]
    assert dropouts and max(int(e.value or 0) for e in dropouts) > 0.5 * RATE
    ref = reference(played)
    for drop, after in itertools.pairwise([*dropouts, None]):
        silent = int(drop.value or 0)
        end = drop.frame + silent
        assert after is None or after.frame > end  # music between two dropouts: never split
        assert np.allclose(ref[drop.frame : end], 0.0)
        assert abs(ref[drop.frame - 1] - 0.25) < 1e-4 and abs(ref[end] - 0.25) < 1e-4
        before, resumed = log.position_at(drop.frame - 1), log.position_at(end)
        assert before is not None and resumed is not None
        assert (resumed.piece, resumed.offset) == (0, before.offset + 1)  # it held
        assert log.position_at(drop.frame + silent // 2) is None
    assert player.log.pieces_played() == [0, 1]


def test_the_virtual_room_waits_for_a_late_producer_instead_of_a_dropout(
    tmp_path: Path,
) -> None:
    """The virtual room's clock is gim's own: a producer that falls behind (a busy
    machine, a fast room) slows the room down; no dropout, no silence in the music."""
    player, room, played = collect(tmp_path, ahead=0.05, speed=40, first=2.0)
    producer = player._producer
    make_block = producer.make_block
    calls = itertools.count()

    def slow() -> object:
        block = make_block()
        if next(calls) % 10 == 5:
            time.sleep(0.05)  # 2 s of output at speed 40, against a 0.05 s queue
        return block

    producer.make_block = slow  # type: ignore[method-assign]
    run(player, room, 4.0)
    player.close()
    room.close()
    assert player.underruns == 0
    assert not [e for e in player.log if e.action is Action.DROPOUT]
    ref = reference(played)
    start = next(e.frame for e in player.log if e.action is Action.PLAY)
    assert np.allclose(ref[start : start + 2 * RATE], 0.25, atol=1e-4)  # the piece, whole
