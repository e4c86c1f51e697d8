"""Database failures as the one-sentence errors a guide sees."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from gim.errors import StoreError

P = ParamSpec("P")
R = TypeVar("R")


def store_error(path: Path | None, exc: sqlite3.Error) -> StoreError:
    """The one-sentence error a guide sees for a database failure."""
    text = str(exc).lower()
    where = f"The session database {path}" if path else "The session database"
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{where} is in use by another program (another gim?): close it and try again."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"{where} is damaged: restore it from a backup or move it aside; your "
            "recordings under sessions/ are untouched."
        )
    if "full" in text:
        return StoreError(f"The disk holding {path or 'the database'} is full: free space.")
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
