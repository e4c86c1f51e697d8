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
that speaks less is the guide's, the final pass's way for such a session).

Reported per way, worst mix beside the average: words attributed right, client words
labelled guide, words of interjections (< 1.5 s) right, lines flagged 'speaker unsure';
then WER before and after labelling and the labelling's time against the pass's.
Transcripts are cached in /tmp (keyed by the mix) so a rerun only relabels.

Run: ``python -m bench speakers`` (``--quick``: the LJ/disfluent pair only).
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
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


def transcribed(name: str, mix: Any) -> tuple[list, np.ndarray, float]:
    """The offline pass's lines, the cleaned audio and the pass's seconds (cached)."""
    from gim.passes.offline import transcribe_prepared
    from gim.passes.prepare import prepare
    from gim.transcribe.engine import DecodeOptions, load_engine
    from gim.transcribe.hearing import Hearing

    key = hashlib.sha1(mix.mic.tobytes()).hexdigest()[:16]
    path = CACHE / f"{key}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    begun = time.perf_counter()
    prepared = prepare(mix.mic, mix.reference)
    engine = load_engine("faster-whisper", "bundled")
    segments = transcribe_prepared(prepared, engine, Hearing(options=DecodeOptions(language="en")))
    result = (segments, prepared.clean, time.perf_counter() - begun)
    CACHE.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(result))
    return result


def score(segments: list, mix: Any) -> dict[str, float]:
    """Words right, client words as guide, interjection words right, unsure lines."""
    right = total = client = client_as_guide = inter = inter_right = 0
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
            if any(a - 0.2 <= mid <= b + 0.2 for a, b in mix.interjections):
                inter += 1
                inter_right += said == truth
    unsure = sum("speaker unsure" in s.flag_reason for s in segments)
    return {
        "right": right / max(1, total),
        "client as guide": client_as_guide / max(1, client),
        "interjections": inter_right / max(1, inter),
        "unsure lines": unsure / max(1, len(segments)),
        "words": total,
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
    from gim.passes.prepare import prepare
    from gim.passes.speakers import label_windows, line_windows
    from gim.transcribe.voice import load_encoder
    from tests.support.roommix import load_audio
    from tests.support.voicemix import build_voice_mix

    encoder = load_encoder()
    results: dict[tuple[str, float], list[dict[str, float]]] = {}
    extra: list[tuple[str, str]] = []
    for n, (name, guide_files, client_files) in enumerate(pairs(quick)):
        enrol, session = guide_files[:3], guide_files[3:]
        profile = encoder.embed(np.concatenate([load_audio(f) for f in enrol]))
        for smr in (0.0, -5.0):
            mix = build_voice_mix(session, client_files, SHARED, smr, seed=n)
            segments, clean, pass_secs = transcribed(f"{name} {smr}", mix)
            begun = time.perf_counter()
            prepare(mix.mic, mix.reference)  # the final pass removes the music again to label
            prepare_secs = time.perf_counter() - begun
            begun = time.perf_counter()
            win = line_windows(segments, clean, encoder)  # the windows, embedded once
            embed_secs = time.perf_counter() - begun
            for way, kwargs in (
                ("enrolled", {"profile": profile}),
                ("induction", {"induction": mix.induction}),
                ("no profile", {"induction": mix.induction, "clusters_only": True}),
                ("no profile, no induction", {"music_only": True}),
            ):
                begun = time.perf_counter()
                lines, used = segments, win
                if kwargs.pop("music_only", False):  # consent to the music only: no induction
                    lines, used = _music_only(segments, win, mix.induction[1])
                labelled, method = label_windows(lines, used, **kwargs)
                secs = time.perf_counter() - begun + embed_secs
                figures = score(labelled, mix)
                figures["time ratio"] = (secs + prepare_secs) / pass_secs
                results.setdefault((way, smr), []).append(figures)
                extra.append((f"{name}, {smr:+.0f} dB, {way}", _line(figures, method)))
            extra.append(
                (f"{name}, {smr:+.0f} dB, WER change", f"{wer_change(segments, labelled):.4f}")
            )
    return _summary(results) + extra


def _music_only(segments: list, win: Any, end: float) -> tuple[list, Any]:
    """The lines and windows after the induction (what music-only consent records)."""
    from gim.passes.speakers import Windows

    keep = win.spans[:, 0] >= end
    return [s for s in segments if s.start >= end], Windows(win.spans[keep], win.emb[keep])


def _line(f: dict[str, float], method: Any) -> str:
    return (
        f"right {100 * f['right']:.1f}%, client as guide {100 * f['client as guide']:.1f}%, "
        f"interjections {100 * f['interjections']:.0f}%, unsure {100 * f['unsure lines']:.0f}%, "
        f"{f['words']:.0f} words, time x{f['time ratio']:.2f} ({method})"
    )


def _summary(results: dict[tuple[str, float], list[dict[str, float]]]) -> list[tuple[str, str]]:
    out = []
    for (way, smr), runs in results.items():
        for key, worst in (("right", min), ("client as guide", max), ("interjections", min)):
            values = [r[key] for r in runs]
            out.append(
                (
                    f"{way}, {smr:+.0f} dB, {key}",
                    f"mean {100 * np.mean(values):.1f}%, worst {100 * worst(values):.1f}%",
                )
            )
    return out
