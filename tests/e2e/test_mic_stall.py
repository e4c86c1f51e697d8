"""A microphone source that stops delivering mid-session, on a real PulseAudio server.

The test loads its own devices (names unique to it; the shared ``gim`` sink is never
touched): the music plays into ``<tag>_out``, and the microphone is ``<tag>_mic``, a source
remapped from that sink's monitor, which the test can suspend (a monitor cannot be
suspended on its own; a loopback into a second sink would not do either: it adapts its
rate after the suspension, so the lag drifts for a while). Suspending it for 10 s is
what a tester did by hand: gim must tell the guide while it lasts, record a gap of the
true length, keep the microphone track on the session clock, and map every moment after
the gap to the right moment of the music within 20 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gim.audio.delay import estimate_delay
from gim.audio.journal import replay
from gim.config import Settings
from gim.core.clock import SessionClock
from gim.core.program import Piece, Program, Provenance
from gim.runner import SessionRunner
from gim.runner.events import RunnerEvent, Warning
from gim.store.db import Store

pytestmark = [pytest.mark.audio, pytest.mark.slow]
RATE = 48000


def _pactl(*args: str) -> str:
    return subprocess.run(
        ["pactl", *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()


@pytest.fixture
def suspendable_mic(pulse: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This test's speaker and microphone; the microphone source's name."""
    tag = f"gim_stall_{os.getpid()}"
    modules = [_pactl("load-module", "module-null-sink", f"sink_name={tag}_out", f"rate={RATE}")]
    try:
        for mic in ("mic", "mic2"):  # a second microphone for PulseAudio to move us to
            modules.append(
                _pactl(
                    "load-module",
                    "module-remap-source",
                    f"master={tag}_out.monitor",
                    f"source_name={tag}_{mic}",
                )
            )
        monkeypatch.setenv("PULSE_SINK", f"{tag}_out")
        monkeypatch.setenv("PULSE_SOURCE", f"{tag}_mic")
        yield f"{tag}_mic"
    finally:
        for module in reversed(modules):
            subprocess.run(["pactl", "unload-module", module], capture_output=True, timeout=10)


def mono(path: Path) -> np.ndarray:
    return soundfile.read(str(path), dtype="float32", always_2d=True)[0].mean(axis=1)


def mapping_errors(
    mic: np.ndarray, ref: np.ndarray, frames: range, clock: SessionClock
) -> list[float]:
    """Seconds between where ``clock`` puts each microphone moment in the played music
    and where a local correlation finds it."""
    margin, window, errors = 4800, RATE, []
    for m in frames:
        out = round(clock.output_frame(m / RATE))
        if out - margin < 0 or out + window > len(ref):
            continue
        est = estimate_delay(
            mic[m : m + window],
            ref[out - margin : out - margin + window],
            RATE,
            max_delay=0.2,
            min_delay=-0.2,
        )
        if est.confidence >= 8:
            errors.append(abs(est.frames + margin) / RATE)
    return errors


def test_a_suspended_microphone_is_a_gap_of_its_length_and_later_moments_map_right(
    suspendable_mic: str, home: Path, shared_data: Path
) -> None:
    music = shared_data / "music" / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg"
    prog = Program(
        "t", "T", "gim tests", Provenance("tests"), (Piece("Tchaikovsky", "Sugar Plum", 119.9),)
    )
    settings = Settings(home=home)
    events: list[tuple[float, RunnerEvent]] = []
    runner = SessionRunner(
        settings,
        prog,
        "stall",
        duration=60.0,
        files=[music],
        transcribe=False,
        on_event=lambda e: events.append((time.monotonic(), e)),
    )
    session_id = runner.start()
    while runner.elapsed < 20:
        time.sleep(0.05)
    _pactl("suspend-source", suspendable_mic, "1")
    suspended = time.monotonic()
    time.sleep(10.0)
    _pactl("suspend-source", suspendable_mic, "0")
    resumed = time.monotonic()
    runner.wait()
    runner.stop(fade=0.0)

    # the guide was told while it lasted, and again when it came back
    told = [(t, e.text) for t, e in events if isinstance(e, Warning)]
    assert any(suspended < t < resumed and "stopped sending" in text for t, text in told), told
    assert any(t > resumed and "is back" in text for t, text in told), told

    with Store.open(settings.db_path) as store:
        session = store.get_session(session_id)
        clock = store.clock(session_id)  # the one conversion, as every pass uses it
    ((start, end),) = session.gaps
    assert 19.5 < start < 21.5
    assert end - start == pytest.approx(resumed - suspended, abs=0.15)

    folder = settings.sessions_dir / session_id
    mic, ref = mono(folder / "mic.flac"), mono(folder / "reference.flac")
    points = replay(folder).delays
    # as long as the session: the reference, shifted by the lag (the microphone opens
    # before the music starts), not ten seconds short
    lag = float(np.median([p[1] for p in points]))
    assert abs(len(mic) - lag - len(ref)) / RATE < 0.5
    assert np.all(mic[round(start * RATE) + 1 : round(end * RATE) - 1] == 0)

    after = range(round((end + 1) * RATE), len(mic) - 2 * RATE, 2 * RATE)
    errors = mapping_errors(mic, ref, after, clock)
    print(
        f"gap {end - start:.3f} s (suspended {resumed - suspended:.3f} s); mic "
        f"{len(mic) / RATE:.3f} s, reference {len(ref) / RATE:.3f} s; after the gap: "
        f"mean {np.mean(errors) * 1000:.2f} ms, max {max(errors) * 1000:.2f} ms"
    )
    assert len(errors) >= 10
    assert max(errors) < 0.020, (errors, clock.points)
    # the gap's length alone keeps the time: the lag measured before it still holds after
    before = [p for p in points if p[0] < start * RATE]
    assert before
    errors = mapping_errors(mic, ref, after, SessionClock(clock.log, before, clock.gaps))
    print(
        f"with the lag from before the gap only: mean {np.mean(errors) * 1000:.2f} ms, "
        f"max {max(errors) * 1000:.2f} ms"
    )
    assert len(errors) >= 10
    assert max(errors) < 0.020, errors


