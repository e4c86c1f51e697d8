"""Holes in the final transcript: speech covered by neither a line nor a marker.

The promise is that nothing the client says is dropped without a trace: every stretch
of speech is a line, or at least a "possible speech" marker the guide can play. This
measures where that fails, on room mixes (`tests.support.roommix`) of hard voices over
real music (strings among it): the mfa_disfluent whispered, creaky, breathy, falsetto,
hesitant and spontaneous speech, a few read lines, and two made-up variants:

- **soft**: four utterances 10 dB below the others;
- **hoarse**: three spontaneous utterances made hoarse here (`hoarse`): breath noise
  following the voice's envelope at -4 dB against it, the voice itself band-limited and
  its pitch jittered by up to ±3 % every 30 ms. A crude stand-in for a voice with a cold,
  not a recording of one.

For each utterance, its speech (the frames of the dry recording within 25 dB of its
loud frames, placed where the mix has it) is checked against the final pass's lines
and markers (0.25 s of slack each side): a hole is a run of speech neither covers.
Reported per ratio: the holes of 1 s or more, the seconds of speech in holes (sum, the
worst utterance beside the average), the lines with Whisper's stock phrases and the
markers. Run: ``python -m bench holes`` (``--quick``: +10 dB only; ``GIM_BENCH_SMRS``
picks ratios, e.g. "10;0").
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_transcription import SHARED, _roommix, seed

SMRS = (10.0, 0.0)
SPONTANEOUS = (
    "speech/mfa_disfluent/mfa_long.flac",
    "speech/mfa_disfluent/mfa_crossword.flac",
    "speech/mfa_disfluent/mfa_cutoff.flac",
    "speech/mfa_disfluent/mfa_um.flac",
)
SOFT = (
    "speech/mfa_disfluent/mfa_long.flac",
    "speech/mfa_disfluent/whisper.flac",
    "speech/mfa_disfluent/mfa_thoughts.flac",
    "speech/mfa_disfluent/mfa_crossword.flac",
)
HOARSE = SPONTANEOUS[:3]
SLACK = 0.25
"""Seconds a line or marker's edges may miss its speech by (word timing, padding)."""
HOLE = 1.0
"""Seconds of uncovered speech that make a hole."""
FRAME = 0.02


