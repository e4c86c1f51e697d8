"""A microphone source that stops delivering mid-session, on a real PulseAudio server.

The test loads its own devices (names unique to it; the shared ``gim`` sink is never
touched): the music plays into ``<tag>_out``, and the microphone is ``<tag>_mic``, a source
remapped from that sink's monitor, which the test can suspend (a monitor cannot be
suspended on its own; a loopback into a second sink would not do either: it adapts its
rate after the suspension, so the lag drifts for a while). Suspending it for 10 s is
what a tester did by hand: gim must tell the guide while it lasts, record a gap of the
true length, keep the microphone track on the session clock, and map every moment after
the gap to the right moment of the music within 20 ms. The gap's length is checked against
a second capture of the sink that is never suspended; each run prints its figures
(``FIGURES``, with ``-s``). The last test drives the real app in tmux at 80x24.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gim.audio.delay import estimate_delay
from gim.config import Settings
from gim.core.clock import SessionClock, mmss
from gim.core.program import Piece, Program, Provenance
from gim.runner import SessionPlan, SessionRunner
from gim.runner.events import GuideWarning, RunnerEvent
from gim.store.db import Store
from tests.support.terminal import GIM_BIN, Terminal, require_tmux

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
) -> dict[int, float]:
    """Seconds (signed) between where ``clock`` puts each microphone moment in the played
    music and where a local correlation finds it (positive: the clock puts it later), by
    microphone frame."""
    margin, window, errors = 4800, RATE, {}
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
            errors[m] = (est.frames + margin) / RATE
    return errors


def figures(errors: Iterable[float]) -> str:
    """Mean and worst of absolute errors, in milliseconds."""
    found = np.abs(list(errors))
    return f"mean {found.mean() * 1000:.2f} ms, max {found.max() * 1000:.2f} ms"


@contextmanager
def witness(source: str, path: Path) -> Iterator[None]:
    """A second capture of ``source`` (parec) that is never suspended: the sink's own
    time, against which the microphone's gap is measured (the music's lag is no measure
    of it: the player's output slips by a sink period now and then on a loaded machine)."""
    with path.open("wb") as out:
        proc = subprocess.Popen(
            [
                "parec",
                f"--device={source}",
                f"--rate={RATE}",
                "--channels=1",
                "--format=float32le",
                "--raw",
                "--latency-msec=500",
            ],
            stdout=out,
        )
        try:
            yield
        finally:
            proc.terminate()
            proc.wait(10)


def coarse_offset(a: np.ndarray, b: np.ndarray, at: int) -> float:
    """Frames of ``a`` minus frames of ``b`` for the same sound, roughly (``b``, the
    capture, started up to 8 s earlier), from ten seconds at ``at``."""
    window = 10 * RATE
    return estimate_delay(a[at : at + window], b[at : at + window], RATE, 2.0, -8.0).frames


def same_sound(a: np.ndarray, b: np.ndarray, at: int, near: float) -> float | None:
    """Frame ``at`` of ``a`` minus the frame of ``b`` with the same sound (found within
    0.1 s of ``near``); None where the music does not tell."""
    start = round(at - near) - 4800
    if at < 0 or start < 0 or start + RATE > len(b) or at + RATE > len(a):
        return None
    est = estimate_delay(a[at : at + RATE], b[start : start + RATE], RATE, 0.2, -0.2)
    return at - start + est.frames if est.confidence >= 8 else None


def steady(a: np.ndarray, b: np.ndarray, frames: Iterable[int], near: float) -> float:
    """The median `same_sound` offset over ``frames``."""
    found = [o for o in (same_sound(a, b, m, near) for m in frames) if o is not None]
    assert len(found) >= 3, "the recordings did not line up"
    return float(np.median(found))


