"""Database failures as the one-sentence errors a guide sees."""

from __future__ import annotations

import functools
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from gim.errors import StoreError

LOW_SPACE = 1 << 20
"""Bytes free below which a failed write is put down to a full disk."""

P = ParamSpec("P")
R = TypeVar("R")


def disk_full(path: Path | None) -> bool:
    """Whether the disk holding ``path`` has (almost) no room left."""
    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < LOW_SPACE
    except OSError:
        return False


def full_disk_error(path: Path | None) -> StoreError:
    """The sentence for a database that cannot be written because the disk is full."""
    where = path.parent if path is not None else "the data folder"
    return StoreError(
        f"The disk holding {where} is full: free some space (your recordings are kept) and "
        "run the command again."
    )


def store_error(path: Path | None, exc: sqlite3.Error) -> StoreError:
    """The one-sentence error a guide sees for a database failure."""
    text = str(exc).lower()
    where = f"The session database {path}" if path else "The session database"
    if "full" in text or (("i/o" in text or "unable to open" in text) and disk_full(path)):
        return full_disk_error(path)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{where} is in use by another program (another gim?): close it and try again."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"{where} is damaged: run `gim sessions rebuild` to set it aside and re-import "
            "the recordings under sessions/ (they are untouched)."
        )
    if "unable to open" in text or "readonly" in text or "i/o" in text:
        return StoreError(
            f"{where} cannot be opened or written ({exc}): make the data folder writable "
            "or choose another with --home or GIM_HOME."
        )
    return StoreError(f"{where} failed ({exc}): run again with --debug and report it.")


def guarded(method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """Turn SQLite's operational failures inside ``method`` into a `StoreError`."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise
            raise store_error(self.path, exc) from exc

    return wrapper