def hoarse(audio: np.ndarray, rate: int, seed: int = 0) -> np.ndarray:
    """``audio`` made hoarse: jittered pitch, weaker highs, breath noise on its envelope."""
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    step = int(0.03 * rate)
    jitter = np.repeat(1.0 + rng.uniform(-0.03, 0.03, len(audio) // step + 2), step)
    jitter = uniform_filter1d(jitter, step // 3)[: len(audio)]
    t = np.cumsum(jitter)
    t = t[t < len(audio) - 1]
    voice = np.interp(t, np.arange(len(audio)), audio)
    voice = sosfilt(butter(4, 2500, "low", fs=rate, output="sos"), voice)
    envelope = uniform_filter1d(np.abs(voice), int(0.02 * rate))
    noise = sosfilt(
        butter(2, [700, 6000], "band", fs=rate, output="sos"), rng.standard_normal(len(voice))
    )
    breath = noise * envelope
    breath *= np.sqrt(np.mean(voice**2) / (np.mean(breath**2) + 1e-12)) * 10 ** (-4 / 20)
    return np.asarray(voice + breath, np.float32)


def utterances(quick: bool) -> tuple[list[Any], Path]:
    """The bench's utterances (hard voices, read lines, spontaneous, soft, hoarse)."""
    import soundfile as sf

    roommix = _roommix()
    chosen = roommix.hard_files(SHARED, 8 if quick else None, read=2 if quick else 4)

    def said(name: str) -> str:
        return str(roommix.strip_tags((SHARED / name).with_suffix(".txt").read_text()))

    chosen += [roommix.Utterance(name, said(name)) for name in SPONTANEOUS]
    chosen += [roommix.Utterance(name, said(name), gain_db=-10.0) for name in SOFT]
    folder = Path(tempfile.mkdtemp(prefix="gim-bench-holes-"))
    for k, name in enumerate(HOARSE):
        audio = roommix.load_audio(SHARED / name)
        path = folder / f"hoarse_{Path(name).stem}.flac"
        sf.write(str(path), hoarse(audio, roommix.RATE, k), roommix.RATE)
        chosen.append(roommix.Utterance(str(path), said(name)))
    # Hard, soft and hoarse voices spread through the session, not one kind in a row.
    rng = np.random.default_rng(11)
    order = rng.permutation(len(chosen))
    return [chosen[k] for k in order], folder


def speech_frames(u: Any, rate: int) -> np.ndarray:
    """Mix seconds of the centre of each `FRAME` of ``u`` that holds its speech."""
    n = int(FRAME * rate)
    k = len(u.audio) // n
    x = np.asarray(u.audio[: k * n], np.float64).reshape(k, n)
    db = 10 * np.log10(np.mean(x * x, axis=1) + 1e-12)
    loud = np.percentile(db, 95)
    return u.start + (np.flatnonzero(db > loud - 25.0) + 0.5) * FRAME


def holes(u: Any, spans: list[tuple[float, float]], rate: int) -> list[float]:
    """Seconds of speech in each run of ``u``'s speech no span covers."""
    times = speech_frames(u, rate)
    covered = np.zeros(len(times), bool)
    for a, b in spans:
        covered |= (times >= a - SLACK) & (times <= b + SLACK)
    out, run, last = [], 0.0, None
    for t, c in zip(times, covered, strict=True):
        if c or (last is not None and t - last > 1.0):  # a covered frame or a long pause
            if run:
                out.append(run)
            run = 0.0
        if not c:
            run += FRAME
            last = t
    if run:
        out.append(run)
    return out


def transcribe(mix: Any) -> tuple[list[Any], list[str]]:
    """The final pass's lines and markers for ``mix`` (the client, from 0), and the text
    of the lines it turned into markers as invented (`gim.transcribe.invented`)."""
    import ctranslate2

    from gim.passes import offline
    from gim.passes.prepare import prepare
    from gim.transcribe import invented
    from gim.transcribe.engine import load_engine

    engine = load_engine("faster-whisper", "bundled")
    ctranslate2.set_random_seed(seed())
    turned: list[str] = []

    def counted(segments: list[Any]) -> list[Any]:
        turned.extend(s.text for s in segments if invented.is_invented(s))
        return invented.keep_out_invented(segments)

    offline.keep_out_invented = counted
    try:
        return offline.transcribe_prepared(prepare(mix.mic, mix.reference), engine), turned
    finally:
        offline.keep_out_invented = invented.keep_out_invented


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Build the mixes, run the final pass on each, print the holes; headline figures."""
    from gim.core.checking import is_marker
    from gim.transcribe.filters import known_phrase, words_of
    from gim.transcribe.invented import STOCK_LINES

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    roommix = _roommix()
    chosen, _ = utterances(quick)
    smrs = SMRS[:1] if quick else SMRS
    if os.environ.get("GIM_BENCH_SMRS"):
        smrs = tuple(float(x) for x in os.environ["GIM_BENCH_SMRS"].split(";"))
    figures: list[tuple[str, str]] = []
    for smr in smrs:
        mix = roommix.build_room_mix(SHARED, chosen, smr, seed=5)
        lines, turned = transcribe(mix)
        spans = [(s.start, s.end) for s in lines]
        stock = [
            s
            for s in lines
            if not is_marker(s)
            and (known_phrase(s.text) or " ".join(words_of(s.text)) in STOCK_LINES)
        ]
        markers = sum(1 for s in lines if is_marker(s))
        print(
            f"\n-- {smr:+.0f} dB: {len(chosen)} utterances, {mix.duration:.0f} s, "
            f"{len(lines)} lines ({markers} markers, {len(stock)} stock-phrase lines: "
            f"{[s.text for s in stock]}); {len(turned)} invented lines made markers: {turned}"
        )
        found = []
        for u in mix.utterances:
            h = holes(u, spans, mix.rate)
            found.append(h)
            big = [x for x in h if x >= HOLE]
            name = Path(u.path).stem + (" (soft)" if u.gain_db else "")
            mark = "!" if big else " "
            print(
                f"  {mark} {name[:32]:32} {u.end - u.start:5.1f} s  holes {sum(h):5.2f} s, "
                f"longest {max(h, default=0.0):4.2f} s"
            )
        total = [sum(h) for h in found]
        longest = [max(h, default=0.0) for h in found]
        big = sum(1 for h in found for x in h if x >= HOLE)
        worst = int(np.argmax(longest))
        figures.append(
            (
                f"holes {smr:+.0f} dB",
                f"{big} holes >= {HOLE:.0f} s; speech in holes per utterance "
                f"mean {np.mean(total):.2f} s, worst {max(total):.2f} s; longest hole "
                f"{longest[worst]:.2f} s ({Path(mix.utterances[worst].path).stem}); "
                f"{len(stock)} stock-phrase lines ({len(turned)} invented lines made "
                f"markers), {markers} markers",
            )
        )
    return figures
