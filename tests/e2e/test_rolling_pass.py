"""The rolling final pass over a real room mix: the same lines as the whole pass, and what
it finished survives a kill."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from gim.audio.journal import Journal
from gim.audio.writer import ChunkWriter, finish_audio
from gim.config import Settings, ensure_private_dir
from gim.core.playback import Action, PlaybackEvent
from gim.core.session import Segment, Session, Source
from gim.passes import rolling, rolling_child, rolling_file
from gim.runner import voices
from gim.runner.final_pass import PassStopped, final_pass
from gim.runner.recovery import recover
from gim.store.db import Store
from tests.support import passes, roommix

RATE = 48000

pytestmark = [pytest.mark.whisper, pytest.mark.slow]


@dataclass
class Bench:
    settings: Settings
    store: Store
    mix: roommix.RoomMix
    whole: list[Segment]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Bench]:
    """A 3-minute room mix at 0 dB and the whole pass over it (the reference result)."""
    mix = roommix.build_room_mix(
        shared_data, roommix.speech_files(shared_data, 16, seed=15), 0.0, rate=RATE, seed=15
    )
    settings = Settings(home=tmp_path_factory.mktemp("rolling") / "home")
    ensure_private_dir(settings.home)
    store = Store.open(settings.db_path)
    sid, folder = new_session(store, settings, mix)
    write_joined(folder, mix)
    whole = [s for s in final_pass(store, sid, settings) if s.source is Source.FINAL]
    yield Bench(settings, store, mix, whole)
    store.close()


def new_session(store: Store, settings: Settings, mix: roommix.RoomMix) -> tuple[str, Path]:
    session = store.create_session(
        Session(id="", client="AB12", program="demo", started_at="2026-01-05T10:00:00")
    )
    store.add_playback_events(session.id, [PlaybackEvent(0, Action.PLAY, piece=0, offset=0)])
    store.update_session(session.id, delay_frames=mix.delay * RATE)
    return session.id, ensure_private_dir(settings.sessions_dir / session.id)


def write_joined(folder: Path, mix: roommix.RoomMix) -> None:
    import soundfile as sf

    sf.write(str(folder / "mic.flac"), mix.mic, RATE)
    sf.write(str(folder / "reference.flac"), np.stack([mix.reference] * 2, axis=1), RATE)


def write_chunks(folder: Path, mix: roommix.RoomMix) -> None:
    """The recording as the session writes it: 1-second chunk files and a journal."""
    journal = Journal(folder)
    journal.write("session", id=folder.name, rate=RATE, mic_channels=1, out_channels=2)
    mic = ChunkWriter(folder, "mic", RATE, 1, journal)
    ref = ChunkWriter(folder, "reference", RATE, 2, journal)
    stereo = np.stack([mix.reference] * 2, axis=1)
    for i in range(0, len(mix.mic), RATE):
        mic.write(i, mix.mic[i : i + RATE, None])
        ref.write(i, stereo[i : i + RATE])
    mic.flush()
    ref.flush()
    journal.close()


def assert_same_lines(rolled: list[Segment], whole: list[Segment], mix: roommix.RoomMix) -> None:
    """The same utterances found, the same words at the same times, the same WER (within
    tiny.en's noise on a slightly different cleaned signal), no more words in the music."""
    finals = [s for s in rolled if s.source is Source.FINAL]
    assert finals and all(s.words for s in finals)
    c = passes.compare(mix, finals, whole)
    shown = f"{c}\n{_show(finals, whole)}"
    assert c.lines_found >= 0.9, shown
    assert c.words_matched >= 0.8 and c.word_shift <= 0.05, shown
    assert c.wer <= c.whole_wer + 0.04, shown
    assert c.music_words <= c.whole_music_words + 1, shown


def _overlapping(line: Segment, others: list[Segment]) -> Segment:
    return max(others, key=lambda o: min(o.end, line.end) - max(o.start, line.start))


def _show(a: list[Segment], b: list[Segment]) -> str:
    return "\n".join(f"{s.start:7.2f} {s.end:7.2f} {s.speaker} {s.text}" for s in [*a, *b])


def test_rolling_pass_gives_the_whole_pass_lines(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid, folder = new_session(bench.store, bench.settings, bench.mix)
    write_chunks(folder, bench.mix)
    config = rolling_file.Config.of(bench.settings, 1)
    windows: list[tuple[float, float]] = []
    state = rolling_child.follow(
        folder,
        config,
        lambda: rolling_child.load_quiet_engine(config),
        caught_up=True,
        on_window=lambda a, b, _cpu: windows.append((a, b)),
    )
    assert len(windows) >= 2 and windows[1][0] < windows[0][1]  # overlapping windows
    assert state.segments and rolling_file.load(folder, config) is not None
    # the final lines' voices were measured window by window, and kept with the windows
    kept = rolling_file.load(folder, config)
    assert kept is not None and kept.voices is not None and len(kept.voices.spans) > 10
    finish_audio(folder)

    def cleaned_again(*_args: object) -> object:
        raise AssertionError("the end cleaned the recording again for the voices")

    monkeypatch.setattr(voices, "cleaned_around", cleaned_again)
    lines = final_pass(bench.store, sid, bench.settings)

    assert_same_lines(lines, bench.whole, bench.mix)
    # and label the lines as the whole pass does from the whole recording
    same = [s.speaker == _overlapping(s, bench.whole).speaker for s in lines if s.words]
    assert sum(same) >= 0.9 * len(same), _show(lines, bench.whole)
    assert not (folder / rolling_file.FILE).exists()  # the text lives only in the database now


def test_killed_rolling_pass_is_finished_from_its_last_window(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid, folder = new_session(bench.store, bench.settings, bench.mix)
    bench.store.add_segment(sid, Segment(5.0, 6.0, "preview words", source=Source.LIVE))
    write_chunks(folder, bench.mix)
    child = rolling_child.RollingPass(bench.settings, folder, 1)
    child.start()
    assert child.process is not None
    config = rolling_file.Config.of(bench.settings, 1)
    deadline = time.monotonic() + 600
    while rolling_file.load(folder, config) is None and time.monotonic() < deadline:
        assert child.process.poll() is None
        time.sleep(0.5)
    child.process.kill()  # kill -9 mid-way: one window finished, the next under way
    child.process.wait()
    kept = rolling_file.load(folder, config)
    assert kept is not None and kept.windows == 1
    recover(bench.store, sid, folder)  # joins the chunks, as the next gim command would
    with pytest.raises(PassStopped):  # the guide cancels the final pass: nothing is lost
        final_pass(bench.store, sid, bench.settings, stop=lambda: True)
    assert rolling_file.load(folder, config) is not None

    starts: list[float] = []
    real = rolling.transcribe_window

    def spy(*args: object, **kwargs: object) -> object:
        starts.append(args[0].start)  # type: ignore[attr-defined]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rolling, "transcribe_window", spy)
    lines = final_pass(bench.store, sid, bench.settings)

    assert starts and starts[0] >= kept.done[0] - rolling.PREROLL - 0.01 > 0  # not from 0
    assert "preview words" not in [s.text for s in lines]
    texts = {(round(s.start, 2), s.text) for s in lines}
    assert all((round(s.start, 2), s.text) in texts for s in kept.segments)
    assert_same_lines(lines, bench.whole, bench.mix)
