"""Remove the music gim played from what the microphone heard (acoustic echo cancellation).

gim knows every sample it sent to the loudspeakers (the reference). After the reference
is aligned to the microphone with the delay measured by `gim.audio.delay`, an adaptive
linear filter learns the room's response from loudspeaker to microphone and subtracts
the predicted music, leaving the client's voice. The raw recording is never modified:
these functions return new arrays.

Two cancellers, chosen by measurement (bench/bench_transcription.py):

- ``"mdf"``: a partitioned-block frequency-domain NLMS filter in numpy, with a per-bin
  step size that shrinks while near-end speech dominates (the idea behind Speex MDF), so
  the filter keeps adapting to the room under music but does not learn the voice away.
- ``"speex"``: Speex MDF itself through the ``pyaec`` wheel, when it is installed.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Audio = NDArray[np.float32]

BLOCK = 256
"""Frames per adaptation block at 16 kHz (16 ms)."""
LEAD = 0.01
"""Seconds the reference is moved earlier than the measured delay, so a causal filter
still covers a slightly early estimate."""


def align_reference(reference: NDArray[np.floating], lag_frames: float, length: int) -> Audio:
    """The reference shifted later by ``lag_frames`` (minus `LEAD`), cut or zero-padded.

    Args:
        reference: the played frames, on the microphone's nominal frame clock.
        lag_frames: how many frames later the microphone heard it (from delay estimation).
        length: the microphone's length in frames.
    """
    ref = np.asarray(reference, dtype=np.float32).reshape(-1)
    shift = round(lag_frames)
    out = np.zeros(length, np.float32)
    if shift >= 0:
        n = max(0, min(length - shift, len(ref)))
        out[shift : shift + n] = ref[:n]
    else:
        n = max(0, min(length, len(ref) + shift))
        out[:n] = ref[-shift : -shift + n]
    return out


@dataclass
class EchoCanceller:
    """Streaming partitioned-block frequency-domain adaptive echo canceller (mono).

    Feed microphone and aligned reference blocks of any length with `process`; the output
    is delayed by nothing (blocks are buffered internally and flushed by `flush`).
    """

    rate: int = 16000
    """Sample rate of both signals."""
    tail: float = 0.3
    """Length of the room response the filter models, in seconds."""
    step: float = 0.5
    """Largest NLMS step size (0..1)."""
    _parts: int = field(init=False, default=0)
    _w: np.ndarray = field(init=False, repr=False)
    _xhist: np.ndarray = field(init=False, repr=False)
    _xprev: np.ndarray = field(init=False, repr=False)
    _power: np.ndarray = field(init=False, repr=False)
    _pending_mic: list[np.ndarray] = field(init=False, default_factory=list)
    _pending_ref: list[np.ndarray] = field(init=False, default_factory=list)
    _count: int = field(init=False, default=0)
    _blocks: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        bins = BLOCK + 1
        self._parts = max(1, int(np.ceil(self.tail * self.rate / BLOCK)))
        self._w = np.zeros((self._parts, bins), np.complex128)
        self._xhist = np.zeros((self._parts, bins), np.complex128)
        self._xprev = np.zeros(BLOCK, np.float64)
        self._power = np.full(bins, 1e-6)

    def process(self, mic: NDArray[np.floating], reference: NDArray[np.floating]) -> Audio:
        """Cancel the reference from the microphone; returns as many frames as are ready."""
        self._pending_mic.append(np.asarray(mic, np.float64).reshape(-1))
        self._pending_ref.append(np.asarray(reference, np.float64).reshape(-1))
        self._count += len(self._pending_mic[-1])
        if self._count < BLOCK:
            return np.zeros(0, np.float32)
        m = np.concatenate(self._pending_mic)
        r = np.concatenate(self._pending_ref)
        usable = (len(m) // BLOCK) * BLOCK
        out = np.empty(usable, np.float64)
        for i in range(0, usable, BLOCK):
            out[i : i + BLOCK] = self._block(m[i : i + BLOCK], r[i : i + BLOCK])
        self._pending_mic, self._pending_ref = [m[usable:]], [r[usable:]]
        self._count = len(m) - usable
        return out.astype(np.float32)

    def flush(self) -> Audio:
        """Process what is buffered (zero-padded to a block) and return it."""
        if self._count == 0:
            return np.zeros(0, np.float32)
        n = self._count
        pad = np.zeros(BLOCK - n)
        out = self.process(pad, pad)[:n]
        self._count = 0
        self._pending_mic, self._pending_ref = [], []
        return out

    def _block(self, d: np.ndarray, x: np.ndarray) -> np.ndarray:
        xk = np.fft.rfft(np.concatenate([self._xprev, x]))
        self._xprev = x
        self._xhist = np.roll(self._xhist, 1, axis=0)
        self._xhist[0] = xk
        yk = np.sum(self._w * self._xhist, axis=0)
        y = np.fft.irfft(yk)[BLOCK:]
        e = d - y
        ek = np.fft.rfft(np.concatenate([np.zeros(BLOCK), e]))
        self._blocks += 1
        alpha = 0.9 if self._blocks > 20 else 0.5
        self._power = alpha * self._power + (1 - alpha) * np.abs(xk) ** 2
        # Step per bin: large while the error is mostly residual music (echo estimate is
        # comparable to the error), small while the client's voice dominates the error.
        echo = np.abs(yk) ** 2
        err = np.abs(ek) ** 2 + 1e-12
        ratio = np.clip(echo / err, 0.0, 1.0)
        warm = self._blocks < 60
        mu = self.step * (np.maximum(ratio, 0.25) if warm else np.maximum(ratio, 0.02))
        energy = float(np.sum(x * x))
        if energy < 1e-10:  # nothing played: nothing to learn
            return e
        norm = mu / (self._power * self._parts + 1e-8)
        grad = np.conj(self._xhist) * (norm * ek)
        # Gradient constraint (keeps the filter causal and linear-convolution exact) on one
        # partition per block, round-robin, as Speex MDF does, to save FFTs.
        p = self._blocks % self._parts
        g = np.fft.irfft(grad[p])
        g[BLOCK:] = 0
        grad[p] = np.fft.rfft(g)
        self._w += grad
        return e


def cancel_echo(
    mic: NDArray[np.floating],
    reference: NDArray[np.floating],
    rate: int,
    *,
    method: str = "mdf",
    tail: float = 0.3,
) -> Audio:
    """The microphone signal with the aligned reference removed (a new array).

    Args:
        mic: microphone frames (mono).
        reference: the played frames already aligned to ``mic`` (see `align_reference`),
            same length, zeros where nothing played.
        rate: sample rate of both.
        method: ``"mdf"`` (numpy) or ``"speex"`` (pyaec).
        tail: room response length in seconds.
    """
    m = np.asarray(mic, np.float32).reshape(-1)
    r = np.asarray(reference, np.float32).reshape(-1)[: len(m)]
    if len(r) < len(m):
        r = np.concatenate([r, np.zeros(len(m) - len(r), np.float32)])
    if method == "speex":
        return _cancel_speex(m, r, rate, tail)
    canceller = EchoCanceller(rate=rate, tail=tail)
    out = np.concatenate([canceller.process(m, r), canceller.flush()])
    return out[: len(m)].astype(np.float32)


def speex_available() -> bool:
    """Whether the pyaec wheel (Speex MDF) can be loaded."""
    try:
        import pyaec  # noqa: F401
    except (ImportError, OSError, AttributeError):
        return False
    return True


def _cancel_speex(m: Audio, r: Audio, rate: int, tail: float) -> Audio:
    import pyaec

    lib = pyaec.lib
    frame = 160 if rate <= 16000 else 480
    handle = lib.AecNew(frame, int(tail * rate), rate, False)
    try:
        scale = 32767.0 / max(1.0, float(np.max(np.abs(m))), float(np.max(np.abs(r))))
        mi = np.clip(np.round(m * scale), -32768, 32767).astype(np.int16)
        ri = np.clip(np.round(r * scale), -32768, 32767).astype(np.int16)
        n = (len(mi) // frame) * frame
        out = np.zeros(len(mi), np.int16)
        buf = np.zeros(frame, np.int16)
        ptr = ctypes.POINTER(ctypes.c_int16)
        for i in range(0, n, frame):
            a, b = mi[i : i + frame], ri[i : i + frame]
            lib.AecCancelEcho(
                handle, a.ctypes.data_as(ptr), b.ctypes.data_as(ptr), buf.ctypes.data_as(ptr), frame
            )
            out[i : i + frame] = buf
        out[n:] = mi[n:]
    finally:
        lib.AecDestroy(handle)
    return (out.astype(np.float32) / scale).astype(np.float32)
