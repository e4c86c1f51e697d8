"""Live lines labelled guide or client by voice as they are written (`LiveVoices`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gim.core.session import Segment, Speaker
from gim.passes.live_voices import LiveVoices
from gim.transcribe.voice import RATE, load_encoder
from tests.support.roommix import load_audio, room_response


def test_live_lines_of_an_enrolled_guide_are_the_guides_and_the_clients_stay_the_clients(
    shared_data: Path,
) -> None:
    from scipy.signal import fftconvolve

    lj = sorted((shared_data / "speech/ljspeech").glob("*.wav"))
    mfa = sorted((shared_data / "speech/mfa_disfluent").glob("mfa_*.flac"))
    encoder = load_encoder()
    voices = LiveVoices(encoder.embed(np.concatenate([load_audio(f) for f in lj[:3]])), encoder)
    rooms = {"guide": room_response(RATE, 0.5, 11), "client": room_response(RATE, 0.25, 12)}
    guide = [("guide", f) for f in lj[10:16]]
    client = [("client", f) for f in mfa[:6]]
    turns = (0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0)  # turns, and runs of one voice
    said = [(guide if t == 0 else client).pop(0) for t in turns]
    wrong = []
    for n, (who, f) in enumerate(said):
        audio = fftconvolve(load_audio(f), rooms[who])[: len(load_audio(f))]
        # as the live stream holds it: a second of lead-in, then the utterance
        buffer = np.concatenate([np.zeros(RATE), audio]).astype(np.float32) * 0.1
        base = 60.0 * n
        line = Segment(base + 1.0, base + 1.0 + len(audio) / RATE, "words")
        (labelled,) = voices.label([line], buffer, base)
        assert labelled.speaker_confidence is not None and labelled.speaker_confidence >= 0.5
        if str(labelled.speaker) != who:
            wrong.append((n, who))
    assert len(wrong) <= 1, wrong
    assert not [w for w in wrong if w[1] == "client"]  # never a client's line as the guide's
    assert voices.counts[True] > 0 and voices.counts[False] > 0  # both voices learned


def test_a_line_too_short_to_embed_keeps_its_label() -> None:
    voices = LiveVoices(np.ones(256, np.float32), load_encoder())
    line = Segment(10.0, 10.2, "Mm", speaker=Speaker.CLIENT)
    assert voices.label([line], np.zeros(RATE, np.float32), 9.5) == [line]


def test_a_live_line_is_the_guides_only_when_no_window_says_the_clients_voice() -> None:
    """A live line is labelled by its windows' mean: one window surely nearer the client,
    or one leaning to the client in a line labelled unsurely, makes it the client's,
    flagged "speaker unsure", never the guide's."""
    from gim.passes.speakers import Windows

    voices = LiveVoices(np.ones(256, np.float32), load_encoder())
    win = Windows(np.array([[10.0, 11.0], [11.0, 12.0], [12.0, 13.0]]), np.zeros((3, 256)))
    guide = Segment(10.0, 13.0, "stay with that, a door", speaker=Speaker.GUIDE)
    guide.speaker_confidence = 0.9
    (mixed,) = voices.judged([guide], win, np.array([0.2, 0.1, -0.06]))
    assert mixed.speaker is Speaker.CLIENT and "speaker unsure" in mixed.flag_reason
    assert mixed.flagged and mixed.speaker_confidence == 0.5
    assert voices.judged([guide], win, np.array([0.2, 0.1, 0.05])) == [guide]
    # a window that is itself unsure (-0.01: within the band a label is unsure in) says
    # nothing surely: the guide's sure line stays the guide's, an unsure one does not
    assert voices.judged([guide], win, np.array([0.2, -0.01, 0.05])) == [guide]
    guide.speaker_confidence = 0.6
    (doubted,) = voices.judged([guide], win, np.array([0.2, -0.01, 0.05]))
    assert doubted.speaker is Speaker.CLIENT and "speaker unsure" in doubted.flag_reason
    assert voices.judged([guide], win, np.array([0.2, 0.01, 0.05])) == [guide]
    client = Segment(10.0, 13.0, "a door", speaker=Speaker.CLIENT, speaker_confidence=0.8)
    assert voices.judged([client], win, np.array([0.2, -0.1, -0.2])) == [client]
    # a window outside the line says nothing about it
    short = Segment(10.0, 10.9, "stay", speaker=Speaker.GUIDE, speaker_confidence=0.9)
    assert voices.judged([short], win, np.array([0.2, -0.1, -0.2])) == [short]


