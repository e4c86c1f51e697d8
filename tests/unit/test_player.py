"""The player on the virtual room: order, gaps, commands, and the log at exact frames."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import numpy as np
import soundfile

from gim.audio.player import Player
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
    tmp_path: Path, gap: float = 0.0, ahead: float = 0.5, speed: float = 40
) -> tuple[Player, VirtualRoom, dict[int, np.ndarray]]:
    files = [piece(tmp_path / "a.wav", 0.5, 0.25), piece(tmp_path / "b.flac", 0.3, 0.5)]
    room = VirtualRoom(RATE, speed=speed)
    played: dict[int, np.ndarray] = {}
    lock = threading.Lock()

    def on_played(frame: int, block: np.ndarray) -> None:
        with lock:
            played[frame] = block.copy()

    player = Player(room, files, [0.5, 0.3], RATE, gap=gap, ahead=ahead, on_played=on_played)
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
    # the music position follows the log: offset at resume equals frames heard before pause
    pos = log.position_at(resume.frame)
    assert pos is not None and pos.offset == pause.frame
