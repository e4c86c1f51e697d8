"""Files libsndfile writes into through Python: private, and a full disk kept as an OSError.

Shared by the chunk writer, the end's join and the file joined as the session records
(`gim.audio.writer`, `gim.audio.joining`).
"""

from __future__ import annotations

import errno
import os
from typing import Any

SUBTYPE = "PCM_16"
"""The recordings' sample format (FLAC, 16-bit)."""


def private(path: str, flags: int) -> int:
    """An ``opener`` for `open`: the file is created 0600."""
    return os.open(path, flags, 0o600)


class Sink:
    """A file for libsndfile's virtual I/O that keeps a write failure instead of letting it
    escape the C callback (where Python prints it as "Exception ignored") and raises it after.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.failure: OSError | None = None

    def write(self, data: bytes) -> int:
        if self.failure is not None:
            return 0
        try:
            return int(self._raw.write(data))
        except OSError as exc:
            self.failure = exc
            return 0
        except ValueError as exc:  # closed under it (a file collected at exit): no noise
            self.failure = OSError(errno.EBADF, str(exc))
            return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return int(self._raw.seek(offset, whence))
        except ValueError:  # closed (see write)
            return 0

    def tell(self) -> int:
        try:
            return int(self._raw.tell())
        except ValueError:  # closed (see write)
            return 0

    def raise_failure(self) -> None:
        """Raise the OSError a write met, if one did (ENOSPC on a full disk)."""
        if self.failure is not None:
            raise self.failure

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)
