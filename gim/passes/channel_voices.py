"""Two channels checked against the voices: the guide's channel should hold the guide's voice.

With one microphone per speaker each line's speaker is its channel's (settings'
``guide_channel`` and ``client_channel``). When the guide is enrolled, the channels are
checked against the voices: the channel whose voice is the nearer to the guide's profile is
the guide's. If that is the client's channel (the cables swapped, the settings wrong) and its
voice matches the profile, the two channels' labels are swapped; any disagreement between
channel and voice flags the lines "speaker unsure". A line whose own windows sound like the
other channel's voice (the other speaker heard through this microphone) is flagged too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gim.core.session import Segment, Speaker
from gim.passes.speakers import GUIDE_BIAS, VOICE_MATCH, line_windows
from gim.passes.voice_clusters import Windows, unit

UNSURE = "speaker unsure"


def check_channels(
    segments: list[Segment], cleans: dict[Speaker, np.ndarray], profile: np.ndarray
) -> list[Segment]:
    """``segments`` (each labelled by its channel) checked against the voices; ``cleans``:
    each speaker's channel at 16 kHz with the music removed, in the lines' seconds."""
    from gim.transcribe.voice import load_encoder

    encoder = load_encoder()
    wins = {
        who: line_windows([s for s in segments if s.speaker is who], clean, encoder)
        for who, clean in cleans.items()
    }
    return check_channel_windows(segments, wins, profile)


def check_channel_windows(
    segments: list[Segment], wins: dict[Speaker, Windows], profile: np.ndarray
) -> list[Segment]:
    """`check_channels` on each channel's lines' windows, already embedded."""
    heard = {who: w for who, w in wins.items() if len(w.emb)}
    if not heard:
        return segments
    sim = {who: float((w.emb @ profile).mean()) for who, w in heard.items()}
    if len(heard) == 1:
        ((who, match),) = sim.items()
        agree, swap = (who is Speaker.GUIDE) == (match >= VOICE_MATCH), False
    else:
        agree = sim[Speaker.GUIDE] > sim[Speaker.CLIENT]
        swap = not agree and sim[Speaker.CLIENT] >= VOICE_MATCH
    voices = {who: unit(w.emb.mean(0)) for who, w in heard.items()}
    out = []
    for s in segments:
        doubted = not agree or _sounds_like_the_other(s, heard, voices)
        if swap and s.speaker in (Speaker.GUIDE, Speaker.CLIENT):
            other = Speaker.CLIENT if s.speaker is Speaker.GUIDE else Speaker.GUIDE
            s = replace(s, speaker=other)
        out.append(_flagged(s) if doubted else s)
    return out


def _sounds_like_the_other(
    line: Segment, heard: dict[Speaker, Windows], voices: dict[Speaker, np.ndarray]
) -> bool:
    """Whether ``line``'s windows are nearer the other channel's voice than its own."""
    own = heard.get(line.speaker)
    if own is None or len(voices) < 2:
        return False
    other = voices[Speaker.CLIENT if line.speaker is Speaker.GUIDE else Speaker.GUIDE]
    inside = (own.spans[:, 1] > line.start) & (own.spans[:, 0] < line.end)
    if not inside.any():
        return False
    margin = own.emb[inside] @ voices[line.speaker] - own.emb[inside] @ other
    return float(margin.mean()) < -GUIDE_BIAS


def _flagged(line: Segment) -> Segment:
    if UNSURE in line.flag_reason:
        return line
    reason = f"{line.flag_reason}; {UNSURE}" if line.flag_reason else UNSURE
    return replace(line, flagged=True, flag_reason=reason)
