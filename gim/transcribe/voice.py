"""Speaker embeddings: who is speaking in a stretch of 16 kHz audio, as a unit vector.

The model is Resemblyzer's GE2E voice encoder (Wan et al. 2018; weights from the
``resemblyzer`` wheel, read by ``voice_weights``): 40 mel bands every 10 ms into three
LSTM layers of 256, the last hidden state through a linear layer and a ReLU, normalised.
Two stretches of the same voice give a cosine similarity near 0.8-0.9, two voices near
0.5-0.7 (bench/speaker_eer.py measures it on our recordings). The forward pass is numpy,
so the base install needs no torch (bench/speaker_eer.py has the set-up and memory figures).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import numpy as np

from gim.transcribe.voice_weights import load_state, weights_path

RATE = 16000
"""Sample rate the model expects."""
DIM = 256
"""Numbers in an embedding."""
HOP = 160
"""Samples per mel frame (10 ms)."""
_N_FFT = 400  # 25 ms window
_N_MELS = 40
_LEVEL_DBFS = -30.0  # the level the model was trained at
_lock = threading.Lock()


@cache
def _mel_filters() -> np.ndarray:
    """librosa's default mel filterbank (Slaney scale and area norm), 40 x 201."""
    f_sp, min_log_hz, min_log_mel = 200.0 / 3, 1000.0, 15.0
    logstep = np.log(6.4) / 27.0

    def to_mel(hz: np.ndarray) -> np.ndarray:
        mel = hz / f_sp
        high = hz >= min_log_hz
        mel[high] = min_log_mel + np.log(hz[high] / min_log_hz) / logstep
        return mel

    def to_hz(mel: np.ndarray) -> np.ndarray:
        hz = f_sp * mel
        high = mel >= min_log_mel
        hz[high] = min_log_hz * np.exp(logstep * (mel[high] - min_log_mel))
        return hz

    bins = np.linspace(0, RATE / 2, 1 + _N_FFT // 2)
    edges = to_hz(np.linspace(0.0, to_mel(np.array([RATE / 2.0]))[0], _N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """Mel power frames (n, 40) of 16 kHz ``audio``, as librosa's melspectrogram gives them.

    The stretch is brought to the training level first (the features are not logarithmic,
    so a quiet voice would otherwise look like another voice).
    """
    x = np.asarray(audio, dtype=np.float32)
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if len(x) else 0.0
    if rms > 1e-6:
        x = x * (10 ** (_LEVEL_DBFS / 20) / rms)
    x = np.pad(x, _N_FFT // 2)
    n = 1 + (len(x) - _N_FFT) // HOP
    idx = np.arange(_N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    window = np.hanning(_N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann
    spectrum = np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2
    return (spectrum @ _mel_filters().T).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class VoiceEncoder:
    """The GE2E encoder's forward pass in numpy."""

    def __init__(self, state: dict[str, np.ndarray]) -> None:
        self._layers = [
            (
                state[f"lstm.weight_ih_l{k}"].T.copy(),
                state[f"lstm.weight_hh_l{k}"].T.copy(),
                state[f"lstm.bias_ih_l{k}"] + state[f"lstm.bias_hh_l{k}"],
            )
            for k in range(3)
        ]
        self._linear = (state["linear.weight"].T.copy(), state["linear.bias"])

    def forward(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings (batch, 256) of mel frames (batch, frames, 40) of one length."""
        x = mels.astype(np.float32)
        batch, frames, _ = x.shape
        for w_ih, w_hh, bias in self._layers:
            hidden = w_hh.shape[0]
            gates_in = x @ w_ih + bias
            h = np.zeros((batch, hidden), np.float32)
            c = np.zeros((batch, hidden), np.float32)
            out = np.empty((batch, frames, hidden), np.float32)
            for t in range(frames):
                g = gates_in[:, t] + h @ w_hh
                i, f = _sigmoid(g[:, :hidden]), _sigmoid(g[:, hidden : 2 * hidden])
                cand, o = np.tanh(g[:, 2 * hidden : 3 * hidden]), _sigmoid(g[:, 3 * hidden :])
                c = f * c + i * cand
                h = o * np.tanh(c)
                out[:, t] = h
            x = out
        raw = np.maximum(x[:, -1] @ self._linear[0] + self._linear[1], 0.0)
        return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9)

    def embed_stretches(self, stretches: Sequence[np.ndarray]) -> np.ndarray:
        """One unit embedding per stretch of 16 kHz audio (each at least 0.3 s), (n, 256).

        Stretches of one length run as one batch (the windows of a recording mostly are).
        """
        with one_blas_thread():
            return self._embed_stretches(stretches)

    def _embed_stretches(self, stretches: Sequence[np.ndarray]) -> np.ndarray:
        out = np.zeros((len(stretches), DIM), np.float32)
        by_length: dict[int, list[int]] = {}
        mels = [mel_frames(s) for s in stretches]
        for n, m in enumerate(mels):
            by_length.setdefault(len(m), []).append(n)
        for members in by_length.values():
            for start in range(0, len(members), 256):
                part = members[start : start + 256]
                out[part] = self.forward(np.stack([mels[n] for n in part]))
        return out

    def embed(self, audio: np.ndarray, window: float = 1.6, hop: float = 0.8) -> np.ndarray:
        """One unit embedding of a whole recording: the mean of its windows' embeddings."""
        size, step = int(window * RATE), int(hop * RATE)
        starts = range(0, max(1, len(audio) - size + step), step)
        parts = [audio[s : s + size] for s in starts if len(audio[s : s + size]) >= RATE // 3]
        if not parts:
            parts = [audio]
        mean = self.embed_stretches(parts).mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-9)


@cache
def _openblas() -> tuple[Any, Any] | None:
    """numpy's OpenBLAS thread count (get, set), or None when numpy has another BLAS."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            path = next((line.split()[-1] for line in maps if "openblas" in line), None)
        lib = ctypes.CDLL(path) if path else None
    except OSError:
        return None
    for get, put in (
        ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
        ("openblas_get_num_threads", "openblas_set_num_threads"),
    ):
        if lib is not None and hasattr(lib, get) and hasattr(lib, put):
            return getattr(lib, get), getattr(lib, put)
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's matrix products on one thread meanwhile. The encoder's are small (a batch of
    windows by 256 x 1024, 100 steps a window): on OpenBLAS's two threads they took 15 times
    the CPU (0.13 s against 2.1 s for a 3 s line on a loaded machine), the threads spinning."""
    found = _openblas()
    if found is None:
        yield
        return
    get, put = found
    before = int(get())
    put(1)
    try:
        yield
    finally:
        put(before)


_encoder: VoiceEncoder | None = None


def load_encoder() -> VoiceEncoder:
    """The encoder, read once per process (about 0.1 s; 17 MB of weights).

    Raises:
        TranscriptionError: when the model's package is not installed or unreadable.
    """
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = VoiceEncoder(load_state(weights_path()))
        return _encoder
