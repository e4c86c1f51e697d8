"""Remove the music gim played from what the microphone heard (acoustic echo cancellation).

gim knows every sample it sent to the loudspeakers (the reference). After the reference
is aligned to the microphone with the delay measured by `gim.audio.delay`, a linear
filter models the room's response from loudspeaker to microphone and the predicted music
is subtracted, leaving the client's voice. The raw recording is never modified: these
functions return new arrays.

Two filters, one per situation:

- Offline (the final pass, ``gim transcribe --reference``), the whole recording is
  there, so `cancel_echo` fits the room's response by least squares over long windows
  (Wiener-Hopf normal equations, solved as a Toeplitz system) and subtracts the
  reference filtered by it. Nothing adapts during speech and nothing is suppressed, so
  the voice passes untouched: on the benchmark room mixes (0 dB) the voice came out at
  26 dB signal-to-distortion against 1.3 dB through Speex, with more music removed (27
  against 24 dB in music-only stretches). Windows are re-fitted every `HOP` seconds; a
  clock drift is first undone by resampling the reference (``drift`` of
  `align_reference`, measured by `gim.audio.drift.measure_drift`).
- Live, the filter must be causal: `EchoCanceller` is Speex MDF (multidelay block
  frequency-domain, with its double-talk control; pyaec's preprocessor, the residual
  echo suppressor, stays off) through the ``pyaec`` wheel. Measured and dropped: a numpy
  partitioned-block NLMS (without Speex's learning-rate control it diverged on real
  music), and re-using least-squares fits of the last 30 s live (20 dB removed against
  Speex's 24, and a worse live WER: 0.28 against 0.21 at 0 dB).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gim.errors import AudioError

Audio = NDArray[np.float32]

FRAME = 160
"""Frames per Speex block at 16 kHz (10 ms)."""
FULL_SCALE = 30000.0
"""int16 level float 1.0 maps to: Speex works in int16 and stops adapting on a
microphone sample near full scale."""
LEAD = 0.01
"""Seconds the reference is moved earlier than the measured delay, so a causal filter
still covers a slightly early estimate."""
TAIL = 0.25
"""Seconds of room response the offline filter models (longer fits more of the speech
into the estimate and removed less music on the room mixes: 0.25 s > 0.5 s > 0.75 s)."""
WINDOW = 60.0
"""Seconds of recording each offline fit looks at."""
HOP = 15.0
"""Seconds between offline fits (their predictions are cross-faded)."""
REGULARISATION = 1e-3
"""Diagonal loading of the normal equations, relative to the reference's energy."""


