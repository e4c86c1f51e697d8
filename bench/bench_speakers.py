"""Whose words: guide/client labels on one microphone, under real music.

Sessions built from real voices (tests/support/voicemix.py): the guide's induction alone,
then the client's utterances with the guide's interventions (0.5-6 s) between them, each
voice through its own room, real music under both at 0 and -5 dB. Pairs: LJ Speech as
guide with the disfluent set as client, and LibriSpeech readers (from the cache, see
bench_speaker_eer) when present. Each mix goes through gim's offline pass (echo
cancellation, Whisper tiny.en with word timings), then is labelled three ways: with the
guide enrolled from recordings not used in the session, from the induction alone, and
with no profile (two clusters; the guide is the voice of the induction: the anchor), and
with neither, on the lines after the induction (music-only consent: two clusters, the voice
that speaks less is the guide's, the final pass's way for such a session); beside them the
plain anchor: two k-means clusters of the 1 s windows, no test for one voice, the
induction's cluster the guide's. Then the client alone under the music (the guide's turns
silent) with the guide enrolled and with no profile, labelled on the true utterances as
lines (no Whisper: a client alone must stay the client's).

Reported per way, worst mix beside the average: words attributed right, client words
labelled guide, words of interjections (< 1.5 s) right, lines flagged 'speaker unsure';
then WER before and after labelling and the labelling's time against the pass's.
Transcripts are cached in /tmp (keyed by the mix) so a rerun only relabels.

Run: ``python -m bench speakers`` (``--quick``: the LJ/disfluent pair only; the environment's
``GIM_BENCH_PAIRS``, when set, keeps the pairs whose name holds it, e.g. ``libri``;
``GIM_BENCH_SMRS``, the speech-to-music ratios, e.g. ``0``; ``GIM_BENCH_ANSWERS=1``: the
client answers in the induction, as for bench live_voices, and the client's words there
labelled guide are reported apart).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
ANSWERS = os.environ.get("GIM_BENCH_ANSWERS") == "1"
"""The client answers in the induction: 3 of its recordings (by turns 1 s of one and a whole
one, after every 2nd line of the guide's), kept from the music part (`client_turns`)."""


def client_turns(client_files: list[Path]) -> tuple[list[Path], tuple[Path, ...]]:
    """The client's recordings for the music part, and those it answers with in the
    induction (none unless `ANSWERS`)."""
    if not ANSWERS:
        return client_files, ()
    return client_files[:-3], tuple(client_files[-3:])


LIBRI = Path.home() / ".cache" / "gim-bench" / "librispeech"
CACHE = Path("/tmp/gim-bench-speakers")


def pairs(quick: bool) -> list[tuple[str, list[Path], list[Path]]]:
    """(name, guide files, client files)."""
    lj = sorted((SHARED / "speech/ljspeech").glob("*.wav"))
    mfa = [p for p in sorted((SHARED / "speech/mfa_disfluent").glob("mfa_*.flac"))][:24]
    out = [("lj guide / disfluent client", lj[:30], mfa[:14])]
    if quick or not LIBRI.is_dir():
        return out
    speakers = {d.name: sorted(d.glob("*.flac")) for d in sorted(LIBRI.iterdir()) if d.is_dir()}
    for g, c in (("1688", "2414"), ("3005", "533")):
        if g in speakers and c in speakers:
            out.append((f"libri {g} guide / libri {c} client", speakers[g], speakers[c]))
    if "3080" in speakers and "1998" in speakers:
        out.append(("libri 3080 guide / libri 1998 client", speakers["3080"], speakers["1998"]))
    return out


def chosen(quick: bool) -> list[tuple[int, tuple[str, list[Path], list[Path]]]]:
    """The pairs to run, each with its seed (its place among all pairs, so a pair's mix is
    the same whichever are chosen): those whose name holds ``GIM_BENCH_PAIRS`` when set."""
    only = os.environ.get("GIM_BENCH_PAIRS", "")
    return [(n, p) for n, p in enumerate(pairs(quick)) if only in p[0]]


def smrs() -> tuple[float, ...]:
    """The speech-to-music ratios to run: 0 and -5 dB, or ``GIM_BENCH_SMRS`` (e.g. ``0``)."""
    said = os.environ.get("GIM_BENCH_SMRS", "0,-5")
    return tuple(float(x) for x in said.split(",") if x.strip())


def transcribed(name: str, mix: Any) -> tuple[list, np.ndarray, float]:
    """The offline pass's lines, the cleaned audio and the pass's CPU seconds, all threads
    (cached). CPU, not wall time: the machine is shared, and the labelling's time is
    taken the same way beside it."""
    from gim.passes.offline import transcribe_prepared
    from gim.passes.prepare import prepare
    from gim.transcribe.engine import DecodeOptions, load_engine
    from gim.transcribe.hearing import Hearing

    key = hashlib.sha1(mix.mic.tobytes()).hexdigest()[:16]
    path = CACHE / f"{key}.cpu.pickle"  # (the pass's CPU seconds, its model loaded before)
    if path.exists():
        return pickle.loads(path.read_bytes())
    engine = load_engine("faster-whisper", "bundled")
    begun = time.process_time()
    prepared = prepare(mix.mic, mix.reference)
    segments = transcribe_prepared(prepared, engine, Hearing(options=DecodeOptions(language="en")))
    result = (segments, prepared.clean, time.process_time() - begun)
    CACHE.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(result))
    return result


