"""Guides' voice profiles: biometric data, kept in the data home only.

One file per guide, ``<data home>/guides/<slug>.json`` (0600, folder 0700): the guide's
name, the profile (a unit speaker embedding), how many seconds of speech and files made it,
and when. Nothing else in gim reads this folder: no export, packet or client copy carries
a voice profile.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from gim.config import ensure_private_dir, write_private_text
from gim.errors import InputError, NotFoundError

FOLDER = "guides"


@dataclass
class VoiceProfile:
    """A guide's enrolled voice."""

    name: str
    embedding: np.ndarray
    seconds: float
    """Seconds of speech it was made from."""
    files: int
    enrolled_at: str


def slug(name: str) -> str:
    """The file name for a guide's ``name`` (letters, digits and dashes).

    Raises:
        InputError: for a name with no letter or digit.
    """
    out = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not out:
        raise InputError(f"{name!r} is not a guide's name: use letters or digits.")
    return out


class VoiceProfiles:
    """The voice profiles in one data home."""

    def __init__(self, home: Path) -> None:
        self.folder = home / FOLDER

    def path(self, name: str) -> Path:
        """Where ``name``'s profile is (or would be) kept."""
        return self.folder / f"{slug(name)}.json"

    def save(self, profile: VoiceProfile) -> Path:
        """Keep ``profile`` (replacing an earlier one of the same guide), private."""
        ensure_private_dir(self.folder)
        data = {
            "name": profile.name,
            "embedding": [round(float(v), 6) for v in profile.embedding],
            "seconds": round(profile.seconds, 1),
            "files": profile.files,
            "enrolled_at": profile.enrolled_at,
        }
        return write_private_text(self.path(profile.name), json.dumps(data) + "\n")

    def get(self, name: str) -> VoiceProfile | None:
        """``name``'s profile, or None when the guide is not enrolled."""
        path = self.path(name)
        if not path.is_file():
            return None
        return _read(path)

    def load(self, name: str) -> VoiceProfile:
        """``name``'s profile.

        Raises:
            NotFoundError: when the guide is not enrolled.
        """
        found = self.get(name)
        if found is None:
            raise NotFoundError(
                f"No voice profile for {name!r}: enrol it with gim guides enrol {name} FILE..."
            )
        return found

    def all(self) -> list[VoiceProfile]:
        """Every enrolled guide, by name."""
        if not self.folder.is_dir():
            return []
        return sorted((_read(p) for p in self.folder.glob("*.json")), key=lambda p: p.name)

    def forget(self, name: str) -> bool:
        """Delete ``name``'s profile; whether there was one."""
        path = self.path(name)
        if not path.is_file():
            return False
        path.unlink()
        return True


def _read(path: Path) -> VoiceProfile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        embedding = np.asarray(data["embedding"], dtype=np.float32)
        return VoiceProfile(
            str(data["name"]),
            embedding,
            float(data["seconds"]),
            int(data["files"]),
            str(data["enrolled_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"The voice profile {path} cannot be read: enrol the guide again."
        ) from exc


def now() -> str:
    """The local time, ISO 8601 to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")
