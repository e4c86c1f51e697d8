"""Pieces found from the audio: where `gim transcribe --reference --program` puts each piece.

Builds sessions from the real music in ../shared/data/music: the pieces (excerpts of the
recordings, each written as its own file) played in program order with realistic gaps
(none, a breath, several seconds), a varying start, the program's nominal durations a
few seconds off the recordings, and now and then a piece the guide stopped early. Lines
every 1.5 s of the session are linked to (piece, offset) and compared with the truth, for
pieces linked to their files, for unlinked pieces (durations and transitions), and for
the old placement (silences alone).

Run: ``python -m bench pieces`` (``--quick``: fewer sessions).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RATE = 16000
CUTS = (
    ("music/goldberg_ishizaka_voiceover.ogg", 0.0, 57.0),
    ("music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg", 0.0, 62.0),
    ("music/vivaldi-summer-presto-1.mp3", 0.0, 6.2),
    ("music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg", 62.0, 119.0),
    ("music/goldberg_ishizaka_voiceover.ogg", 20.0, 45.0),
)
"""The pieces: (file, from, to) seconds; each cut is a recording of its own."""


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


def _session(pieces: list[tuple[Path, np.ndarray]], rng: np.random.Generator) -> dict[str, Any]:
    """One played session: the reference, true starts and lengths, nominal durations."""
    lead = float(rng.uniform(0.0, 30.0))
    parts = [np.zeros(int(lead * RATE), np.float32)]
    starts, lengths, nominal, t = [], [], [], lead
    for i, (_, audio) in enumerate(pieces):
        played = audio
        if rng.random() < 0.2 and len(audio) > 20 * RATE:  # the guide moved on early
            played = audio[: int(len(audio) * rng.uniform(0.6, 0.9))]
        starts.append(t)
        lengths.append(len(played) / RATE)
        nominal.append(round(len(audio) / RATE + float(rng.uniform(-4.0, 4.0)), 1))
        parts.append(played * float(rng.uniform(0.5, 1.0)))
        t += len(played) / RATE
        if i < len(pieces) - 1:
            gap = float(rng.choice([0.0, 0.4, rng.uniform(1.0, 8.0)]))
            parts.append(np.zeros(int(gap * RATE), np.float32))
            t += int(gap * RATE) / RATE
    parts.append(np.zeros(5 * RATE, np.float32))
    reference = np.concatenate(parts).astype(np.float32)
    return {
        "reference": reference,
        "starts": starts,
        "lengths": lengths,
        "nominal": nominal,
        "lead": lead,
    }


def _truth(session: dict[str, Any], t: float) -> tuple[int | None, float | None]:
    for i, (s, n) in enumerate(zip(session["starts"], session["lengths"], strict=True)):
        if s <= t < s + n:
            return i, t - s
    return None, None


def _program(nominal: list[float]) -> Any:
    from gim.core.program import Piece, Program, Provenance

    pieces = tuple(Piece(composer="C", work=f"W{i}", duration=d) for i, d in enumerate(nominal))
    return Program("bench", "Bench", "bench", Provenance("bench"), pieces)


def _score(session: dict[str, Any], starts: list[float], lengths: list[float]) -> dict[str, Any]:
    """Lines every 1.5 s: share on the right piece, offset errors of those."""
    from gim.core.session import Segment
    from gim.runner.offline import link_playback, placed_clock

    end = len(session["reference"]) / RATE
    lines = [Segment(t, t + 1.0, "x") for t in np.arange(0.5, end, 1.5)]
    link_playback(lines, placed_clock(starts, lengths))
    right, errors = 0, []
    for seg in lines:
        piece, offset = _truth(session, seg.start)
        if seg.piece == piece:
            right += 1
            if piece is not None and seg.piece_offset is not None and offset is not None:
                errors.append(abs(seg.piece_offset - offset))
    return {"lines": len(lines), "right": right, "errors": errors}


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Place the pieces of many sessions three ways; print and return the figures."""
    from gim.runner.offline import piece_starts, place_pieces, silent_gaps

    rng = np.random.default_rng(11)
    folder = Path(tempfile.mkdtemp(prefix="gim-bench-pieces-"))
    pieces = _pieces(folder)
    sessions = [_session(pieces, rng) for _ in range(6 if quick else 24)]
    totals: dict[str, dict[str, Any]] = {
        k: {"lines": 0, "right": 0, "errors": [], "worst": 0.0}
        for k in ("linked files", "unlinked", "silences (before)")
    }
    for session in sessions:
        program = _program(session["nominal"])
        ref = session["reference"]
        files: list[Path | None] = [p for p, _ in pieces]
        linked, lengths = place_pieces(ref, program, files, 0.0)
        unlinked, nominal = place_pieces(ref, program, None, session["lead"])
        before = piece_starts(program, session["lead"], silent_gaps(ref))
        for key, starts, lens in (
            ("linked files", linked, lengths),
            ("unlinked", unlinked, nominal),
            ("silences (before)", before, session["nominal"]),
        ):
            s = _score(session, starts, lens)
            t = totals[key]
            t["lines"] += s["lines"]
            t["right"] += s["right"]
            t["errors"] += s["errors"]
            t["worst"] = max(
                t["worst"], *(abs(a - b) for a, b in zip(starts, session["starts"], strict=True))
            )
    print(
        f"\n== Pieces placed in {len(sessions)} sessions of {len(CUTS)} pieces "
        "(real music, gaps 0-8 s, start 0-30 s, nominal durations +-4 s, some stopped early) =="
    )
    print(
        f"{'placement':18} {'lines':>6} {'right piece':>12} {'offset err median':>18} "
        f"{'p95':>7} {'max':>7} {'worst start err':>16}"
    )
    figures = []
    for key, t in totals.items():
        errs = np.array(t["errors"]) if t["errors"] else np.array([np.nan])
        share = t["right"] / max(1, t["lines"])
        med, p95, mx = np.median(errs), np.percentile(errs, 95), np.max(errs)
        print(
            f"{key:18} {t['lines']:>6} {share:>12.1%} {med:>17.3f}s {p95:>6.3f}s {mx:>6.3f}s "
            f"{t['worst']:>15.3f}s"
        )
        figures.append(
            (
                f"pieces, {key}",
                f"{share:.1%} of lines on the right piece, offset "
                f"error median {med:.3f} s, p95 {p95:.3f} s, max {mx:.3f} s",
            )
        )
    print("target (linked files): >= 98% of lines on the right piece, offset error <= 0.2 s")
    return figures
