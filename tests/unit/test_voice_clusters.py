"""One voice or two: judged on pieces of lines, not on 1 s windows; one voice with a profile."""

from __future__ import annotations

import numpy as np

from gim.core.session import Segment, Speaker, Word
from gim.passes.speakers import SAME_VOICE, LabelMethod, label_windows
from gim.passes.voice_clusters import Windows, pieces, split_voices, two_clusters, unit


def _session(voices: list[np.ndarray], spread: float, seed: int = 1) -> tuple:
    """Lines of 6 windows (3.5 s) each, voices taking turns; each window its voice plus a
    variation along 5 directions (what 1 s of a voice under music varies by)."""
    rng = np.random.default_rng(seed)
    dirs = np.linalg.qr(rng.standard_normal((256, 5)))[0].T
    spans, emb, segments, t = [], [], [], 0.0
    for k in range(20):
        v = voices[k % len(voices)]
        for w in range(6):
            spans.append((t + 0.5 * w, t + 0.5 * w + 1.0))
            emb.append(unit(v + spread * rng.standard_normal(5) @ dirs))
        words = [Word(t + 0.5 * w, t + 0.5 * w + 0.4, f"w{w}") for w in range(7)]
        segments.append(Segment(t, t + 3.5, " ".join(w.text for w in words), words=words))
        t += 5.0
    return segments, Windows(np.array(spans), np.array(emb, np.float32))


def _voices(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = unit(rng.standard_normal(256))
    return a, unit(a + 1.2 * unit(rng.standard_normal(256)))


def test_pieces_average_one_lines_windows_up_to_2_5_s_never_across_a_pause() -> None:
    spans = np.array([[0, 1], [0.5, 1.5], [1, 2], [1.5, 2.5], [2, 3], [4, 5], [4.5, 5.2]])
    emb = np.eye(7, 256, dtype=np.float32)
    got, seconds = pieces(Windows(spans, emb))
    assert len(got) == 3
    assert np.allclose(got[0][:4], 0.5)  # the first four windows, averaged
    assert got[1][4] == 1.0 and np.allclose(got[2][5:7], np.sqrt(0.5))
    assert np.allclose(seconds, [2.5, 1.0, 1.2])


def test_one_voice_whose_windows_split_apart_is_one_voice_all_the_clients() -> None:
    a, _ = _voices()
    segments, win = _session([a], spread=0.45)
    one, two = two_clusters(win.emb)
    assert float(one @ two) < SAME_VOICE  # 1 s windows alone: "two voices"
    split = split_voices(win)
    assert split is not None and not split.two_voices
    labelled, method = label_windows(segments, win)
    assert method is LabelMethod.ONE_VOICE
    assert {s.speaker for s in labelled} == {Speaker.CLIENT}


def test_two_voices_without_a_profile_the_one_that_speaks_less_is_the_guides() -> None:
    client, guide = _voices()
    segments, win = _session([client, client, guide], spread=0.45)
    split = split_voices(win)
    assert split is not None and split.two_voices
    labelled, method = label_windows(segments, win)
    assert method is LabelMethod.CLUSTERS
    said = [str(s.speaker) for s in labelled]
    assert said == ["client", "client", "guide"] * 6 + ["client", "client"]


def _alike(profile: np.ndarray, similarity: float, other: np.ndarray) -> np.ndarray:
    """A unit vector whose similarity to ``profile`` is ``similarity`` (``other`` is
    orthogonal to it)."""
    return unit(similarity * profile + np.sqrt(1 - similarity**2) * other)


def _one_voice_lines(profile: np.ndarray, sims: list[float]) -> tuple:
    rng = np.random.default_rng(3)
    other = rng.standard_normal(256)
    other = unit(other - (other @ profile) * profile)
    spans, emb, segments = [], [], []
    for k, sim in enumerate(sims):
        t = 5.0 * k
        for w in range(4):
            spans.append((t + 0.5 * w, t + 0.5 * w + 1.0))
            emb.append(_alike(profile, sim, other))
        segments.append(Segment(t, t + 2.5, f"line {k}", words=[Word(t, t + 2.5, f"w{k}")]))
    return segments, Windows(np.array(spans), np.array(emb, np.float32))


def test_one_voice_with_a_profile_is_one_speaker_a_line_that_disagrees_is_flagged() -> None:
    profile = unit(np.random.default_rng(2).standard_normal(256))
    # the client alone; one line matches the guide's profile by more than VOICE_MATCH
    segments, win = _one_voice_lines(profile, [0.47, 0.45, 0.6, 0.46, 0.48])
    labelled, method = label_windows(segments, win, profile=profile)
    assert method is LabelMethod.ONE_VOICE
    assert [str(s.speaker) for s in labelled] == ["client"] * 5
    assert ["speaker unsure" in s.flag_reason for s in labelled] == [0, 0, 1, 0, 0]
    # the guide alone: every line the guide's, surely
    segments, win = _one_voice_lines(profile, [0.65, 0.62, 0.6, 0.66])
    labelled, _ = label_windows(segments, win, profile=profile)
    assert [str(s.speaker) for s in labelled] == ["guide"] * 4
    assert not any(s.flagged for s in labelled)
