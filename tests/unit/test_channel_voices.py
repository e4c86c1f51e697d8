"""Two channels checked against the enrolled guide's voice (issue 20, item 3)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gim.core.session import Segment, Speaker
from gim.passes.channel_voices import check_channel_windows
from gim.passes.voice_clusters import Windows, unit

RNG = np.random.default_rng(5)
PROFILE = unit(RNG.standard_normal(256))


def _voice(similarity: float) -> np.ndarray:
    """A voice ``similarity`` alike to the guide's profile, in a direction of its own."""
    other = RNG.standard_normal(256)
    other = unit(other - (other @ PROFILE) * PROFILE)
    return unit(similarity * PROFILE + np.sqrt(1 - similarity**2) * other)


GUIDE, CLIENT = _voice(0.65), _voice(0.45)


def _channel(who: Speaker, voices: list[np.ndarray], first: float) -> tuple:
    """Lines of 3 windows each on one channel, one voice per line."""
    lines, spans, emb = [], [], []
    for k, v in enumerate(voices):
        t = first + 10.0 * k
        lines.append(Segment(t, t + 2.0, f"{who} {k}", speaker=who))
        spans += [(t, t + 1.0), (t + 0.5, t + 1.5), (t + 1.0, t + 2.0)]
        emb += [v, v, v]
    return lines, Windows(np.array(spans), np.array(emb, np.float32))


def _check(guide_voices: list, client_voices: list) -> list[Segment]:
    g_lines, g_win = _channel(Speaker.GUIDE, guide_voices, 0.0)
    c_lines, c_win = _channel(Speaker.CLIENT, client_voices, 5.0)
    wins = {Speaker.GUIDE: g_win, Speaker.CLIENT: c_win}
    return check_channel_windows(g_lines + c_lines, wins, PROFILE)


def _said(lines: list[Segment]) -> list[tuple[str, str, bool]]:
    return [(s.text, str(s.speaker), "speaker unsure" in s.flag_reason) for s in lines]


def test_channels_that_agree_with_the_voices_keep_their_labels_unflagged() -> None:
    out = _check([GUIDE] * 3, [CLIENT] * 3)
    assert [s[1:] for s in _said(out)] == [("guide", False)] * 3 + [("client", False)] * 3


def test_swapped_channels_are_labelled_by_the_voice_and_flagged() -> None:
    out = _check([CLIENT] * 3, [GUIDE] * 3)  # the guide's voice on the client's channel
    assert [s[1:] for s in _said(out)] == [("client", True)] * 3 + [("guide", True)] * 3


def test_a_disagreement_without_a_match_keeps_the_channels_but_flags_them() -> None:
    near = _voice(0.5)  # nearer the profile than the guide channel's, under VOICE_MATCH
    out = _check([CLIENT] * 3, [near] * 3)
    assert [s[1:] for s in _said(out)] == [("guide", True)] * 3 + [("client", True)] * 3


def test_a_line_in_the_other_channels_voice_is_flagged_alone() -> None:
    out = _check([GUIDE] * 3, [CLIENT, CLIENT, GUIDE, CLIENT, CLIENT])
    flagged = [text for text, _, unsure in _said(out) if unsure]
    assert flagged == ["client 2"]
    assert {str(s.speaker) for s in out if s.text.startswith("client")} == {"client"}


@pytest.mark.slow
def test_a_session_whose_guide_speaks_on_the_clients_channel_is_relabelled_and_flagged(
    shared_data: Path, tmp_path: Path
) -> None:
    """The final pass's path (`runner.voices.by_voice`) on a real two-channel recording: the
    enrolled guide's voice (LJ Speech) on channel 0, set as the client's, the other voice
    (the disfluent set) on channel 1, set as the guide's."""
    from gim.config import Settings
    from gim.core.clock import SessionClock
    from gim.core.session import Consent, Session
    from gim.runner.voices import by_voice, enrol
    from tests.support.roommix import load_audio

    lj = sorted((shared_data / "speech/ljspeech").glob("LJ00[12]-*.wav"))
    enrol(tmp_path, "Ann", lj[:6])
    other = sorted((shared_data / "speech/mfa_disfluent").glob("mfa_*.flac"))[:3]
    said = [(0, load_audio(f)) for f in lj[10:13]] + [(1, load_audio(f)) for f in other]
    total = sum(len(a) for _, a in said) + 16000 * len(said)
    mic, lines, t = np.zeros((total, 2), np.float32), [], 0
    for channel, audio in said:
        mic[t : t + len(audio), channel] = 0.1 * audio / (np.sqrt(np.mean(audio**2)) + 1e-9)
        who = Speaker.CLIENT if channel == 0 else Speaker.GUIDE
        lines.append(Segment(t / 16000, (t + len(audio)) / 16000, f"{who} {t}", speaker=who))
        t += len(audio) + 16000
    sf.write(tmp_path / "mic.flac", mic, 16000)
    session = Session("s", "C1", "demo", "2026-12-07T10:00:00", consent=Consent.MUSIC)
    settings = Settings(home=tmp_path, guide="Ann", client_channel=0, guide_channel=1)
    clock = SessionClock.__new__(SessionClock)  # not read without a reference
    out, how = by_voice(session, settings, tmp_path, clock, lines)
    assert how == "two channels, checked against the enrolled voice of Ann"
    assert [str(s.speaker) for s in out] == ["guide"] * 3 + ["client"] * 3
    assert all("speaker unsure" in s.flag_reason for s in out)
    # set the right way round, the channels stand, unflagged
    settings = Settings(home=tmp_path, guide="Ann", client_channel=1, guide_channel=0)
    swapped = [
        replace(s, speaker=Speaker.GUIDE if s.speaker is Speaker.CLIENT else Speaker.CLIENT)
        for s in lines
    ]
    out, _ = by_voice(session, settings, tmp_path, clock, swapped)
    assert [str(s.speaker) for s in out] == ["guide"] * 3 + ["client"] * 3
    assert not any(s.flagged for s in out)