def score(segments: list, mix: Any) -> dict[str, float]:
    """Words right, client words as guide, interjection words right, unsure lines."""
    right = total = client = client_as_guide = inter = inter_right = 0
    answers = answers_as_guide = 0
    for s in segments:
        for w in s.words:
            mid = (w.start + w.end) / 2
            truth = mix.who(mid)
            if truth is None:
                continue
            said = str(s.speaker)
            total += 1
            right += said == truth
            if truth == "client":
                client += 1
                client_as_guide += said == "guide"
                if mid < mix.induction[1]:
                    answers += 1
                    answers_as_guide += said == "guide"
            if any(a - 0.2 <= mid <= b + 0.2 for a, b in mix.interjections):
                inter += 1
                inter_right += said == truth
    unsure = sum("speaker unsure" in s.flag_reason for s in segments)
    return {
        "right": right / max(1, total),
        "client as guide": client_as_guide / max(1, client),
        "client in induction as guide": answers_as_guide / max(1, answers),
        "client words in induction": answers,
        "interjections": inter_right / max(1, inter),
        "unsure lines": unsure / max(1, len(segments)),
        "words": total,
        "interjection words": inter,
    }


def wer_change(before: list, after: list) -> float:
    """WER of the labelled lines' text against the unlabelled lines' (0: no word changed)."""
    import jiwer

    from tests.support.roommix import normalise

    joined = [normalise(" ".join(s.text for s in lines)) for lines in (before, after)]
    return float(jiwer.wer(joined[0], joined[1]))


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Figures per labelling way and SMR: average and worst mix."""
    sys.path.insert(0, str(ROOT))
    from gim.passes.speakers import line_windows
    from gim.transcribe.voice import load_encoder
    from tests.support.roommix import load_audio
    from tests.support.voicemix import build_voice_mix

    encoder = load_encoder()
    results: dict[tuple[str, float], list[dict[str, float]]] = {}
    extra: list[tuple[str, str]] = []
    for n, (name, guide_files, client_files) in chosen(quick):
        enrol, session = guide_files[:3], guide_files[3:]
        profile = encoder.embed(np.concatenate([load_audio(f) for f in enrol]))
        for smr in smrs():
            heard, answers = client_turns(client_files)
            mix = build_voice_mix(session, heard, SHARED, smr, seed=n, answers=answers)
            segments, clean, pass_secs = transcribed(f"{name} {smr}", mix)
            # The lines' windows are embedded from the audio the pass cleaned for them (the
            # rolling pass embeds each window's final lines as it goes: the music is not
            # removed a second time to label them), once for every way below.
            begun = time.process_time()
            win = line_windows(segments, clean, encoder)
            embed_secs = time.process_time() - begun
            for way, labelled, method, secs in _ways(segments, win, mix, profile):
                figures = score(labelled, mix)
                figures["time ratio"] = (secs + embed_secs) / pass_secs
                results.setdefault((way, smr), []).append(figures)
                extra.append((f"{name}, {smr:+.0f} dB, {way}", _line(figures, method)))
                print(f"  ({extra[-1][0]}: {extra[-1][1]})", file=sys.stderr, flush=True)
            extra.append(
                (f"{name}, {smr:+.0f} dB, WER change", f"{wer_change(segments, labelled):.4f}")
            )
            alone = build_voice_mix(session, heard, SHARED, smr, seed=n, guide_speaks=False)
            for way, figures, method in _client_alone(alone, profile):
                results.setdefault((way, smr), []).append(figures)
                extra.append((f"{name}, {smr:+.0f} dB, {way}", _line(figures, method)))
                print(f"  ({extra[-1][0]}: {extra[-1][1]})", file=sys.stderr, flush=True)
    return _summary(results) + extra


def _ways(segments: list, win: Any, mix: Any, profile: np.ndarray) -> list[tuple]:
    """(way, labelled lines, how, seconds) for each way of labelling one mix."""
    from gim.passes.speakers import label_windows

    out = []
    for way, kwargs in (
        ("enrolled", {"profile": profile}),
        ("induction", {"induction": mix.induction}),
        ("no profile", {"induction": mix.induction, "clusters_only": True}),
        ("no profile, no induction", {"music_only": True}),
        ("plain k-means (anchor)", {"plain": True}),
    ):
        begun = time.process_time()
        lines, used = segments, win
        if kwargs.pop("music_only", False):  # consent to the music only: no induction
            lines, used = _music_only(segments, win, mix.induction[1])
        if kwargs.pop("plain", False):
            labelled, method = _plain(lines, used, mix.induction), "plain k-means"
        else:
            labelled, method = label_windows(lines, used, **kwargs)
        out.append((way, labelled, method, time.process_time() - begun))
    return out


def _plain(segments: list, win: Any, induction: tuple[float, float]) -> list:
    """The anchor: two k-means clusters of the 1 s windows (no test for one voice), the
    cluster most of the induction's windows fall in the guide's; words labelled as the
    final pass labels them."""
    from gim.passes.speakers import label_line
    from gim.passes.voice_clusters import two_clusters

    one, two = two_clusters(win.emb)
    centre = win.spans.mean(axis=1)
    in_induction = (centre >= induction[0]) & (centre < induction[1])
    is_one = win.emb @ one > win.emb @ two
    g, c = (one, two) if is_one[in_induction].mean() >= 0.5 else (two, one)
    return [part for s in segments for part in label_line(s, win, g, c)]


def _client_alone(mix: Any, profile: np.ndarray) -> list[tuple[str, dict[str, float], Any]]:
    """The client alone under the music, labelled on the true utterances as lines (words
    0.35 s apart), with the guide enrolled and with no profile."""
    from gim.core.session import Segment, Word
    from gim.passes.prepare import prepare
    from gim.passes.speakers import label_windows, line_windows
    from gim.transcribe.voice import load_encoder

    lines = []
    for a, b, _who in mix.spans:
        words = [
            Word(a + k * 0.35, a + k * 0.35 + 0.3, f"w{k}") for k in range(int((b - a) / 0.35))
        ]
        lines.append(Segment(a, b, " ".join(w.text for w in words), words=words))
    win = line_windows(lines, prepare(mix.mic, mix.reference).clean, load_encoder())
    out = []
    for way, kwargs in (("client alone, enrolled", {"profile": profile}), ("client alone", {})):
        labelled, method = label_windows(lines, win, **kwargs)
        figures = score(labelled, mix)
        figures["time ratio"] = 0.0
        out.append((way, figures, method))
    return out


def _music_only(segments: list, win: Any, end: float) -> tuple[list, Any]:
    """The lines and windows after the induction (what music-only consent records)."""
    from gim.passes.speakers import Windows

    keep = win.spans[:, 0] >= end
    return [s for s in segments if s.start >= end], Windows(win.spans[keep], win.emb[keep])


def _line(f: dict[str, float], method: Any) -> str:
    return (
        f"right {100 * f['right']:.1f}%, client as guide {100 * f['client as guide']:.1f}%, "
        + (
            f"in induction {100 * f['client in induction as guide']:.1f}% "
            f"of {f['client words in induction']:.0f} words, "
            if ANSWERS
            else ""
        )
        + f"interjections {_inter(f)}, unsure {100 * f['unsure lines']:.0f}%, "
        f"{f['words']:.0f} words, time x{f['time ratio']:.2f} ({method})"
    )


def _inter(f: dict[str, float]) -> str:
    return f"{100 * f['interjections']:.0f}%" if f["interjection words"] else "none"


def _summary(results: dict[tuple[str, float], list[dict[str, float]]]) -> list[tuple[str, str]]:
    out = []
    for (way, smr), runs in results.items():
        keys = [("right", min), ("client as guide", max), ("interjections", min)]
        if ANSWERS:
            keys.append(("client in induction as guide", max))
        for key, worst in keys:
            values = [r[key] for r in runs if key != "interjections" or r["interjection words"]]
            if not values:  # the client alone: no interjections
                continue
            out.append(
                (
                    f"{way}, {smr:+.0f} dB, {key}",
                    f"mean {100 * np.mean(values):.1f}%, worst {100 * worst(values):.1f}%",
                )
            )
    return out