def test_lines_where_the_guide_speaks_alone_are_the_guides_and_teach_the_guides_voice(
    shared_data: Path,
) -> None:
    """In the induction only the guide speaks: its lines are the guide's, even where the
    enrolled profile (here one of another voice) would not say so, and they teach the
    guide's voice, never the client's; after it ends, lines are judged by voice again."""
    lj = sorted((shared_data / "speech/ljspeech").glob("*.wav"))
    mfa = sorted((shared_data / "speech/mfa_disfluent").glob("mfa_*.flac"))
    encoder = load_encoder()
    other = encoder.embed(load_audio(mfa[5]))  # a profile the guide's lines do not match
    voices = LiveVoices(other, encoder)
    voices.guide_alone(100.0, True)
    voices.guide_alone(160.0, False)
    audio = load_audio(lj[12]).astype(np.float32)
    buffer = np.concatenate([np.zeros(RATE, np.float32), audio])
    line = Segment(101.0, 101.0 + len(audio) / RATE, "words", speaker=Speaker.CLIENT)
    (alone,) = voices.label([line], buffer, 100.0)
    assert alone.speaker is Speaker.GUIDE and (alone.speaker_confidence or 0) >= 0.9
    assert voices.counts[True] > 0 and voices.counts[False] == 0
    later = Segment(201.0, 201.0 + len(audio) / RATE, "words", speaker=Speaker.CLIENT)
    (after,) = voices.label([later], buffer, 200.0)
    assert after.speaker is Speaker.CLIENT  # judged against the (other voice's) profile
    voices.guide_alone(300.0, True)  # a second span, open until told otherwise
    again = Segment(1001.0, 1001.0 + len(audio) / RATE, "words", speaker=Speaker.CLIENT)
    assert voices.label([again], buffer, 1000.0)[0].speaker is Speaker.GUIDE


def test_a_client_answering_in_the_induction_is_not_written_as_the_guide(
    shared_data: Path,
) -> None:
    """Clients do answer in the induction ("Yes", "It's a bit cold"): once the induction's
    lines have taught the guide's voice, a line that does not sound like it is the client's,
    flagged "speaker unsure", and teaches nothing; the guide's next line stays the guide's."""
    from scipy.signal import fftconvolve

    lj = sorted((shared_data / "speech/ljspeech").glob("*.wav"))
    mfa = sorted((shared_data / "speech/mfa_disfluent").glob("mfa_*.flac"))
    encoder = load_encoder()
    voices = LiveVoices(encoder.embed(np.concatenate([load_audio(f) for f in lj[:3]])), encoder)
    voices.guide_alone(0.0, True)
    rooms = {"guide": room_response(RATE, 0.5, 11), "client": room_response(RATE, 0.25, 12)}

    def said(who: str, audio: np.ndarray, at: float) -> Segment:
        heard = fftconvolve(audio, rooms[who])[: len(audio)]
        buffer = np.concatenate([np.zeros(RATE), heard]).astype(np.float32) * 0.1
        line = Segment(at + 1.0, at + 1.0 + len(heard) / RATE, "words", speaker=Speaker.CLIENT)
        (labelled,) = voices.label([line], buffer, at)
        return labelled

    guide = [said("guide", load_audio(f), 20.0 * n) for n, f in enumerate(lj[10:16])]
    # an early line, judged against a voice taught by a few windows, may be doubted: the
    # client's then, flagged, never the client's surely
    doubted = [g for g in guide if g.speaker is not Speaker.GUIDE]
    assert len(doubted) <= 2 and all("speaker unsure" in g.flag_reason for g in doubted)
    taught = voices.counts[True]
    answer = load_audio(mfa[0])
    for n, audio in enumerate((answer, answer[: int(1.2 * RATE)])):  # and an interjection
        client = said("client", audio, 100.0 + 20.0 * n)
        assert client.speaker is Speaker.CLIENT, n
        assert "speaker unsure" in client.flag_reason
    assert voices.counts[True] == taught and voices.counts[False] == 0
    assert said("guide", load_audio(lj[16]), 200.0).speaker is Speaker.GUIDE
