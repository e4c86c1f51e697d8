"""The runner's store thread: the one thread that owns the session's database connection.

A Database belongs to the thread that opened it, so every read and write of a running
session goes through here as a job.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

Job = Callable[[Any], Any]
"""A function of the open store."""


class StoreThread:
    """Runs jobs against one store, in order, on its own thread.

    Args:
        opener: has ``open(path)`` returning a store with ``close()`` (gim.store.db.Store).
        path: the database file.
    """

    def __init__(self, opener: Any, path: Path) -> None:
        self._opener = opener
        self._path = path
        self._jobs: queue.SimpleQueue[tuple[Job, Future[Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="runner-store", daemon=True)

    def start(self) -> None:
        """Open the store on the new thread."""
        self._thread.start()

    def run(self, job: Job, wait: bool = True) -> Any:
        """Run ``job(store)`` on the store thread; its result when ``wait``."""
        future: Future[Any] = Future()
        self._jobs.put((job, future))
        return future.result(timeout=60) if wait else None

    def close(self, timeout: float = 30.0) -> bool:
        """Finish the queued jobs and close the store; whether the thread has ended."""
        self._jobs.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        try:
            store = self._opener.open(self._path)
        except BaseException as exc:
            while (item := self._jobs.get()) is not None:
                item[1].set_exception(exc)
            return
        try:
            while True:
                item = self._jobs.get()
                if item is None:
                    return
                job, future = item
                try:
                    future.set_result(job(store))
                except BaseException as exc:
                    future.set_exception(exc)
        finally:
            store.close()
