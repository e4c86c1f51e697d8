"""The process environment gim runs in: nothing phones home, nothing caches outside.

Set when the ``gim`` package is first imported, so it holds in every process gim starts
(the command line, the terminal app, the Whisper child, which multiprocessing starts
with "spawn" and which inherits ``os.environ``) before any library that reads it loads.
Values are forced, not defaulted: a guide's shell must not switch telemetry back on.
"""

from __future__ import annotations

import os
from pathlib import Path

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

CACHE_VARIABLES = ("XDG_CACHE_HOME", "NUMBA_CACHE_DIR", "TORCH_HOME", "MPLCONFIGDIR")
"""Where libraries would otherwise keep caches in the user's home folder. HF_HOME stays:
offline, the hub only reads models a guide fetched before, and writes nothing."""

LIBRARY_CACHE = "libraries"
"""Folder in the data home's cache that third-party caches are pointed into."""


def lock_down(cache_dir: Path | None = None) -> None:
    """Keep every library off the network and its caches inside the data home.

    Args:
        cache_dir: The data home's cache folder; None for the default data home's (the
            command line calls again once ``--home`` is known). Nothing is created: a
            library that insists on a cache makes its folder there.
    """
    os.environ.update(NO_NETWORK)
    if cache_dir is None:
        from gim.config import Settings

        cache_dir = Settings().cache_dir
    for name in CACHE_VARIABLES:
        os.environ[name] = str(cache_dir / LIBRARY_CACHE / name.lower())
