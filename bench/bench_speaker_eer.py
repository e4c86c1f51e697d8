"""Speaker models compared by equal error rate on our real voices.

Voices: LJ Speech (one reader) and mfa_disfluent (another) from ../shared/data, the Danish
NST speaker there, and ten LibriSpeech test-other readers from Resemblyzer's repository when
they are in the cache (``~/.cache/gim-bench/librispeech/<speaker>/*.flac``; never committed).
Trials: every pair of recordings (same voice = target), scored by cosine similarity, on
whole recordings and on 1.5 s windows (what a line's label is made from) and 0.8 s windows
(an interjection). The equal error rate is where false accepts equal false rejects.

Candidates: Resemblyzer's GE2E encoder run by gim in numpy (``gim.transcribe.voice``), the
same weights run by torch (Resemblyzer's own network; the figures must agree), and a
model-free anchor (mean and spread of log-mel bands). The ONNX speaker packages on PyPI
(speakeronnx, redimnet2-onnx, wespeaker-unofficial, voice-fingerprint, diarize, vocalid,
anime-speaker-embedding) ship no weights: each downloads them at run time, which gim
cannot do. Then the cost of each runtime: set-up (import + weights) and peak memory, in a
fresh process.

Run: ``python -m bench speaker_eer`` (``--quick``: fewer recordings per voice).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
LIBRI = Path.home() / ".cache" / "gim-bench" / "librispeech"
RATE = 16000
Embedder = Callable[[list[np.ndarray]], np.ndarray]


def voices(per_voice: int) -> dict[str, list[np.ndarray]]:
    """Recordings per voice (16 kHz mono), at most ``per_voice`` each."""
    sys.path.insert(0, str(ROOT))
    from tests.support.roommix import load_audio

    folders = {
        "ljspeech": sorted((SHARED / "speech/ljspeech").glob("*.wav")),
        "mfa_disfluent": sorted((SHARED / "speech/mfa_disfluent").glob("mfa_*.flac")),
        "nst_da": sorted((SHARED / "speech/languages/da").glob("*.flac")),
    }
    if LIBRI.is_dir():
        for d in sorted(p for p in LIBRI.iterdir() if p.is_dir()):
            folders[f"libri_{d.name}"] = sorted(d.glob("*.flac"))
    out = {}
    for name, files in folders.items():
        audio = [load_audio(f) for f in files[:per_voice]]
        out[name] = [a for a in audio if len(a) >= RATE]
    return out


def eer(scores: np.ndarray, same: np.ndarray) -> float:
    """Equal error rate of similarity ``scores`` with ``same`` marking target trials."""
    order = np.argsort(-scores)
    hits = same[order]
    accept_false = np.cumsum(~hits) / max(1, int((~hits).sum()))
    reject_false = 1.0 - np.cumsum(hits) / max(1, int(hits.sum()))
    k = int(np.argmin(np.abs(accept_false - reject_false)))
    return float((accept_false[k] + reject_false[k]) / 2)


def trials(emb: np.ndarray, labels: list[str]) -> float:
    """EER over all pairs of embeddings (rows unit vectors)."""
    sim = emb @ emb.T
    lab = np.array(labels)
    iu = np.triu_indices(len(labels), 1)
    return eer(sim[iu], (lab[:, None] == lab[None, :])[iu])


def stretches(per: dict[str, list[np.ndarray]], window: float | None) -> tuple[list, list]:
    """Whole recordings, or one ``window`` from the middle of each (labels beside)."""
    audio, labels = [], []
    for name, recs in per.items():
        for a in recs:
            if window is not None:
                size = int(window * RATE)
                if len(a) < size:
                    continue
                mid = (len(a) - size) // 2
                a = a[mid : mid + size]
            audio.append(a)
            labels.append(name)
    return audio, labels


def ge2e_numpy(audio: list[np.ndarray]) -> np.ndarray:
    """gim's numpy encoder: whole recordings averaged over windows, short stretches at once."""
    from gim.transcribe.voice import load_encoder

    enc = load_encoder()
    return np.stack(
        [enc.embed(a) if len(a) > 2 * RATE else enc.embed_stretches([a])[0] for a in audio]
    )


def ge2e_torch(audio: list[np.ndarray]) -> np.ndarray:
    """Resemblyzer's own torch network on gim's mel features."""
    import torch

    from gim.transcribe.voice import mel_frames
    from gim.transcribe.voice_weights import weights_path

    state = torch.load(weights_path(), map_location="cpu", weights_only=False)["model_state"]
    lstm, lin = torch.nn.LSTM(40, 256, 3, batch_first=True), torch.nn.Linear(256, 256)
    lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
    lin.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
    out = []
    with torch.no_grad():
        for a in audio:
            size = int(1.6 * RATE) if len(a) > 2 * RATE else len(a)
            step = size // 2
            parts = [a[s : s + size] for s in range(0, max(1, len(a) - size + 1), step)]
            mels = torch.from_numpy(np.stack([mel_frames(p) for p in parts]))
            _, (h, _) = lstm(mels)
            e = torch.relu(lin(h[-1]))
            e = (e / e.norm(dim=1, keepdim=True)).mean(0)
            out.append((e / e.norm()).numpy())
    return np.stack(out)


def logmel_stats(audio: list[np.ndarray]) -> np.ndarray:
    """The anchor: mean and spread of log-mel bands, centred over the set, as a vector."""
    from gim.transcribe.voice import mel_frames

    feats = []
    for a in audio:
        m = np.log(mel_frames(a) + 1e-6)
        feats.append(np.concatenate([m.mean(0), m.std(0)]))
    x = np.array(feats)
    x -= x.mean(0)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


_COST = """
import sys, time
t = time.perf_counter()
if sys.argv[1] == "numpy":
    from gim.transcribe.voice import load_encoder
    load_encoder()
else:
    import torch
    from gim.transcribe.voice_weights import weights_path
    torch.load(weights_path(), map_location="cpu", weights_only=False)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(time.perf_counter() - t, int(hwm) / 1024)
"""


def runtime_cost(kind: str) -> str:
    """Set-up seconds and peak memory of loading the model with ``kind`` in a new process."""
    done = subprocess.run(
        [sys.executable, "-c", _COST, kind], capture_output=True, text=True, check=False
    )
    if done.returncode:
        return f"unavailable ({done.stderr.strip().splitlines()[-1]})"
    secs, mb = (float(v) for v in done.stdout.split())
    return f"set-up {secs:.2f} s, peak {mb:.0f} MB"


def run(quick: bool = False) -> list[tuple[str, str]]:
    """EER per candidate and stretch length, and each runtime's cost."""
    per = voices(8 if quick else 20)
    figures = [("voices", f"{len(per)} ({sum(len(v) for v in per.values())} recordings)")]
    candidates: dict[str, Embedder] = {
        "ge2e numpy (gim)": ge2e_numpy,
        "log-mel stats": logmel_stats,
    }
    try:
        import torch  # noqa: F401

        candidates["ge2e torch (resemblyzer)"] = ge2e_torch
    except ImportError:
        figures.append(("ge2e torch", "torch not installed"))
    for window in (None, 1.5, 0.8):
        audio, labels = stretches(per, window)
        what = "whole" if window is None else f"{window} s"
        for name, embed in candidates.items():
            begun = time.perf_counter()
            emb = embed(audio)
            secs = time.perf_counter() - begun
            figures.append(
                (f"EER {name}, {what}", f"{100 * trials(emb, labels):.1f}% ({secs:.0f} s)")
            )
    figures.append(("cost numpy", runtime_cost("numpy")))
    figures.append(("cost torch", runtime_cost("torch")))
    return figures
