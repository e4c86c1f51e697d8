"""A disk that fills: a file object for libsndfile's virtual I/O that runs out of room."""

from __future__ import annotations

import errno
from typing import Any


class FullAfter:
    """A file object that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, raw: Any, room: int) -> None:
        self.raw = raw
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return int(self.raw.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)
