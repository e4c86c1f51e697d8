"""Whose words, live: the live pass's lines labelled guide/client as they are written.

The sessions of bench_speakers (real voices, each through its own room, real music at 0
and -5 dB; the guide enrolled from recordings not used in the session) go through the live
pass's own path: `UtteranceStream` with the streaming echo canceller and Whisper tiny.en,
blocks of 64 ms handed over as they would be recorded (all at once: no skipping ahead),
each line labelled by `gim.passes.live_voices.LiveVoices` as it is written, the induction
told to it as the runner tells it (`LiveVoices.guide_alone`).

Reported, worst mix beside the average: seconds of speech in lines labelled right (a live
line has no word timings: the whole line counts for its speaker), client seconds labelled
guide, interjection lines (< 1.5 s) right, lines flagged 'speaker unsure'; and the cost of
labelling a line (milliseconds, mean and worst) beside Whisper's for the same line: the
label is sent with the line, so this is all it adds to the line's delay.

Each line is scored twice from one run: as labelled before a line was the guide's only when
none of its windows says the client's voice (`LiveVoices.judged`), and after.

Run: ``python -m bench live_voices`` (``--quick``: the LJ/disfluent pair only;
``GIM_BENCH_PAIRS=libri`` keeps the LibriSpeech pairs and ``GIM_BENCH_SMRS=0`` the 0 dB
mixes, as for bench speakers; ``GIM_BENCH_ANSWERS=1``: the client answers in the induction,
and its seconds there labelled guide are reported apart).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BEFORE: dict[tuple[float, float], Any] = {}
"""Each line as labelled before `LiveVoices.judged` (by its span)."""
MARGINS: dict[tuple[float, float], list[float]] = {}
"""Each line's windows' margins (guide minus client, past the guide's margin)."""


def live_lines(mix: Any, profile: np.ndarray) -> tuple[list, list[float], list[float]]:
    """The live pass's labelled lines of ``mix``, the labelling's seconds and Whisper's per
    check that wrote lines."""
    from gim.audio.echo import streaming_canceller
    from gim.core.session import Speaker
    from gim.passes.live import LiveConfig
    from gim.passes.live_stream import UtteranceStream
    from gim.passes.live_voices import LiveVoices
    from gim.transcribe.engine import load_engine
    from gim.transcribe.voice import load_encoder

    config = LiveConfig(16000, "faster-whisper", "bundled", "en", ((0, "client"),), "")
    engine = load_engine("faster-whisper", "bundled")
    stream = UtteranceStream(config, 0, Speaker.CLIENT, engine, streaming_canceller(16000))
    voices = LiveVoices(profile, load_encoder())
    # the runner says where only the guide speaks (the induction, whole-session consent);
    # the lines are labelled by their times, so telling both ends first is the same
    voices.guide_alone(mix.induction[0], True)
    voices.guide_alone(mix.induction[1], False)
    label_secs: list[float] = []

    def timed(lines: list, clean: np.ndarray, base: float) -> list:
        begun = time.perf_counter()
        out = LiveVoices.label(voices, lines, clean, base)
        if lines:
            label_secs.append((time.perf_counter() - begun) / len(lines))
        return out

    def judged(labelled: list, win: Any, margins: np.ndarray) -> list:
        out = LiveVoices.judged(voices, labelled, win, margins)
        for was, now in zip(labelled, out, strict=True):
            BEFORE[(now.start, now.end)] = was
            inside = (win.spans[:, 1] > was.start) & (win.spans[:, 0] < was.end)
            MARGINS[(now.start, now.end)] = margins[inside].round(3).tolist()
        return out

    voices.label = timed  # type: ignore[method-assign]
    voices.judged = judged  # type: ignore[method-assign]
    stream.voices = voices
    lines, check_secs, block = [], [], 1024
    for first in range(0, len(mix.mic), block):
        begun = time.perf_counter()
        got = stream.feed(
            first, mix.mic[first : first + block, None], mix.reference[first : first + block]
        )
        if got:
            check_secs.append((time.perf_counter() - begun) / len(got))
        lines += got
    lines += stream.finish()
    return lines, label_secs, check_secs


def truth(line: Any, mix: Any) -> str | None:
    """Whose speech most of ``line`` is (None: nobody's)."""
    said = _said(line, mix)
    best = max(said, key=lambda k: said[k])
    return best if said[best] > 0 else None


def score(lines: list, mix: Any) -> dict[str, float]:
    """Seconds right, client seconds as guide, interjection lines right, unsure lines."""
    right = total = client = client_as_guide = inter = inter_right = 0.0
    answers = answers_as_guide = 0.0
    for s in lines:
        who, secs = truth(s, mix), s.end - s.start
        if who is None:
            continue
        said = str(s.speaker)
        total += secs
        right += secs * (said == who)
        if who == "client":
            client += secs
            client_as_guide += secs * (said == "guide")
            if (s.start + s.end) / 2 < mix.induction[1]:
                answers += secs
                answers_as_guide += secs * (said == "guide")
        if any(abs((a + b) / 2 - (s.start + s.end) / 2) < 1.0 for a, b in mix.interjections):
            inter += 1
            inter_right += said == who
    return {
        "right": right / max(1e-9, total),
        "client as guide": client_as_guide / max(1e-9, client),
        "client in induction as guide": answers_as_guide / max(1e-9, answers),
        "interjections": inter_right / max(1.0, inter),
        "unsure lines": sum("speaker unsure" in s.flag_reason for s in lines) / max(1, len(lines)),
        "lines": len(lines),
    }


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Figures per SMR, average and worst mix; the labelling's cost per line."""
    sys.path.insert(0, str(ROOT))
    from bench.bench_speakers import SHARED, chosen, client_turns, smrs
    from gim.transcribe.voice import load_encoder
    from tests.support.roommix import load_audio
    from tests.support.voicemix import build_voice_mix

    encoder = load_encoder()
    results: dict[float, list[dict[str, float]]] = {}
    out: list[tuple[str, str]] = []
    label_ms: list[float] = []
    whisper_ms: list[float] = []
    for n, (name, guide_files, client_files) in chosen(quick):
        profile = encoder.embed(np.concatenate([load_audio(f) for f in guide_files[:3]]))
        for smr in smrs():
            heard, answers = client_turns(client_files)
            mix = build_voice_mix(guide_files[3:], heard, SHARED, smr, seed=n, answers=answers)
            lines, labels, checks = live_lines(mix, profile)
            label_ms += [1000 * s for s in labels]
            whisper_ms += [1000 * s for s in checks]
            before = [BEFORE.get((s.start, s.end), s) for s in lines]
            _keep(name, smr, lines, before, mix)
            for way, got in (("before", before), ("after", lines)):
                figures = score(got, mix)
                results.setdefault((smr, way), []).append(figures)
                out.append((f"{name}, {smr:+.0f} dB, {way}", _line(figures)))
                print(f"  ({out[-1][0]}: {out[-1][1]})", file=sys.stderr, flush=True)
    summary = []
    for (smr, way), runs in results.items():
        for key, worst in (
            ("right", min),
            ("client as guide", max),
            ("client in induction as guide", max),
            ("interjections", min),
            ("unsure lines", max),
        ):
            values = [r[key] for r in runs]
            summary.append(
                (
                    f"live, {smr:+.0f} dB, {way}, {key}",
                    f"mean {100 * np.mean(values):.1f}%, worst {100 * worst(values):.1f}%",
                )
            )
    summary.append(
        (
            "labelling a line (ms)",
            f"mean {np.mean(label_ms):.0f}, worst {np.max(label_ms):.0f}; the check that "
            f"wrote it (Whisper and all) mean {np.mean(whisper_ms):.0f}, "
            f"worst {np.max(whisper_ms):.0f}",
        )
    )
    return summary + out


def _keep(name: str, smr: float, lines: list, before: list, mix: Any) -> None:
    """Each line's spans, truth, labels before and after, and windows' margins, to
    /tmp/gim-bench-live-voices.jsonl (to study a rule without running Whisper again)."""
    import json

    with Path("/tmp/gim-bench-live-voices.jsonl").open("a") as f:
        for now, was in zip(lines, before, strict=True):
            row = {
                "mix": f"{name} {smr:+.0f}",
                "span": [now.start, now.end],
                "truth": truth(now, mix),
                "said": _said(now, mix),
                "before": [str(was.speaker), was.speaker_confidence],
                "after": [str(now.speaker), now.speaker_confidence],
                "margins": MARGINS.get((now.start, now.end)),
            }
            f.write(json.dumps(row) + "\n")


def _said(line: Any, mix: Any) -> dict[str, float]:
    said = {"guide": 0.0, "client": 0.0}
    for a, b, who in mix.spans:
        said[who] += max(0.0, min(b, line.end + 0.2) - max(a, line.start - 0.2))
    return said


def _line(f: dict[str, float]) -> str:
    return (
        f"right {100 * f['right']:.1f}%, client as guide {100 * f['client as guide']:.1f}%, "
        f"interjections {100 * f['interjections']:.0f}%, unsure {100 * f['unsure lines']:.0f}%, "
        f"{f['lines']:.0f} lines"
    )