def our_capture_stream() -> str:
    """The index of this process's capture stream on the server."""
    listing = _pactl("list", "source-outputs")
    for block in listing.split("Source Output #")[1:]:
        if f'application.process.id = "{os.getpid()}"' in block:
            return block.split()[0]
    raise AssertionError("no capture stream of this process")


def test_a_microphone_stream_moved_to_another_source_is_reported(
    suspendable_mic: str, home: Path
) -> None:
    prog = Program("t", "T", "gim tests", Provenance("tests"), (Piece("c", "w", 60.0),))
    events: list[RunnerEvent] = []
    runner = SessionRunner(
        Settings(home=home),
        prog,
        "moved",
        duration=30.0,
        files=[None],
        transcribe=False,
        on_event=events.append,
    )
    runner.start()
    try:
        while runner.elapsed < 4:
            time.sleep(0.05)
        other = suspendable_mic + "2"
        _pactl("move-source-output", our_capture_stream(), other)
        moved = time.monotonic()
        told: list[str] = []
        while not told and time.monotonic() - moved < 10:
            told = [e.text for e in events if isinstance(e, Warning) and "moved" in e.text]
            time.sleep(0.1)
    finally:
        runner.stop(fade=0.0)
    assert told and suspendable_mic in told[0] and other in told[0], told


def say(
    sink: str,
    voice: np.ndarray,
    rate: int,
    at: Sequence[tuple[float, float, float]],
    runner: SessionRunner,
    folder: Path,
) -> None:
    """Play each (clip start, clip end, session second) of ``voice`` into ``sink`` when the
    session reaches that second (paplay: a second client, as a voice in the room)."""
    for n, (start, end, when) in enumerate(at):
        clip = folder / f"utterance{n}.wav"
        soundfile.write(str(clip), voice[int(start * rate) : int(end * rate)], rate)
        while runner.elapsed < when:
            time.sleep(0.02)
        subprocess.Popen(["paplay", f"--device={sink}", str(clip)])


@pytest.mark.whisper
def test_the_live_and_final_passes_link_an_utterance_after_a_gap_alike(
    suspendable_mic: str, home: Path, shared_data: Path, tmp_path: Path
) -> None:
    from gim.runner.final_pass import final_pass

    root = Path(__file__).resolve().parents[2]
    voice, rate = soundfile.read(str(root / "gim/data/demo_voice.flac"), dtype="float32")
    utterances = json.loads((root / "gim/data/demo_voice.json").read_text())["utterances"]
    music = shared_data / "music" / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg"
    prog = Program(
        "t", "T", "gim tests", Provenance("tests"), (Piece("Tchaikovsky", "Sugar Plum", 119.9),)
    )
    settings = Settings(home=home)
    runner = SessionRunner(settings, prog, "alike", duration=75.0, files=[music])
    session_id = runner.start()
    runner.set_volume(0.3)  # the client speaks over quiet music
    room = suspendable_mic.removesuffix("_mic") + "_out"  # a voice in the room
    plan = [
        (u["start"], u["end"], at) for u, at in zip(utterances[:4], (6, 16, 46, 58), strict=True)
    ]
    speaking = threading.Thread(target=say, args=(room, voice, rate, plan[:2], runner, tmp_path))
    speaking.start()
    while runner.elapsed < 28:
        time.sleep(0.05)
    _pactl("suspend-source", suspendable_mic, "1")
    time.sleep(10.0)
    _pactl("suspend-source", suspendable_mic, "0")
    speaking.join()
    say(room, voice, rate, plan[2:], runner, tmp_path)
    runner.wait()
    runner.stop(fade=0.0)
    with Store.open(settings.db_path) as store:
        live = store.segments(session_id)
        final = final_pass(store, session_id, settings)
        ((_, gap_end),) = store.get_session(session_id).gaps
    after = [s for s in live if s.start > gap_end and s.piece is not None]
    assert after, [(s.start, s.text) for s in live]
    compared = []
    for line in live:
        if line.piece is None:
            continue
        # the final line of the same words (VAD may cut the two passes differently); a
        # live line the final pass did not keep (a word guessed in the music) has none
        twin = max(final, key=lambda f: min(f.end, line.end) - max(f.start, line.start))
        if min(twin.end, line.end) <= max(twin.start, line.start):
            continue
        assert twin.piece == line.piece
        assert line.piece_offset is not None and twin.piece_offset is not None
        # the same moment of the recording maps to the same moment of the music
        compared.append(abs((line.piece_offset - line.start) - (twin.piece_offset - twin.start)))
    print(
        f"{len(compared)} utterances ({len(after)} after the gap): live vs final "
        f"offset differ by at most {max(compared) * 1000:.1f} ms"
    )
    assert max(compared) < 0.020, compared
