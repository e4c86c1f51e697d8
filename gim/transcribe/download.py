"""``gim models get NAME``: the one place gim uses the network, and only when asked.

It asks the model hub (``HF_ENDPOINT``, default huggingface.co) for the files of the
CTranslate2 conversion of a Whisper size, says how much it will download, then fetches
each file into ``<data home>/models/<name>/``: into a ``.part`` file first, resumed with an
HTTP Range request when an earlier try stopped, checked against the size and hash the hub
lists (sha256 for large files, the git blob hash for small ones) and renamed into place
only when it matches. A folder that then holds a valid model is registered.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gim.errors import GimError, InputError

DEFAULT_ENDPOINT = "https://huggingface.co"
WANTED = ("config.json", "preprocessor_config.json", "model.bin", "tokenizer.json")
"""The files faster-whisper needs (plus ``vocabulary.*``)."""
CHUNK = 1 << 16
TIMEOUT = 30.0

Progress = Callable[[int], None]
"""Called with the bytes just received."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a model repository as the hub lists it."""

    path: str
    size: int
    sha256: str | None
    """For files kept in large-file storage."""
    git_sha1: str | None
    """The git blob hash, for small files."""


@dataclass(frozen=True)
class Plan:
    """What ``get`` will download, announced before it starts."""

    name: str
    repo: str
    endpoint: str
    files: tuple[RemoteFile, ...]

    @property
    def size(self) -> int:
        """Bytes in all."""
        return sum(f.size for f in self.files)


def endpoint() -> str:
    """The hub's address: ``HF_ENDPOINT`` when set (a mirror, or a test's local server)."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def repository(name: str) -> str:
    """The hub repository holding the CTranslate2 conversion of ``name``.

    Raises:
        InputError: for a name that is neither a known size nor ``owner/repository``.
    """
    if "/" in name:
        return name
    from faster_whisper.utils import _MODELS

    known: dict[str, str] = dict(_MODELS)
    if name not in known:
        raise InputError(
            f"No Whisper model {name!r} to fetch: give one of {', '.join(known)}, or a "
            "hub repository as owner/name."
        )
    return known[name]


def plan(name: str) -> Plan:
    """Ask the hub which files ``name`` has and how big they are.

    Raises:
        GimError: when the hub cannot be reached or lists no model files.
    """
    repo = repository(name)
    base = endpoint()
    url = f"{base}/api/models/{quote(repo)}/tree/main"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
            rows: Any = json.load(answer)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        raise GimError(
            f"Cannot reach the model hub at {base} ({_reason(exc)}): check the connection "
            "or set HF_ENDPOINT to a mirror."
        ) from exc
    files = tuple(
        RemoteFile(
            path=row["path"],
            size=int((row.get("lfs") or {}).get("size", row.get("size")) or 0),
            sha256=(row.get("lfs") or {}).get("oid"),
            git_sha1=None if row.get("lfs") else row.get("oid"),
        )
        for row in rows
        if isinstance(row, dict)
        and row.get("type") == "file"
        and (row.get("path") in WANTED or str(row.get("path", "")).startswith("vocabulary."))
    )
    if not any(f.path == "model.bin" for f in files):
        raise GimError(f"{repo} on {base} has no CTranslate2 model.bin: choose another model.")
    return Plan(name, repo, base, files)


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed early"
    return str(exc) or type(exc).__name__


def fetch(plan: Plan, folder: Path, progress: Progress) -> None:
    """Download every file of ``plan`` into ``folder``, resuming and verifying each.

    Raises:
        GimError: when the connection fails (what arrived is kept for the next try) or a
            file does not match its listed size or hash (it is deleted).
    """
    from gim.config import ensure_private_dir

    ensure_private_dir(folder)
    for remote in plan.files:
        target = folder / remote.path
        if target.is_file() and target.stat().st_size == remote.size:
            progress(remote.size)
            continue
        partial = folder / f"{remote.path}.part"
        _download(plan, remote, partial, progress)
        _verify(plan, remote, partial)
        partial.replace(target)


def _download(plan: Plan, remote: RemoteFile, partial: Path, progress: Progress) -> None:
    """Append what is missing of ``remote`` to ``partial`` (a Range request resumes it)."""
    have = partial.stat().st_size if partial.is_file() else 0
    if have > remote.size:
        partial.unlink()
        have = 0
    progress(have)
    if have == remote.size:
        return
    url = f"{plan.endpoint}/{quote(plan.repo)}/resolve/main/{quote(remote.path)}"
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            if have and answer.status != 206:  # the server ignored the Range: start again
                progress(-have)
                have = 0
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "r+b") as out:
                out.seek(have)
                out.truncate()
                while chunk := answer.read(CHUNK):
                    out.write(chunk)
                    progress(len(chunk))
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise GimError(
            f"The download of {remote.path} stopped ({_reason(exc)}): what arrived is kept; "
            f"run gim models get {plan.name} again to resume."
        ) from exc
    if partial.stat().st_size < remote.size:
        raise GimError(
            f"The download of {remote.path} stopped early: what arrived is kept; "
            f"run gim models get {plan.name} again to resume."
        )


def _verify(plan: Plan, remote: RemoteFile, partial: Path) -> None:
    """Refuse (and delete) a file whose size or hash is not the one the hub listed."""
    size = partial.stat().st_size
    digest = hashlib.sha256() if remote.sha256 else hashlib.sha1()
    if not remote.sha256:
        digest.update(f"blob {size}\0".encode())  # git's blob hash
    with partial.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    expected = remote.sha256 or remote.git_sha1
    if size != remote.size or (expected and digest.hexdigest() != expected):
        partial.unlink()
        raise GimError(
            f"The downloaded {remote.path} of {plan.repo} does not match what the hub lists "
            f"(damaged or changed on the way): it was deleted; run gim models get {plan.name} "
            "again."
        )


def discard(folder: Path) -> None:
    """Remove a download folder (``gim models remove`` of a fetched model)."""
    shutil.rmtree(folder, ignore_errors=True)