def align_reference(
    reference: NDArray[np.floating], lag_frames: float, length: int, drift: float = 0.0
) -> Audio:
    """The reference shifted later by ``lag_frames``, cut or zero-padded (callers move it
    `LEAD` earlier than the measured delay).

    Args:
        reference: the played frames, on the microphone's nominal frame clock.
        lag_frames: how many frames later the microphone heard it (from delay estimation),
            at microphone frame 0.
        length: the microphone's length in frames.
        drift: how many frames the lag grows per microphone frame (the two clocks'
            rates differ by this fraction); the reference is resampled to follow it.
    """
    ref = np.asarray(reference, dtype=np.float32).reshape(-1)
    if drift and len(ref):
        import soxr

        ref = np.asarray(soxr.resample(ref, 1e6, 1e6 / (1.0 - drift)), np.float32)
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
    """Streaming echo canceller (Speex MDF), mono; feed blocks of any length.

    Output frame k corresponds to input frame k; up to one Speex block stays buffered
    until the next call or `flush`.
    """

    rate: int = 16000
    """Sample rate of both signals."""
    tail: float = 0.2
    """Length of the room response the filter models, in seconds."""
    scale: float = FULL_SCALE
    """int16 level of float 1.0."""
    _handle: Any = field(init=False, default=None, repr=False)
    _frame: int = field(init=False, default=FRAME)
    _mic: np.ndarray = field(init=False, repr=False)
    _ref: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lib = _speex()
        self._frame = max(FRAME, self.rate // 100)
        self._handle = lib.AecNew(self._frame, int(self.tail * self.rate), self.rate, False)
        if not self._handle:
            raise AudioError("The echo canceller could not start: reinstall gim's pyaec.")
        self._mic = np.zeros(0, np.float32)
        self._ref = np.zeros(0, np.float32)

    def process(self, mic: NDArray[np.floating], reference: NDArray[np.floating]) -> Audio:
        """Cancel the reference from the microphone; returns as many frames as are ready."""
        m = np.asarray(mic, np.float32).reshape(-1)
        r = np.asarray(reference, np.float32).reshape(-1)
        if len(r) < len(m):
            r = np.concatenate([r, np.zeros(len(m) - len(r), np.float32)])
        self._mic = np.concatenate([self._mic, m])
        self._ref = np.concatenate([self._ref, r[: len(m)]])
        n = (len(self._mic) // self._frame) * self._frame
        if n == 0:
            return np.zeros(0, np.float32)
        mi = _to_int16(self._mic[:n], self.scale)
        ri = _to_int16(self._ref[:n], self.scale)
        out = np.zeros(n, np.int16)
        buf = np.zeros(self._frame, np.int16)
        ptr = ctypes.POINTER(ctypes.c_int16)
        lib = _speex()
        for i in range(0, n, self._frame):
            a = np.ascontiguousarray(mi[i : i + self._frame])
            b = np.ascontiguousarray(ri[i : i + self._frame])
            lib.AecCancelEcho(
                self._handle,
                a.ctypes.data_as(ptr),
                b.ctypes.data_as(ptr),
                buf.ctypes.data_as(ptr),
                self._frame,
            )
            out[i : i + self._frame] = buf
        self._mic, self._ref = self._mic[n:], self._ref[n:]
        return (out.astype(np.float32) / self.scale).astype(np.float32)

    def flush(self) -> Audio:
        """Process what is buffered (padded to a block) and return it."""
        n = len(self._mic)
        if n == 0:
            return np.zeros(0, np.float32)
        pad = np.zeros(self._frame - n, np.float32)
        return self.process(pad, pad)[:n]

    def __del__(self) -> None:
        if self._handle:
            _speex().AecDestroy(self._handle)
            self._handle = None


def _speex() -> Any:
    try:
        import pyaec
    except (ImportError, OSError, AttributeError) as exc:
        raise AudioError(
            "The echo canceller (pyaec) is missing: install it with 'pip install pyaec'."
        ) from exc
    return pyaec.lib


def _to_int16(x: NDArray[np.float32], scale: float) -> NDArray[np.int16]:
    return np.clip(np.round(x * scale), -32768, 32767).astype(np.int16)


def cancel_echo_adaptive(
    mic: NDArray[np.floating],
    reference: NDArray[np.floating],
    rate: int,
    *,
    tail: float = 0.2,
) -> Audio:
    """The microphone signal with the aligned reference removed by Speex (a new array).

    The causal canceller run over a whole signal, as the live pass would; `cancel_echo`
    does better offline.

    Args:
        mic: microphone frames (mono).
        reference: the played frames already aligned to ``mic`` (see `align_reference`),
            same length, zeros where nothing played.
        rate: sample rate of both.
        tail: room response length in seconds.

    Raises:
        AudioError: when the echo canceller cannot be loaded.
    """
    m = np.asarray(mic, np.float32).reshape(-1)
    r = np.asarray(reference, np.float32).reshape(-1)[: len(m)]
    # Use the int16 range fully (a whole recording's peak is known here).
    peak_m = max(float(np.max(np.abs(m), initial=0.0)), 1e-4)
    peak_r = max(float(np.max(np.abs(r), initial=0.0)), 1e-4)
    scale = min(FULL_SCALE / peak_m, 32767.0 / peak_r)
    canceller = EchoCanceller(rate=rate, tail=tail, scale=scale)
    out = np.concatenate([canceller.process(m, r), canceller.flush()])
    return out[: len(m)]


def fit_room(
    mic: NDArray[np.floating],
    reference: NDArray[np.floating],
    taps: int,
    *,
    regularisation: float | None = None,
) -> NDArray[np.float64]:
    """The least-squares FIR filter from ``reference`` to ``mic`` (causal, ``taps`` long).

    Solves the Wiener-Hopf equations with the autocorrelation method: correlations by
    FFT, then a Toeplitz solve (Levinson). Returns zeros when the reference is silent.

    Args:
        mic: microphone frames.
        reference: the aligned reference, same length.
        taps: filter length in frames.
        regularisation: diagonal loading relative to the reference's energy.
    """
    from scipy.linalg import solve_toeplitz

    x = np.asarray(reference, np.float64)
    y = np.asarray(mic, np.float64)[: len(x)]
    size = 1 << int(np.ceil(np.log2(2 * len(x) + 1)))
    spec_x = np.fft.rfft(x, size)
    auto = np.fft.irfft(spec_x * np.conj(spec_x), size)[:taps]
    if auto[0] <= 1e-9 * len(x):
        return np.zeros(taps)
    cross = np.fft.irfft(np.fft.rfft(y, size) * np.conj(spec_x), size)[:taps]
    auto[0] *= 1.0 + (REGULARISATION if regularisation is None else regularisation)
    return np.asarray(solve_toeplitz(auto, cross), np.float64)


def cancel_echo(
    mic: NDArray[np.floating],
    reference: NDArray[np.floating],
    rate: int,
    *,
    tail: float = TAIL,
    window: float = WINDOW,
    hop: float = HOP,
) -> Audio:
    """The microphone with the aligned reference removed, fitted offline (a new array).

    Every ``hop`` seconds the room's response is fitted by least squares over the
    ``window`` seconds around that moment (`fit_room`); the reference filtered by each
    fit is cross-faded into one prediction of the music heard, which is subtracted.

    Args:
        mic: microphone frames (mono).
        reference: the played frames already aligned to ``mic`` (see `align_reference`,
            moved `LEAD` earlier), zeros where nothing played.
        rate: sample rate of both.
        tail: room response length in seconds.
        window: seconds of recording per fit.
        hop: seconds between fits.
    """
    from scipy.signal import fftconvolve

    m = np.asarray(mic, np.float32).reshape(-1)
    r = np.asarray(reference, np.float32).reshape(-1)[: len(m)]
    if len(r) < len(m):
        r = np.concatenate([r, np.zeros(len(m) - len(r), np.float32)])
    n, taps, step = len(m), max(1, int(tail * rate)), max(1, int(hop * rate))
    span = int(window * rate)
    out = m.copy()
    for centre in range(0, n + step - 1, step):
        first_fit = min(max(0, centre - span // 2), max(0, n - span))
        fit = slice(first_fit, min(n, first_fit + span))
        h = fit_room(m[fit], r[fit], taps)
        start, end = max(0, centre - step), min(n, centre + step)
        if not h.any() or start >= end:
            continue
        first = max(0, start - taps + 1)
        heard = fftconvolve(r[first:end].astype(np.float64), h)[start - first : end - first]
        weight = 1.0 - np.abs(np.arange(start, end) - centre) / step
        out[start:end] -= weight * heard
    return out


def streaming_canceller(rate: int) -> EchoCanceller:
    """A streaming canceller for live use (a picklable factory for the live pass)."""
    return EchoCanceller(rate=rate)