def test_a_suspended_microphone_is_a_gap_of_its_length_and_later_moments_map_right(
    suspendable_mic: str, home: Path, shared_data: Path, tmp_path: Path
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
        SessionPlan("stall", duration=60.0, transcribe=False),
        files=[music],
        on_event=lambda e: events.append((time.monotonic(), e)),
    )
    sink = suspendable_mic.removesuffix("_mic") + "_out"
    with witness(f"{sink}.monitor", tmp_path / "seen.raw"):
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
    seen = np.fromfile(tmp_path / "seen.raw", dtype="<f4")

    # the guide was told while it lasted, and again when it came back
    told = [(t, e.text) for t, e in events if isinstance(e, GuideWarning)]
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
    # (that the track keeps session time through the gap, not ten seconds short, is
    # measured below against the sink itself: the reference is no measure of it, as the
    # player's output lost 3.7 s in underruns in one run on a loaded machine)
    assert np.all(mic[round(start * RATE) + 1 : round(end * RATE) - 1] == 0)

    # The gap's length against the sink's own time: the microphone's frames after it sit
    # where a capture that never stopped has them.
    first = round((start - 12) * RATE)
    near = coarse_offset(mic, seen, first)
    before_gap = range(round((start - 8) * RATE), round((start - 1) * RATE), RATE)
    mic_seen = steady(mic, seen, before_gap, near)
    off = (
        steady(mic, seen, range(round((end + 1) * RATE), round((end + 8) * RATE), RATE), near)
        - mic_seen
    ) / RATE
    # The player's own output against the same capture: on a loaded machine it slips
    # (PulseAudio underruns), moving the music under every later moment, gap or not.
    ref_first = round(first - clock.lag(first / RATE))
    ref_seen = steady(
        ref,
        seen,
        (round(m - clock.lag(m / RATE)) for m in before_gap),
        coarse_offset(ref, seen, ref_first),
    )
    after = range(round((end + 1) * RATE), len(mic) - 2 * RATE, 2 * RATE)
    slips: dict[int, float] = {}
    shifts: dict[int, float] = {}  # the microphone track against the capture, moment by moment
    for m in after:
        heard = m - mic_seen - off * RATE  # the capture's frame of this moment
        found = same_sound(ref, seen, round(heard + ref_seen), ref_seen)
        if found is not None:
            slips[m] = (ref_seen - found) / RATE  # positive: the music sounds later
        held = same_sound(mic, seen, m, mic_seen + off * RATE)
        if held is not None:
            shifts[m] = (held - mic_seen) / RATE - off
    errors = mapping_errors(mic, ref, after, clock)
    # with the lag measured before the gap only, each moment is off by the gap's error
    # plus the output's slip since
    # (the stored points: the journal lacks the points the aligner adds to place a step)
    before = max(p for p in clock.points if p[0] < start * RATE)  # the last lag measured
    alone = mapping_errors(mic, ref, after, SessionClock(clock.log, [before], clock.gaps))
    left = [alone[m] - slips[m] for m in alone if m in slips]
    slipped = max((abs(v) for v in slips.values()), default=0.0)
    print(
        f"\nFIGURES gap {end - start:.4f} s (suspended {resumed - suspended:.3f} s by the "
        f"wall clock), its length off by {off * 1000:+.2f} ms; after the gap "
        f"({len(errors)} moments) through the stored clock: {figures(errors.values())}; "
        f"the player's output slipped by up to {slipped * 1000:.1f} ms; with the lag from "
        f"before the gap only, less that slip: {figures(left)}; mic {len(mic) / RATE:.3f} "
        f"s, reference {len(ref) / RATE:.3f} s; load {os.getloadavg()[0]:.1f}"
    )
    moments = "; ".join(
        f"{m / RATE:.0f} s: {alone[m] * 1000:+.1f} = slip {slips.get(m, np.nan) * 1000:+.1f}"
        f" + mic {shifts.get(m, np.nan) * 1000:+.1f}"
        for m in alone
    )
    print(f"moments after the gap (lag from before it): {moments}")
    lags = ", ".join(f"{f / RATE:.1f} s {lag / RATE * 1000:+.1f} ms" for f, lag in clock.points)
    print(f"stored lag points: {lags}")
    assert abs(off) < 0.005, off
    assert len(left) >= 10
    assert max(abs(e) for e in left) < 0.005, moments
    assert len(errors) >= 10
    if slipped < 0.005:
        # the player kept time: every later moment maps right through the stored clock
        assert max(abs(e) for e in errors.values()) < 0.020, (errors, clock.points)


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
        SessionPlan("moved", duration=30.0, transcribe=False),
        files=[None],
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
            told = [e.text for e in events if isinstance(e, GuideWarning) and "moved" in e.text]
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
    runner = SessionRunner(settings, prog, SessionPlan("alike", duration=75.0), files=[music])
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


def left_pane(screen: str) -> str:
    """The text of the live screen's left pane (transcript and warnings) as one line:
    each row's first box, so a warning wrapped over rows reads as one sentence."""
    rows = [line.split("│") for line in screen.splitlines()]
    return " ".join(" ".join(row[1].split()) for row in rows if len(row) > 2)


