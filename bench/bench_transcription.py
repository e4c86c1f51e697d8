"""Transcription under music: gim's pipeline against plain Whisper, per utterance.

Room mixes from ../shared/data: hard voices (whispered, creaky, breathy, falsetto,
hesitant, laughing and cut-off speech from mfa_disfluent, single words from Common Voice)
with a few read LJ Speech lines between them, under real music through a simple room, at
speech-to-music ratios +10, +5, 0 and -5 dB, music-only stretches between utterances.

Reports, side by side: WER and its ratio to the floor, words transcribed in music-only
stretches, and per utterance the words lost against that utterance's own floor (the same
utterance transcribed alone through the room with the same model) and its recall, for
gim's pipeline, gim decoding each candidate stretch alone, gim as it was before the
recall detectors (Silero only), plain
faster-whisper (library defaults, and vad_filter=True), openai-whisper defaults, and the
floors. Then the live pass's latency from the end of an utterance to its line.

Run: ``python -m bench transcription`` (``--quick``: the first 8 voices, gim, gim per stretch,
Silero-only gim, faster-whisper twice and the floors, no live pass). ``GIM_BENCH_SYSTEMS`` picks
systems by name, separated by ";" (the two floors always run). Whisper's temperature
fallback samples: every system is seeded (``GIM_BENCH_SEED``, default gim's own seed), so a
run is repeatable and another seed shows how far sampling alone moves the figures.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SMRS = (10.0, 5.0, 0.0, -5.0)
SYSTEMS = (
    "gim",
    "gim, per stretch",
    "gim, Silero only",
    "gim, Speex canceller",
    "faster-whisper",
    "faster-whisper+vad",
    "openai-whisper",
    "floor, room",
    "floor, dry",
)
"""gim's pipeline (speech candidates decoded in context); gim decoding each candidate
stretch alone (as before the in-context decoding); gim as before the recall detectors
(Silero at 0.5 only, nothing for a stretch Whisper rejects); the same with the live
(causal Speex) canceller instead of the offline room fit; plain Whisper three ways; each
utterance alone without music, through the room (the floor the ratios use: the same
acoustic path as gim's input, minus the music) and dry (the speech file itself)."""
QUICK = (
    "gim",
    "gim, per stretch",
    "gim, Silero only",
    "faster-whisper",
    "faster-whisper+vad",
    "floor, room",
    "floor, dry",
)
Words = list[tuple[float, float, str]]


def _roommix() -> Any:
    sys.path.insert(0, str(ROOT))
    from tests.support import roommix

    return roommix


def run_system(system: str, mixes_path: str, cache: str) -> dict[str, Any]:
    """Transcribe every mix with ``system`` (in a fresh process); text, words, time, memory."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with open(mixes_path, "rb") as f:
        mixes = pickle.load(f)
    out: dict[str, Any] = {"runs": {}}
    floors: dict[int, tuple[list[str], Words]] = {}
    if system == "openai-whisper":
        import whisper

        from gim.transcribe.convert import openai_checkpoint
        from gim.transcribe.models import bundled_model_path

        model = whisper.load_model(str(openai_checkpoint(bundled_model_path(), Path(cache))))
    elif system in ("faster-whisper", "faster-whisper+vad"):
        from faster_whisper import WhisperModel

        from gim.transcribe.models import bundled_model_path

        model = WhisperModel(str(bundled_model_path()), device="cpu", compute_type="int8")
    else:
        from gim.transcribe.engine import load_engine

        model = load_engine("faster-whisper", "bundled")
    import ctranslate2

    # Whisper's temperature fallback samples: seeded (after loading, before the first
    # decode), every system decodes the same way each run; another seed shows the spread.
    ctranslate2.set_random_seed(seed())
    for smr, mix in mixes.items():
        t0 = time.perf_counter()
        words: Words = []
        texts: list[str] = []
        markers: list[tuple[float, float]] = []
        if system == "gim, Silero only":
            for s in _silero_only(_prepared("gim", mix), model):
                texts.append(s.text)
                words += [(w.start, w.end, w.text) for w in s.words]
        elif system.startswith("gim"):
            from gim.core.checking import is_marker
            from gim.passes.offline import transcribe_prepared

            context = system != "gim, per stretch"
            for s in transcribe_prepared(_prepared(system, mix), model, context=context):
                if is_marker(s):
                    markers.append((s.start, s.end))
                    continue
                texts.append(s.text)
                words += [(w.start, w.end, w.text) for w in s.words]
        elif system.startswith("floor"):
            # An utterance alone is the same audio at every ratio (the voice through the
            # room at the dry level): decoded once, so the floor does not move between
            # ratios with the sampler's state.
            for k, u in enumerate(mix.utterances):
                if k not in floors:
                    alone = u.audio if system.endswith("dry") else _alone(mix, u)
                    said = list(model.transcribe(alone, word_timestamps=True))
                    floors[k] = (
                        [s.text for s in said],
                        [(w.start, w.end, w.word) for s in said for w in s.words],
                    )
                texts += floors[k][0]
                words += [(u.start + a, u.start + b, w) for a, b, w in floors[k][1]]
        elif system == "openai-whisper":
            result = model.transcribe(mix.mic, fp16=False, word_timestamps=True)
            for s in result["segments"]:
                texts.append(s["text"])
                words += [(w["start"], w["end"], w["word"]) for w in s.get("words", [])]
        else:
            segments, _ = model.transcribe(
                mix.mic, word_timestamps=True, vad_filter=system.endswith("+vad")
            )
            for s in segments:
                texts.append(s.text)
                words += [(w.start, w.end, w.word) for w in s.words or []]
        elapsed = time.perf_counter() - t0
        out["runs"][smr] = {
            "text": " ".join(texts),
            "words": words,
            "markers": markers,
            "seconds": elapsed,
        }
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def seed() -> int:
    """The sampling seed: ``GIM_BENCH_SEED``, else the one gim's engine uses."""
    from gim.transcribe.engine import SEED

    return int(os.environ.get("GIM_BENCH_SEED", SEED))


def _silero_only(prepared: Any, engine: Any) -> list[Any]:
    """gim's pass before the recall detectors: Silero at 0.5, Whisper's skips kept."""
    from gim.core.session import Segment, Word
    from gim.transcribe.engine import SAMPLE_RATE
    from gim.transcribe.vad import RESIDUAL_SKIP_DB, merge_spans, residual_db, speech_spans

    out = []
    for span in merge_spans(speech_spans(prepared.clean, pad=0.35)):
        if residual_db(prepared.mic, prepared.clean, span) < RESIDUAL_SKIP_DB:
            continue
        base = span.start / SAMPLE_RATE
        for s in engine.transcribe(prepared.clean[span.start : span.end], word_timestamps=True):
            if s.text:
                words = [Word(base + w.start, base + w.end, w.word.strip()) for w in s.words]
                out.append(Segment(base + s.start, base + s.end, s.text, words=words))
    return out


def _prepared(system: str, mix: Any) -> Any:
    """The mix prepared by gim's pipeline, or with Speex in place of the room fit."""
    from gim.audio.echo import LEAD, align_reference, cancel_echo_adaptive
    from gim.passes.prepare import Prepared, measure_delay, prepare
    from gim.transcribe.engine import SAMPLE_RATE

    if system in ("gim", "gim, per stretch"):
        return prepare(mix.mic, mix.reference)
    delay = measure_delay(mix.mic, mix.reference)
    aligned = align_reference(mix.reference, delay.frames - LEAD * SAMPLE_RATE, len(mix.mic))
    return Prepared(mix.mic, cancel_echo_adaptive(mix.mic, aligned, SAMPLE_RATE), delay, aligned)


def _alone(mix: Any, u: Any) -> Any:
    """The utterance through the room without music (with its reverberant tail), at the
    dry utterance's level so the floor does not change with the mix's peak scaling."""
    wet = mix.speech[int(u.start * mix.rate) : int((u.end + 0.25) * mix.rate)]
    return wet * (np.sqrt(np.mean(u.audio**2)) / (np.sqrt(np.mean(wet**2)) + 1e-12))


def score(mix: Any, run: dict[str, Any], normalise: Any) -> dict[str, float]:
    """WER, words in music-only stretches, mean onset error (s), real-time factor."""
    import jiwer

    truth = normalise(" ".join(u.text for u in mix.utterances))
    said = normalise(run["text"])
    wer = float(jiwer.wer(truth, said)) if said else 1.0
    music = mix.music_only()
    in_music = sum(1 for a, b, _ in run["words"] if any(x <= (a + b) / 2 <= y for x, y in music))
    onsets = []
    for u in mix.utterances:
        inside = [a for a, b, _ in run["words"] if u.start - 1.0 <= (a + b) / 2 <= u.end + 0.5]
        if inside:
            onsets.append(abs(min(inside) - u.start))
    return {
        "wer": wer,
        "music_words": in_music,
        "onset": float(np.mean(onsets)) if onsets else float("nan"),
        "rtf": run["seconds"] / mix.duration,
    }


def per_utterance(mix: Any, run: dict[str, Any], normalise: Any) -> list[dict[str, Any]]:
    """For each utterance: reference words, errors, hits, and whether a marker covers it."""
    import jiwer

    rows = []
    for u in mix.utterances:
        truth = normalise(u.text)
        said = normalise(
            " ".join(w for a, b, w in run["words"] if u.start - 0.5 <= (a + b) / 2 <= u.end + 0.5)
        )
        n = len(truth.split())
        if said:
            o = jiwer.process_words(truth, said)
            errors, hits = o.substitutions + o.deletions + o.insertions, o.hits
        else:
            errors, hits = n, 0
        marked = any(a < u.end and b > u.start for a, b in run.get("markers", []))
        rows.append(
            {"name": Path(u.path).stem, "n": n, "errors": errors, "hits": hits, "marked": marked}
        )
    return rows


def music_markers(mix: Any, run: dict[str, Any]) -> int:
    """Marker lines lying wholly inside music-only stretches."""
    return sum(
        1
        for a, b in run.get("markers", [])
        if any(x <= a and b <= y for x, y in mix.music_only(0.0))
    )


def live_latency(mix: Any, rate: int) -> tuple[list[float], int, int]:
    """Feed ``mix`` in real time to the live pass; latencies (s) from utterance end to line."""
    from gim.audio.echo import LEAD, align_reference, streaming_canceller
    from gim.config import Settings
    from gim.passes.live import LiveTranscriber

    arrivals: list[tuple[float, Any]] = []
    live = LiveTranscriber(
        Settings(home=Path(tempfile.mkdtemp())),
        rate,
        lambda s: arrivals.append((time.monotonic(), s)),
        canceller=streaming_canceller,
    )
    reference = align_reference(mix.reference, (mix.delay - LEAD) * rate, len(mix.mic))
    live.start()
    time.sleep(3.0)  # the model loads in the child before the music starts
    block = rate // 10
    start = time.monotonic()
    for i in range(0, len(mix.mic), block):
        wait = start + i / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        live.feed(mix.mic[i : i + block, None], reference[i : i + block], i)
    live.stop(timeout=60)
    latencies = []
    for u in mix.utterances:
        lines = [t for t, s in arrivals if s.start < u.end and s.end > u.start - 0.5]
        if lines:
            latencies.append(max(lines) - (start + u.end))
    words = sum(len(s.text.split()) for _, s in arrivals)
    return latencies, len(arrivals), words


def _ratio(wer: float, floor: float) -> float:
    return wer / floor if floor else float("nan")


class Xruns:
    """Real PulseAudio streams (play + record) running beside the live pass, counting
    under/overruns; inactive when no PulseAudio server answers. They play silence, so a
    shared null sink other tests record from is left undisturbed."""

    def __init__(self, rate: int) -> None:
        """Prepare streams at ``rate``."""
        self.rate = rate
        self.underruns = self.overruns = 0
        self.streams: list[Any] = []

    def __enter__(self) -> Xruns:
        import shutil
        import subprocess

        if (
            not shutil.which("pactl")
            or subprocess.run(["pactl", "info"], capture_output=True, timeout=5).returncode
        ):
            return self
        import sounddevice as sd

        def play(out: Any, _f: int, _t: Any, status: Any) -> None:
            self.underruns += bool(status.output_underflow)
            out.fill(0)

        def record(_in: Any, _f: int, _t: Any, status: Any) -> None:
            self.overruns += bool(status.input_overflow)

        self.streams = [
            sd.OutputStream(self.rate, channels=1, dtype="float32", latency=0.2, callback=play),
            sd.InputStream(self.rate, channels=1, dtype="float32", latency=0.2, callback=record),
        ]
        for stream in self.streams:
            stream.start()
        return self

    def __exit__(self, *_: object) -> None:
        for stream in self.streams:
            stream.stop()
            stream.close()


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Build the mixes, run every system, print the tables; the headline figures."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    roommix = _roommix()
    utterances = roommix.hard_files(SHARED, 8 if quick else None, read=2 if quick else 4)
    mixes = {smr: roommix.build_room_mix(SHARED, utterances, smr, seed=5) for smr in SMRS}
    first = next(iter(mixes.values()))
    print(
        f"\n== Transcription under music: {len(utterances)} utterances (hard voices + "
        f"LJ Speech), {first.duration:.0f} s per mix, tiny.en, sampling seed {seed()} =="
    )
    tmp = Path(tempfile.mkdtemp(prefix="gim-bench-"))
    path = tmp / "mixes.pkl"
    with path.open("wb") as f:
        pickle.dump(mixes, f)
    ctx = mp.get_context("spawn")
    systems = QUICK if quick else SYSTEMS
    if os.environ.get("GIM_BENCH_SYSTEMS"):  # e.g. "gim,faster-whisper,floor, room"
        chosen = os.environ["GIM_BENCH_SYSTEMS"].split(";")
        systems = tuple(x for x in SYSTEMS if x in chosen or x.startswith("floor"))
    results: dict[str, dict[str, Any]] = {}
    for system in systems:
        with ctx.Pool(1) as pool:
            results[system] = pool.apply(run_system, (system, str(path), str(tmp / "models")))
    norm = roommix.normalise
    floors = {
        name: {smr: score(mixes[smr], results[name]["runs"][smr], norm)["wer"] for smr in SMRS}
        for name in ("floor, room", "floor, dry")
    }
    print(
        f"{'system':21} {'SMR':>4} {'WER':>6} {'×floor':>7} {'×dry':>5} {'music words':>12} "
        f"{'lost':>5} {'over':>5} {'recall':>7} {'markers':>8} {'onset s':>8} {'RTF':>6} "
        f"{'peak MB':>8}"
    )
    print(
        "lost: word errors beyond each utterance's own floor (sum; insertions count); "
        "over: utterances beyond it by more than max(3, 15%) words; "
        "markers: 'possible speech' lines (in music-only)"
    )
    figures: list[tuple[str, str]] = []
    per: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for system in systems:
        for smr in SMRS:
            run_ = results[system]["runs"][smr]
            m = score(mixes[smr], run_, norm)
            rows = per_utterance(mixes[smr], run_, norm)
            floor_rows = per_utterance(mixes[smr], results["floor, room"]["runs"][smr], norm)
            per[(system, smr)] = rows
            lost = [r["errors"] - f["errors"] for r, f in zip(rows, floor_rows, strict=True)]
            over = sum(1 for x, r in zip(lost, rows, strict=True) if x > max(3, 0.15 * r["n"]))
            recall = sum(r["hits"] for r in rows) / max(1, sum(r["n"] for r in rows))
            marks = len(run_.get("markers", []))
            in_music = music_markers(mixes[smr], run_)
            room, dry = floors["floor, room"][smr], floors["floor, dry"][smr]
            print(
                f"{system:21} {smr:>+4.0f} {m['wer']:>6.3f} {_ratio(m['wer'], room):>7.2f} "
                f"{_ratio(m['wer'], dry):>5.2f} {m['music_words']:>12d} {sum(lost):>5d} "
                f"{over:>5d} {recall:>7.3f} {f'{marks} ({in_music})':>8} {m['onset']:>8.2f} "
                f"{m['rtf']:>6.3f} {results[system]['peak_mb']:>8.0f}"
            )
            if system in ("gim", "gim, per stretch", "faster-whisper", "faster-whisper+vad"):
                worst = max(range(len(rows)), key=lambda k: lost[k] - max(3, 0.15 * rows[k]["n"]))
                figures.append(
                    (
                        f"{system} {smr:+.0f} dB",
                        f"WER {m['wer']:.3f} "
                        f"({_ratio(m['wer'], room):.2f}x floor {room:.3f}), "
                        f"{m['music_words']} music words, {over} utterances over, "
                        f"worst {rows[worst]['name']} {lost[worst]:+d} errors beyond its floor "
                        f"({rows[worst]['n']} words), recall {recall:.3f}",
                    )
                )
    print(
        "targets: each utterance loses <= max(3, 15%) words beyond its floor; WER at 0 dB <= "
        "1.15x floor, at -5 dB <= 1.25x; 0 music words"
    )
    shown = [
        x
        for x in (
            "gim",
            "gim, per stretch",
            "gim, Silero only",
            "faster-whisper",
            "faster-whisper+vad",
        )
        if x in systems
    ]
    print(
        "\nper utterance: words lost beyond the floor (floor errors/words); "
        "* a 'possible speech' marker covers it; ! over the target"
    )
    for smr in SMRS:
        floor_rows = per_utterance(mixes[smr], results["floor, room"]["runs"][smr], norm)
        print(f"-- {smr:+.0f} dB: " + "  ".join(f"{x:>12}" for x in shown))
        for k, f in enumerate(floor_rows):
            cells = []
            for x in shown:
                r = per[(x, smr)][k]
                lost_k = r["errors"] - f["errors"]
                mark = ("*" if r["marked"] else "") + (
                    "!" if lost_k > max(3, 0.15 * f["n"]) else ""
                )
                cells.append(f"{lost_k:>+4d}{mark:<2} r{r['hits'] / max(1, r['n']):.2f}")
            print(
                f"   {f['name'][:24]:24} ({f['errors']}/{f['n']:>2})  "
                + "  ".join(f"{c:>12}" for c in cells)
            )
    if quick:
        return figures

    rate = 48000
    live_mix = roommix.build_room_mix(SHARED, utterances[:4], 0.0, rate=rate, seed=6)
    with Xruns(rate) as xruns:
        latencies, lines, words = live_latency(live_mix, rate)
    if latencies:
        p50, p95 = np.percentile(latencies, [50, 95])
        print(
            f"live pass at 0 dB, fed in real time at {rate} Hz: {lines} lines, {words} words; "
            f"latency from utterance end to its line p50 {p50:.2f} s, p95 {p95:.2f} s "
            f"(n={len(latencies)}/{len(live_mix.utterances)} utterances)"
        )
        figures.append(("live latency p50/p95", f"{p50:.2f} s / {p95:.2f} s"))
    else:
        print("live pass: no lines arrived")
        figures.append(("live latency", "no lines arrived"))
    if xruns.streams:
        runs = f"{xruns.underruns} underruns, {xruns.overruns} overruns"
        print(f"PulseAudio streams (play + record, 0.2 s latency) beside the live pass: {runs}")
    else:
        runs = "not measured (no PulseAudio server)"
        print(f"audio under/overruns: {runs}")
    figures.append(("audio xruns during live pass", runs))
    return figures


def main() -> None:
    """Run the benchmark in full and print its tables."""
    run()


if __name__ == "__main__":
    main()
