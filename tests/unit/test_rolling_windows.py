"""The rolling final pass's windowing rule and its file of finished windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gim.audio.files import read_chunks
from gim.audio.journal import Journal, replay
from gim.audio.writer import ChunkWriter
from gim.config import Settings
from gim.core.session import Segment, Source, Speaker, Word
from gim.passes import rolling, rolling_file
from gim.passes.rolling import finalise, window_span, window_start
from gim.passes.rolling_file import Config, State, load, save_window


def seg(start: float, end: float, text: str = "x") -> Segment:
    return Segment(start, end, text, source=Source.FINAL)


def test_lines_ending_before_the_safe_edge_are_final_the_rest_wait() -> None:
    lines = [seg(2, 5, "a"), seg(10, 14, "b"), seg(78, 83, "c"), seg(85, 89, "d")]
    final, done = finalise(lines, 0.0, 80.0)
    assert [s.text for s in final] == ["a", "b"]
    assert done == 78  # the next window is final from the cut utterance's start


def test_everything_final_when_no_line_crosses_the_edge() -> None:
    final, done = finalise([seg(2, 5), seg(10, 14)], 0.0, 80.0)
    assert len(final) == 2 and done == 80.0


def test_a_later_line_waits_behind_an_unfinished_one() -> None:
    # "c" ends after the edge, "d" (a second channel's line, say) ends before it: it
    # still waits, so the next window starts no later than the earliest unfinished speech
    final, done = finalise([seg(2, 5, "a"), seg(70, 85, "c"), seg(75, 79, "d")], 0.0, 80.0)
    assert [s.text for s in final] == ["a"] and done == 70


def test_a_stretch_of_speech_waits_whole_when_its_last_line_crosses_the_edge() -> None:
    # Whisper split one stretch in three lines; the last is cut by the window's end: the
    # next window transcribes the stretch again, whole, as the whole pass would
    lines = [seg(140, 145, "a"), seg(152.3, 155.4, "b"), seg(156.1, 160.5, "c")]
    final, done = finalise(lines, 80.0, 159.0)
    assert [s.text for s in final] == ["a"] and done == 152.3


def test_the_preroll_tail_of_a_final_line_is_dropped() -> None:
    # the next window starts a second before done=78: a stray line there was final already
    lines = [seg(77.0, 77.6, "tail"), seg(77.9, 83, "c"), seg(90, 95, "e")]
    final, done = finalise(lines, 78.0, 158.0)
    assert [s.text for s in final] == ["c", "e"] and done == 158.0


def test_progress_even_when_one_line_spans_the_window() -> None:
    final, done = finalise([seg(78.0, 170.0, "long")], 78.0, 158.0)
    assert [s.text for s in final] == ["long"] and done == 170.0


def test_progress_by_lines_when_one_stretch_fills_the_window() -> None:
    lines = [seg(78.0 + 10 * i, 87.5 + 10 * i, str(i)) for i in range(9)]  # 78..167.5
    final, done = finalise(lines, 78.0, 158.0)
    assert [s.text for s in final] == [str(i) for i in range(8)] and done == 158.0


def test_the_next_window_starts_a_preroll_before_the_earliest_channel() -> None:
    assert window_start([78.0, 80.0]) == 78.0 - rolling.PREROLL
    assert window_start([0.0]) == 0.0


def test_a_window_waits_for_a_minute_then_takes_what_is_recorded_up_to_its_length() -> None:
    start = 78.0 - rolling.PREROLL
    assert window_span([78.0], start + rolling.MIN_AUDIO - 0.5) is None
    assert window_span([78.0], start + 70.0) == (start, start + 70.0)  # a pass that keeps up
    assert window_span([78.0], 400.0) == (start, start + rolling.WINDOW)  # one behind


def config() -> Config:
    return Config.of(Settings(home=Path("/nonexistent")), 1)


def test_finished_windows_survive_a_torn_line_and_other_settings_do_not_count(
    tmp_path: Path,
) -> None:
    first = [Segment(1.0, 2.0, "one", Speaker.CLIENT, Source.FINAL, words=[Word(1.0, 2.0, "one")])]
    s1 = State([78.0], first, 1)
    save_window(tmp_path, config(), s1, first, (0.0, 90.0))
    second = [seg(80.0, 82.0, "two")]
    save_window(tmp_path, config(), State([158.0], first + second, 2), second, (77.0, 167.0))
    with (tmp_path / rolling_file.FILE).open("ab") as f:
        f.write(b'{"kind": "window", "start": 157.0, "se')  # killed while writing
    state = load(tmp_path, config())
    assert state is not None and state.windows == 2 and state.done == [158.0]
    assert [s.text for s in state.segments] == ["one", "two"]
    assert state.segments[0].words == [Word(1.0, 2.0, "one")]
    assert (tmp_path / rolling_file.FILE).stat().st_mode & 0o777 == 0o600
    other = Config("openai-whisper", "bundled", "en", [(0, "client")])
    assert load(tmp_path, other) is None
    rolling_file.discard(tmp_path)
    assert load(tmp_path, config()) is None


def test_a_span_is_read_from_the_chunk_files_with_silence_in_a_gap(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    writer = ChunkWriter(tmp_path, "mic", 100, 1, journal, chunk_seconds=1.0)
    ramp = np.arange(500, dtype=np.float32)[:, None] / 1000
    writer.write(0, ramp[:300])
    writer.write(400, ramp[400:])  # frames 300..399 were not recorded
    writer.flush()
    journal.close()
    chunks = replay(tmp_path).track("mic")
    out = read_chunks(tmp_path, chunks, 1, 250, 450)
    assert out.shape == (200, 1)
    assert np.allclose(out[:50, 0], ramp[250:300, 0], atol=1e-4)
    assert not out[50:150].any()
    assert np.allclose(out[150:, 0], ramp[400:450, 0], atol=1e-4)
