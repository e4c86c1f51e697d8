"""The process environment gim runs in: nothing phones home, nothing caches outside.

Set when the ``gim`` package is first imported, so it holds in every process gim starts
(the command line, the terminal app, the Whisper child, which multiprocessing starts
with "spawn" and which inherits ``os.environ``) before any library that reads it loads.
Values are forced, not defaulted: a guide's shell must not switch telemetry back on.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

NO_NETWORK = {
    # onnxruntime (Silero VAD in faster-whisper) sends "1DS" telemetry to
    # mobile.events.data.microsoft.com and queues events with a device id in
    # ~/.cache/Microsoft/DeveloperTools; only this variable, read when its runtime
    # environment is created, stops both (disable_telemetry_events() after import
    # still writes the queue).
    "ORT_DISABLE_TELEMETRY": "1",
    # Hugging Face hub (faster-whisper resolves model names through it): never look up
    # or download anything, never send usage.
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    # The common opt-out a few libraries honour.
    "DO_NOT_TRACK": "1",
}
"""Variables that keep third-party libraries off the network."""

CACHE_VARIABLES = ("XDG_CACHE_HOME", "NUMBA_CACHE_DIR", "TORCH_HOME", "HF_HOME", "MPLCONFIGDIR")
"""Where libraries would otherwise keep caches in the user's home folder."""

_SCRATCH = "GIM_SCRATCH_DIR"
"""The scratch folder third-party caches are pointed into."""


def lock_down() -> None:
    """Keep every library off the network and its caches in a private scratch folder.

    The scratch folder is made 0700 in the OS temporary folder by the first gim process
    and removed when that process exits; processes it starts inherit the variables and
    share it.
    """
    os.environ.update(NO_NETWORK)
    scratch = os.environ.get(_SCRATCH)
    if scratch is None or not os.path.isdir(scratch):
        scratch = tempfile.mkdtemp(prefix="gim-")  # mkdtemp makes it 0700
        os.environ[_SCRATCH] = scratch
        atexit.register(_remove, scratch, os.getpid())
    for name in CACHE_VARIABLES:
        os.environ[name] = os.path.join(scratch, name.lower())


def _remove(scratch: str, owner: int) -> None:
    # A forked child runs the parent's atexit hooks too: only the owner removes the folder.
    if os.getpid() == owner:
        shutil.rmtree(scratch, ignore_errors=True)
