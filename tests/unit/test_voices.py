"""The speaker model (numpy GE2E from Resemblyzer's weights) and the guide/client labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gim.core.session import Segment, Speaker, Word
from gim.passes.speakers import LabelMethod, _labelled, label_speakers, voice_path
from gim.transcribe.voice import RATE, load_encoder, mel_frames
from gim.transcribe.voice_weights import load_state, weights_path
from tests.support.roommix import load_audio


def _voice(shared: Path, folder: str, pattern: str, count: int) -> list[np.ndarray]:
    return [load_audio(f) for f in sorted((shared / "speech" / folder).glob(pattern))[:count]]


def test_weights_read_without_torch_match_the_checkpoint() -> None:
    state = load_state(weights_path())
    assert state["lstm.weight_ih_l0"].shape == (1024, 40)
    assert state["linear.weight"].shape == (256, 256)
    torch = pytest.importorskip("torch")
    saved = torch.load(weights_path(), map_location="cpu", weights_only=False)["model_state"]
    for name, tensor in saved.items():
        assert np.array_equal(tensor.numpy(), state[name]), name


def test_numpy_forward_matches_torch_lstm() -> None:
    torch = pytest.importorskip("torch")
    state = torch.load(weights_path(), map_location="cpu", weights_only=False)["model_state"]
    lstm, lin = torch.nn.LSTM(40, 256, 3, batch_first=True), torch.nn.Linear(256, 256)
    lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
    lin.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
    mels = np.abs(np.random.default_rng(0).standard_normal((3, 50, 40))).astype(np.float32)
    with torch.no_grad():
        _, (h, _) = lstm(torch.from_numpy(mels))
        e = torch.relu(lin(h[-1]))
        expected = (e / e.norm(dim=1, keepdim=True)).numpy()
    assert np.allclose(load_encoder().forward(mels), expected, atol=1e-5)


def test_mel_frames_are_level_independent_and_10_ms_apart() -> None:
    tone = np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE).astype(np.float32)
    loud, quiet = mel_frames(tone), mel_frames(0.01 * tone)
    assert loud.shape == (101, 40)
    assert np.allclose(loud, quiet, rtol=1e-3)
    assert int(np.argmax(loud[50])) == 5  # 440 Hz: 6.6 on the Slaney scale, bands 1.1 apart


def test_same_voice_is_closer_than_another_voice(shared_data: Path) -> None:
    encoder = load_encoder()
    lj = [encoder.embed(a) for a in _voice(shared_data, "ljspeech", "*.wav", 3)]
    other = [encoder.embed(a) for a in _voice(shared_data, "mfa_disfluent", "mfa_a*.flac", 2)]
    same = min(float(lj[0] @ lj[1]), float(lj[0] @ lj[2]))
    different = max(float(lj[0] @ o) for o in other)
    assert same > different + 0.1


def _two_voice_line(shared: Path) -> tuple[np.ndarray, list[Segment], list[tuple]]:
    """The guide's induction, then a line where the client speaks and the guide answers."""
    guide = _voice(shared, "ljspeech", "*.wav", 8)
    client = _voice(shared, "mfa_disfluent", "mfa_*.flac", 6)
    parts = [guide[0], guide[1], guide[2], client[0], client[1], guide[3][: 2 * RATE], client[2]]
    who = ["g", "g", "g", "c", "c", "g", "c"]
    audio, truth, segments, t = [], [], [], 0.0
    for a, w in zip(parts, who, strict=True):
        audio += [a / (np.sqrt(np.mean(a**2)) + 1e-9) * 0.1, np.zeros(RATE // 10, np.float32)]
        truth.append((t, t + len(a) / RATE, w))
        t += len(a) / RATE + 0.1
    words = [
        Word(a + k * 0.4, a + k * 0.4 + 0.3, f" w{n}{k}")
        for n, (a, b, _) in enumerate(truth)
        for k in range(int((b - a) / 0.4))
    ]
    # one line for the induction, one for all the rest (the voice changes inside it)
    cut = truth[3][0]
    first = [w for w in words if w.start < cut]
    rest = [w for w in words if w.start >= cut]
    for ws in (first, rest):
        segments.append(Segment(ws[0].start, ws[-1].end, "".join(w.text for w in ws), words=ws))
    return np.concatenate(audio), segments, truth


@pytest.mark.slow
def test_labels_follow_the_voice_and_split_the_line(shared_data: Path) -> None:
    audio, segments, truth = _two_voice_line(shared_data)
    induction = (0.0, truth[2][1])
    labelled, method = label_speakers(segments, audio, load_encoder(), induction=induction)
    assert method is LabelMethod.INDUCTION
    assert len(labelled) >= 4  # guide, client, guide, client
    right = total = 0
    for s in labelled:
        for w in s.words:
            mid = (w.start + w.end) / 2
            expected = next(x for a, b, x in truth if a <= mid <= b + 0.1)
            total += 1
            right += (s.speaker is Speaker.GUIDE) == (expected == "g")
        assert s.text.strip() == "".join(w.text for w in s.words).strip()
        assert s.speaker_confidence is not None and 0.5 <= s.speaker_confidence <= 1
    assert right / total >= 0.9
    assert [w.text for s in labelled for w in s.words] == [
        w.text for s in segments for w in s.words
    ]


@pytest.mark.slow
def test_enrolled_profile_names_the_guide(shared_data: Path) -> None:
    audio, segments, _truth = _two_voice_line(shared_data)
    encoder = load_encoder()
    profile = encoder.embed(np.concatenate(_voice(shared_data, "ljspeech", "LJ002*.wav", 3)))
    labelled, method = label_speakers(segments, audio, encoder, profile=profile)
    assert method is LabelMethod.ENROLLED
    assert labelled[0].speaker is Speaker.GUIDE
    assert any(s.speaker is Speaker.CLIENT for s in labelled)


@pytest.mark.slow
def test_one_voice_is_all_client(shared_data: Path) -> None:
    client = _voice(shared_data, "ljspeech", "LJ001-001*.wav", 4)
    audio, segments, t = [], [], 0.0
    for a in client:
        audio.append(a)
        segments.append(Segment(t, t + len(a) / RATE, "x"))
        t += len(a) / RATE
    labelled, method = label_speakers(segments, np.concatenate(audio), load_encoder())
    assert method is LabelMethod.ONE_VOICE
    assert all(s.speaker is Speaker.CLIENT for s in labelled)


def test_a_small_margin_is_flagged_speaker_unsure_not_guessed_silently() -> None:
    line = Segment(0, 1, "mm-hm", flagged=True, flag_reason="low confidence")
    unsure = _labelled(line, is_guide=False, margin=0.01)
    assert unsure.flagged and unsure.flag_reason == "low confidence; speaker unsure"
    sure = _labelled(Segment(0, 1, "yes"), is_guide=True, margin=0.3)
    assert sure.speaker is Speaker.GUIDE and not sure.flagged and sure.speaker_confidence > 0.95


def test_voice_path_switches_on_strong_evidence_and_keeps_runs() -> None:
    margins = np.array([-0.2, -0.2, 0.01, -0.2, 0.3, 0.3, 0.3])
    gaps = np.zeros(6)
    assert voice_path(margins, gaps).tolist() == [False] * 4 + [True] * 3


@pytest.mark.slow
def test_the_guide_alone_with_a_profile_is_all_guide(shared_data: Path) -> None:
    guide = _voice(shared_data, "ljspeech", "LJ001-001*.wav", 4)
    audio, segments, t = [], [], 0.0
    for a in guide:
        audio.append(a)
        segments.append(Segment(t, t + len(a) / RATE, "x"))
        t += len(a) / RATE
    encoder = load_encoder()
    profile = encoder.embed(np.concatenate(_voice(shared_data, "ljspeech", "LJ002*.wav", 3)))
    labelled, method = label_speakers(segments, np.concatenate(audio), encoder, profile=profile)
    assert method is LabelMethod.ONE_VOICE
    assert all(s.speaker is Speaker.GUIDE for s in labelled)


def test_a_line_whose_words_do_not_give_its_text_is_never_split() -> None:
    from gim.passes.speakers import Windows, label_line

    words = [Word(0.0, 0.4, " stay"), Word(0.5, 0.9, " with"), Word(1.0, 1.4, " it")]
    line = Segment(0.0, 1.4, "Stay with it, mm-hm", words=words)
    win = Windows(np.array([[0.0, 0.5], [0.4, 0.95], [0.9, 1.4]]), np.eye(3, 256, dtype=np.float32))
    g, c = np.eye(1, 256, 0, dtype=np.float32)[0], np.eye(1, 256, 2, dtype=np.float32)[0]
    out = label_line(line, win, g, c)
    assert len(out) == 1 and out[0].text == "Stay with it, mm-hm"


@pytest.mark.slow
def test_without_a_profile_or_induction_the_voice_that_speaks_less_is_the_guide(
    shared_data: Path,
) -> None:
    from gim.core.session import LabelsMade
    from gim.passes.voices import VoiceSource, label_lines

    guide = _voice(shared_data, "ljspeech", "*.wav", 2)
    client = _voice(shared_data, "mfa_disfluent", "mfa_*.flac", 5)
    parts = [client[0], guide[0][: 3 * RATE], client[1], client[2], guide[1][: 3 * RATE]]
    parts += client[3:]
    audio, segments, t = [], [], 0.0
    for a in parts:
        audio += [a / (np.sqrt(np.mean(a**2)) + 1e-9) * 0.1, np.zeros(RATE // 2, np.float32)]
        segments.append(Segment(t, t + len(a) / RATE, "x"))
        t += len(a) / RATE + 0.5
    labelled, method = label_lines(segments, np.concatenate(audio), VoiceSource(None, None))
    assert method is LabelsMade.CLUSTERS
    assert [str(s.speaker) for s in labelled] == [
        "client",
        "guide",
        "client",
        "client",
        "guide",
    ] + ["client"] * (len(parts) - 5)


def test_a_line_is_split_at_the_word_where_the_voice_changes() -> None:
    """Issue 20: the final pass splits a line at the word where the voice changes, when the
    words' labels change with confidence; each half keeps its own words and times."""
    from gim.passes.speakers import Windows, label_line

    said = ["What", "are", "you", "noticing?", "A", "door", "opening"]
    words = [Word(0.5 * i, 0.5 * i + 0.4, " " + w) for i, w in enumerate(said)]
    line = Segment(0.0, 3.4, " ".join(said), words=words)
    g, c = np.eye(1, 256, 0, dtype=np.float32)[0], np.eye(1, 256, 2, dtype=np.float32)[0]
    spans = np.array([[0.5 * i, 0.5 * i + 0.4] for i in range(7)])
    win = Windows(spans, np.array([g, g, g, g, c, c, c]))
    out = label_line(line, win, g, c)
    assert [(s.text, str(s.speaker)) for s in out] == [
        ("What are you noticing?", "guide"),
        ("A door opening", "client"),
    ]
    assert (out[0].end, out[1].start) == (words[3].end, words[4].start)
    # one word's doubt in the middle of the client's words splits nothing
    win = Windows(spans, np.array([c, c, c, (g + c) / np.sqrt(2), c, c, c]))
    assert len(label_line(line, win, g, c)) == 1


def test_a_line_without_word_times_is_labelled_by_all_its_windows_not_its_middle() -> None:
    """A live line has no word times: its label is its windows' mean margin (here the two
    windows at its middle lean to the client, the two others surely to the guide)."""
    from gim.passes.speakers import Windows, label_line

    g, c = np.eye(256, dtype=np.float32)[:2]
    spans = np.array([[10.0, 11.0], [11.0, 12.0], [12.0, 13.0], [13.0, 14.0], [20.0, 21.0]])
    lean = [0.5, -0.05, -0.05, 0.5, -0.9]  # the last window is another line's
    emb = np.array([(0.5 + m / 2) * g + (0.5 - m / 2) * c for m in lean], np.float32)
    (line,) = label_line(Segment(10.0, 14.0, "stay with that"), Windows(spans, emb), g, c)
    assert line.speaker is Speaker.GUIDE
    assert line.speaker_confidence == pytest.approx(
        1 / (1 + np.exp(-(0.225 - 0.04) / 0.06)), abs=1e-3
    )
