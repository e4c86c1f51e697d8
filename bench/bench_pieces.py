"""Pieces found from the audio: where `gim transcribe --reference --program` puts each piece.

Builds sessions from the real music in ../shared/data/music: five pieces (excerpts of the
recordings, each written as its own file), in a different program order each session,
played with realistic transitions: back to back, a breath (0.4 s) or several seconds of
silence; each at its own level (a quiet opening may follow a loud ending: 0 to -20 dB);
now and then stopped early, abruptly or with a fade-out; sometimes the session ends before
the program does; sometimes the reference carries a noise floor (recorded through a
mixer, not written digitally: 40-60 dB under the music). The program's nominal durations
are another recording's: ±7% off, rounded to the second. The first piece starts 0-30 s
in, and no program start is given. Lines every 1.5 s are linked to (piece, offset) and
compared with the truth.

Truth: for pieces linked to files, the file's own clock. For unlinked pieces the file's
digital silence at its start or end cannot be told from a gap, so their truth is the
sounding part of each piece (the Sugar Plum recording opens with 1.1 s of silence).

Rows: linked files; unlinked (now); unlinked as placed before this change (the same
inputs; loaded from git at `BEFORE`), also given the true start as the old bench did; and
silences alone (the first placement). Per row: lines on the right piece, offset error of
those (median, p95, max), the worst session (fewest right, largest error) and seconds of
placement per session.

Run: ``python -m bench pieces`` (``--quick``: fewer sessions).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RATE = 16000
BEFORE = "c482016"
"""The commit whose gim/audio/placement.py is the "before" row."""
CUTS = (
    ("music/goldberg_ishizaka_voiceover.ogg", 0.0, 57.0),
    ("music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg", 0.0, 62.0),
    ("music/vivaldi-summer-presto-1.mp3", 0.0, 6.3),
    ("music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg", 66.0, 119.9),
    ("music/goldberg_ishizaka_voiceover.ogg", 20.0, 45.0),
)
"""The pieces: (file, from, to) seconds; each cut is a recording of its own (the fourth
and fifth start mid-recording: a splice, like a movement played attacca)."""


def _pieces(folder: Path) -> list[tuple[Path, np.ndarray]]:
    """Each cut written as a 44.1 kHz FLAC (as a guide's library holds it) and at 16 kHz."""
    import soundfile as sf
    import soxr

    from tests.support.roommix import load_audio

    out = []
    for i, (name, a, b) in enumerate(CUTS):
        audio = load_audio(SHARED / name, 44100)[int(a * 44100) : int(b * 44100)]
        path = folder / f"piece{i}.flac"
        sf.write(str(path), audio, 44100)
        out.append((path, soxr.resample(audio, 44100, RATE).astype(np.float32)))
    return out


def _sounding(audio: np.ndarray) -> tuple[float, float]:
    """Seconds of ``audio``'s first and last sound (10 ms frames over -80 dB)."""
    hop = RATE // 100
    n = len(audio) // hop
    db = 10 * np.log10(np.mean(audio[: n * hop].reshape(n, hop).astype(float) ** 2, 1) + 1e-20)
    loud = np.flatnonzero(db > -80)
    return (loud[0] * hop / RATE, (loud[-1] + 1) * hop / RATE) if len(loud) else (0.0, 0.0)


def _session(pieces: list[tuple[Path, np.ndarray]], rng: np.random.Generator) -> dict[str, Any]:
    """One played session: the reference, the program order, true spans, nominal lengths."""
    order = [int(i) for i in rng.permutation(len(pieces))]
    played_count = len(order) if rng.random() >= 0.2 else int(rng.integers(2, len(order)))
    lead = float(rng.uniform(0.0, 30.0))
    parts = [np.zeros(int(lead * RATE), np.float32)]
    t = lead
    starts, lengths, sound, nominal, kinds = [], [], [], [], []
    gap, early = 0.0, False
    for n, i in enumerate(order):
        audio = pieces[i][1]
        nominal.append(float(round(len(audio) / RATE * (1 + rng.uniform(-0.07, 0.07)))))
        if n >= played_count:
            continue
        if n == 0:
            kinds.append("first piece")
        elif gap >= 1.0:
            kinds.append("after a silence (1-8 s)")
        elif gap > 0:
            kinds.append("after a breath (0.4 s)")
        elif CUTS[i][0] == CUTS[order[n - 1]][0]:
            kinds.append("back to back, same recording")
        else:
            kinds.append("back to back" + (", after an early stop" if early else ""))
        played = audio.copy()
        early = rng.random() < 0.25 and len(audio) > 20 * RATE
        if early:  # the guide moved on early
            played = played[: int(len(audio) * rng.uniform(0.6, 0.9))]
            if rng.random() < 0.5:  # with a fade-out (gim's player fades over 2-5 s)
                fade = int(rng.uniform(2.0, 5.0) * RATE)
                played[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        played *= np.float32(10 ** (rng.uniform(-20.0, 0.0) / 20))
        a, b = _sounding(played)
        starts.append(t)
        lengths.append(len(played) / RATE)
        sound.append((t + a, t + b))
        parts.append(played)
        t += len(played) / RATE
        if n < played_count - 1:
            gap = float(rng.choice([0.0, 0.4, rng.uniform(1.0, 8.0)]))
            parts.append(np.zeros(int(gap * RATE), np.float32))
            t += int(gap * RATE) / RATE
    parts.append(np.zeros(5 * RATE, np.float32))
    reference = np.concatenate(parts).astype(np.float32)
    if rng.random() < 0.3:  # recorded, not written: a noise floor 40-60 dB under the music
        level = float(np.sqrt(np.mean(reference**2))) * 10 ** (-rng.uniform(40.0, 60.0) / 20)
        reference += (level * rng.standard_normal(len(reference))).astype(np.float32)
    return {
        "reference": reference,
        "order": order,
        "starts": starts,
        "lengths": lengths,
        "sound": sound,
        "kinds": kinds,
        "nominal": nominal,
        "lead": lead,
    }


def _truth(spans: list[tuple[float, float]], t: float) -> tuple[int | None, float | None]:
    for i, (s, e) in enumerate(spans):
        if s <= t < e:
            return i, t - s
    return None, None


def _program(nominal: list[float]) -> Any:
    from gim.core.program import Piece, Program, Provenance

    pieces = tuple(Piece(composer="C", work=f"W{i}", duration=d) for i, d in enumerate(nominal))
    return Program("bench", "Bench", "bench", Provenance("bench"), pieces)


def _score(
    session: dict[str, Any],
    spans: list[tuple[float, float]],
    starts: list[float],
    lengths: list[float],
) -> dict[str, Any]:
    """Lines every 1.5 s: how many on the right piece, offset errors of those."""
    from gim.core.session import Segment
    from gim.passes.placement import placed_clock

    end = len(session["reference"]) / RATE
    lines = [Segment(t, t + 1.0, "x") for t in np.arange(0.5, end, 1.5)]
    placed_clock(starts, lengths).link(lines)
    right, errors = 0, []
    for seg in lines:
        piece, offset = _truth(spans, seg.start)
        if seg.piece == piece:
            right += 1
            if piece is not None and seg.piece_offset is not None and offset is not None:
                errors.append(abs(seg.piece_offset - offset))
    return {"lines": len(lines), "right": right, "errors": errors}


def _before() -> types.ModuleType | None:
    """gim/audio/placement.py as it was at `BEFORE` (None without git)."""
    try:
        text = subprocess.run(
            ["git", "show", f"{BEFORE}:gim/audio/placement.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("placement_before")
    exec(compile(text, "placement_before.py", "exec"), module.__dict__)
    return module


def _ways(
    session: dict[str, Any],
    program: Any,
    files: list[Path],
    file_spans: list[tuple[float, float]],
    old: types.ModuleType | None,
) -> dict[str, Any]:
    """Each placement to score: (how to run it, the truth it is scored against)."""
    from gim.passes.placement import piece_starts, place_pieces, silent_gaps

    ref, nominal, sound = session["reference"], session["nominal"], session["sound"]
    ways: dict[str, Any] = {
        "linked files": (lambda: place_pieces(ref, program, files), file_spans),
        "unlinked": (lambda: place_pieces(ref, program, None), sound),
        "silences": (lambda: (piece_starts(program, 0.0, silent_gaps(ref)), nominal), sound),
    }
    if old is not None:
        blank = [None] * len(nominal)
        ways["unlinked before"] = (lambda: old.place(ref, RATE, blank, nominal), sound)
        ways["  given true start"] = (
            lambda: old.place(ref, RATE, blank, nominal, program_start=session["lead"]),
            sound,
        )
    return ways


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Place the pieces of many sessions several ways; print and return the figures."""
    rng = np.random.default_rng(11)
    folder = Path(tempfile.mkdtemp(prefix="gim-bench-pieces-"))
    pieces = _pieces(folder)
    sessions = [_session(pieces, rng) for _ in range(6 if quick else 24)]
    old = _before()
    keys = ["linked files", "unlinked", "unlinked before", "  given true start", "silences"]
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
    for session in sessions:
        order, nominal = session["order"], session["nominal"]
        program = _program(nominal)
        played = list(zip(session["starts"], session["lengths"], strict=True))
        file_spans = [(s, s + n) for s, n in played]
        ways = _ways(session, program, [pieces[i][0] for i in order], file_spans, old)
        for key, (how, spans) in ways.items():
            begun = time.perf_counter()
            starts, lengths = how()
            took = time.perf_counter() - begun
            score = _score(session, spans, list(starts), list(lengths))
            score["seconds"] = took
            score["starts"] = [
                (kind, abs(float(placed) - a))
                for kind, placed, (a, _) in zip(session["kinds"], starts, spans, strict=False)
            ]
            rows[key].append(score)
    print(
        f"\n== Pieces placed in {len(sessions)} sessions of {len(CUTS)} pieces (real music, "
        "order, levels, gaps, early stops, fades, noise and lengths varied) =="
    )
    head = (
        f"{'placement':19} {'lines':>5} {'right':>7} {'offset err median':>17} {'p95':>7} "
        f"{'max':>7} {'worst session: right':>21} {'err':>7} {'s/session':>9}"
    )
    print(head)
    figures = []
    for key in keys:
        if not rows[key]:
            continue
        per = rows[key]
        lines = sum(r["lines"] for r in per)
        share = sum(r["right"] for r in per) / max(1, lines)
        errs = np.concatenate([r["errors"] for r in per if r["errors"]] or [[np.nan]])
        med, p95, mx = np.median(errs), np.percentile(errs, 95), np.max(errs)
        worst_right = min(r["right"] / max(1, r["lines"]) for r in per)
        worst_err = max(max(r["errors"], default=0.0) for r in per)
        secs = float(np.mean([r["seconds"] for r in per]))
        print(
            f"{key:19} {lines:>5} {share:>7.1%} {med:>16.3f}s {p95:>6.3f}s {mx:>6.3f}s "
            f"{worst_right:>21.1%} {worst_err:>6.2f}s {secs:>8.2f}s"
        )
        figures.append(
            (
                f"pieces, {key.strip()}",
                f"{share:.1%} right (worst session {worst_right:.1%}), offset error median "
                f"{med:.3f} s, p95 {p95:.3f} s, max {mx:.3f} s; {secs:.2f} s per session",
            )
        )
    print("target: >= 98% of lines on the right piece, offset error <= 0.2 s")
    print("\nStarts of played pieces by how they began: share placed within 0.2 s (count)")
    kinds = sorted({k for r in rows["unlinked"] for k, _ in r["starts"]})
    shown = [k for k in ("linked files", "unlinked", "unlinked before") if rows[k]]
    print(f"{'':36}" + "".join(f"{k:>17}" for k in shown))
    for kind in kinds:
        cells = []
        for key in shown:
            errs = [e for r in rows[key] for k, e in r["starts"] if k == kind]
            cells.append(f"{np.mean(np.array(errs) <= 0.2):>11.0%} ({len(errs):>3})")
        print(f"{kind:36}" + "".join(cells))
    return figures
