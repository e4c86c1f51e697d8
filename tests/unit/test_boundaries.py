"""The boundary finder for unlinked pieces, on synthetic recordings."""

from __future__ import annotations

import numpy as np

from gim.audio.boundaries import candidates, choose, level_db, silence_threshold

RATE = 16000


def _music(seconds: float, root: float, harmonics: int, decay: float, seed: int) -> np.ndarray:
    """Notes of a major scale on ``root`` every 0.3-0.6 s: a recording of its own."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * RATE))
    scale = root * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12]) / 12)
    t = 0.0
    while t < seconds:
        freq = float(rng.choice(scale))
        n = min(len(out) - int(t * RATE), int(1.5 * RATE))
        tt = np.arange(n) / RATE
        note = sum(np.sin(2 * np.pi * freq * k * tt) / k for k in range(1, harmonics + 1))
        out[int(t * RATE) : int(t * RATE) + n] += note * np.exp(-tt / decay)
        t += float(rng.uniform(0.3, 0.6))
    return (out / np.max(np.abs(out))).astype(np.float32)


def _a(seconds: float) -> np.ndarray:
    return _music(seconds, 262.0, 3, 0.3, 1)  # bright, short notes (a piano, say)


def _b(seconds: float) -> np.ndarray:
    return _music(seconds, 370.0, 8, 1.2, 2)  # another key, richer, sustained


def _join(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts).astype(np.float32)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def test_pieces_back_to_back_are_told_apart_by_their_sound() -> None:
    ref = _join(_silence(2.0), 0.5 * _a(30.0), 0.3 * _b(25.0), _silence(1.0))
    bounds, first, last = candidates(ref, RATE)
    assert abs(first - 2.0) < 0.02 and abs(last - 57.0) < 1.0
    assert min(abs(b.start - 32.0) for b in bounds) < 0.1
    chosen = choose(bounds, [31.0, 24.0], first, last)  # nominal lengths a little off
    assert chosen[0] is not None and chosen[1] is not None
    assert abs(chosen[1][0] - 32.0) < 0.1
    assert abs(chosen[0][1] - 30.0) < 0.1


def test_a_quiet_opening_after_a_loud_ending_gapless() -> None:
    ref = _join(0.8 * _b(20.0), 0.03 * _a(20.0))  # 28 dB down
    bounds, first, last = candidates(ref, RATE)
    chosen = choose(bounds, [21.0, 19.0], first, last)
    assert chosen[1] is not None and abs(chosen[1][0] - 20.0) < 0.1


def test_a_silence_ends_where_the_next_piece_starts() -> None:
    ref = _join(0.5 * _a(20.0), _silence(3.0), 0.5 * _b(20.0))
    bounds, first, last = candidates(ref, RATE)
    gap = [b for b in bounds if b.end < b.start]
    assert len(gap) == 1 and abs(gap[0].start - 23.0) < 0.02 and gap[0].strength == 1.0
    chosen = choose(bounds, [18.0, 22.0], first, last)  # a silence beats the nominal length
    assert chosen[1] is not None and abs(chosen[1][0] - 23.0) < 0.02


def test_a_piece_faded_out_early_and_a_session_that_ends_before_the_program() -> None:
    faded = 0.5 * _a(12.0)
    faded[-3 * RATE :] *= np.linspace(1.0, 0.0, 3 * RATE, dtype=np.float32)
    ref = _join(_silence(1.0), faded, _silence(2.0), 0.5 * _b(25.0), _silence(2.0))
    bounds, first, last = candidates(ref, RATE)
    chosen = choose(bounds, [30.0, 25.0, 40.0, 30.0], first, last)
    assert chosen[0] is not None and abs(chosen[0][1] - 12.0) < 0.3  # stopped at 12 s of 30
    assert chosen[1] is not None and abs(chosen[1][0] - 15.0) < 0.02
    assert chosen[2] is None and chosen[3] is None  # not played


def test_a_found_piece_is_kept_where_its_file_put_it() -> None:
    ref = _join(0.5 * _a(20.0), _silence(1.0), 0.5 * _b(20.0), _silence(1.0), 0.5 * _a(20.0))
    bounds, first, last = candidates(ref, RATE)
    chosen = choose(bounds, [20.0, 20.0, 20.0], first, last, anchors=[None, 21.0, None])
    assert [c[0] if c else None for c in chosen] == [
        first,
        21.0,
        chosen[2][0] if chosen[2] else None,
    ]
    assert chosen[2] is not None and abs(chosen[2][0] - 42.0) < 0.02


def test_silence_under_a_noise_floor_and_an_empty_reference() -> None:
    rng = np.random.default_rng(3)
    ref = _join(0.5 * _a(10.0), _silence(2.0), 0.5 * _b(10.0))
    ref = ref + (3e-3 * rng.standard_normal(len(ref))).astype(np.float32)  # about -50 dB
    assert silence_threshold(level_db(ref, RATE)) > -50.0
    bounds, _, _ = candidates(ref, RATE)
    assert any(abs(b.start - 12.0) < 0.05 and b.end < b.start for b in bounds)
    assert candidates(np.zeros(RATE * 5, np.float32), RATE) == ([], 0.0, 0.0)
    assert choose([], [10.0], 0.0, 0.0) == [None]