@pytest.mark.tui
@pytest.mark.whisper
def test_the_live_screen_tells_the_guide_while_the_microphone_is_stalled(
    suspendable_mic: str, home: Path, shared_data: Path, tmp_path: Path
) -> None:
    """A guide's session in a real terminal (tmux, 80x24): the microphone source is
    suspended for 10 s during the music. While it lasts the screen says so beside the
    music still playing and every key; when it is back it says how much was lost, and
    the gap is in `gim sessions show`."""
    require_tmux()
    env = {
        "GIM_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "TERM": "xterm-256color",
        "PULSE_SINK": suspendable_mic.removesuffix("_mic") + "_out",
        "PULSE_SOURCE": suspendable_mic,
    }
    run_env = {**os.environ, **env}
    music = shared_data / "music" / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg"
    piece = tmp_path / "sugar_plum.wav"
    subprocess.run(
        ["sox", str(music), "-r", str(RATE), str(piece), "trim", "0", "60"], check=True, timeout=60
    )
    made = subprocess.run(
        [GIM_BIN, "programs", "new", "Stall", str(piece), "--slug", "stall"],
        capture_output=True,
        text=True,
        env=run_env,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    term = Terminal(
        f"gim-stall-{os.getpid()}",
        [GIM_BIN, "session", "run", "--program", "stall", "--client", "ST4"],
        env,
        size=(80, 24),
    )
    try:
        term.wait_for("s start music", 120)
        term.wait_for("● recording")
        term.press("s")
        term.wait_for("left · playing", 30)
        while "session 0:0" in term.screen():  # well into the music: 0:10 or later
            time.sleep(0.2)
        _pactl("suspend-source", suspendable_mic, "1")
        suspended = time.monotonic()
        during = term.wait_for("not recording since", 10)  # told while it lasts
        print(f"\nwhile the microphone is suspended:\n{during}")
        told = left_pane(during)
        assert re.search(
            r"The microphone stopped sending sound at \d:\d\d: the music goes on", told
        ), told
        # everything else a guide needs is still on the 80x24 screen
        for shown in ("● music", "left · playing", "mic no signal", "session 0:", "^e end session"):
            assert shown in during, (shown, during)
        time.sleep(max(0.0, 10.0 - (time.monotonic() - suspended)))
        _pactl("suspend-source", suspendable_mic, "0")
        resumed = time.monotonic()
        after = term.wait_for("is back", 15)
        print(f"when it is back:\n{after}")
        back = re.search(
            r"The microphone is back; (\d+\.\d) seconds were not recorded "
            r"\((\d+):(\d\d)–(\d+):(\d\d)\)",
            left_pane(after),
        )
        assert back, after
        lost = float(back[1])
        assert lost == pytest.approx(resumed - suspended, abs=0.15)
        term.wait_for("● recording")  # the status says it records again
        term.end_session()
        term.wait_for("Final pass done", 600)
        term.press("C-q")
    finally:
        term.close()
        subprocess.run(
            ["pactl", "suspend-source", suspendable_mic, "0"], capture_output=True, timeout=10
        )
    listed = subprocess.run(
        [GIM_BIN, "sessions", "list", "--json"],
        capture_output=True,
        text=True,
        env=run_env,
        timeout=60,
    )
    (session,) = json.loads(listed.stdout)
    show = subprocess.run(
        [GIM_BIN, "sessions", "show", session["id"]],
        capture_output=True,
        text=True,
        env=run_env,
        timeout=60,
    )
    print(show.stdout)
    assert "Recording gaps" in show.stdout
    data = json.loads(
        subprocess.run(
            [GIM_BIN, "sessions", "show", session["id"], "--json"],
            capture_output=True,
            text=True,
            env=run_env,
            timeout=60,
        ).stdout
    )
    ((gap),) = data["gaps"]
    # the gap the guide was told of is the one stored
    assert int(gap["start"]) == int(back[2]) * 60 + int(back[3])
    assert int(gap["end"]) == int(back[4]) * 60 + int(back[5])
    assert gap["end"] - gap["start"] == pytest.approx(lost, abs=0.05)
    assert f"{mmss(gap['start'])}  to {mmss(gap['end'])}" in show.stdout
    # nothing was recorded in the gap, so no line is made of it (removing the music from
    # the gap's silence leaves the music, which Whisper turned into "Thank you.")
    inside = [
        (line["start"], line["text"])
        for line in data["segments"]
        if gap["start"] - 0.25 <= line["start"] and line["end"] <= gap["end"] + 0.25
    ]
    assert not inside, inside
