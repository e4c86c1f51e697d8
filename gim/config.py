"""Settings: where data lives, which devices and model to use, audio latency.

Read from ``<data home>/settings.toml`` when it exists; every field has a default so a
fresh machine works without one.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from gim.errors import GimError, InputError

ENV_HOME = "GIM_HOME"
SETTINGS_FILE = "settings.toml"
DB_FILE = "gim.db"

#: Private permissions for everything gim writes into the data home.
DIR_MODE = 0o700
FILE_MODE = 0o600


@dataclass
class Settings:
    """What a guide can configure; the defaults suit a laptop with its built-in devices."""

    home: Path = field(default_factory=lambda: default_home())
    """The data home: database, session audio, the guide's own programs."""
    input_device: str | None = None
    """Microphone by name or index; None for the system default."""
    output_device: str | None = None
    """Speakers by name or index; None for the system default."""
    latency: float = 0.2
    """PortAudio stream latency in seconds (numeric: the default breaks on PulseAudio)."""
    samplerate: int = 48000
    """Session sample rate in Hz."""
    engine: str = "faster-whisper"
    """Whisper engine: faster-whisper or openai-whisper."""
    model: str = "bundled"
    """Whisper model of the final pass (and of the live one unless ``live_model`` names
    another): "bundled" (offline tiny.en), a name gim models list shows, or a path."""
    live_model: str = ""
    """Whisper model of the live pass, when it should be smaller (faster) than ``model``."""
    language: str = "en"
    """Fixed transcription language (no auto-detection: it invites hallucination)."""
    guide: str = ""
    """The guide's name or initials for transcript headers, and a new session's guide by
    default: where the guide has enrolled their voice (gim guides enrol), it labels the lines."""
    client_channel: int = 0
    """Input channel carrying the client's microphone."""
    guide_channel: int | None = None
    """Input channel carrying the guide's microphone, if there is one."""
    tags: tuple[str, ...] = (
        "visual",
        "auditory",
        "body",
        "emotional",
        "memory",
        "transpersonal",
    )
    """Imagery tags offered when annotating; editable in settings.toml."""
    paper: str = ""
    """Page size of Word exports: "a4" or "letter"; empty takes it from the locale."""

    def with_devices(self, input_device: str | None, output_device: str | None) -> Settings:
        """These settings with the devices chosen on the command line, where one was given."""
        return replace(
            self,
            input_device=input_device or self.input_device,
            output_device=output_device or self.output_device,
        )

    @property
    def paper_size(self) -> str:
        """ "a4" or "letter": the setting when it names one, else the locale's paper."""
        chosen = self.paper.strip().lower()
        return chosen if chosen in ("a4", "letter") else default_paper()

    @property
    def db_path(self) -> Path:
        """The session database file."""
        return self.home / DB_FILE

    @property
    def sessions_dir(self) -> Path:
        """Where each session's audio lives, one folder per session id."""
        return self.home / "sessions"

    @property
    def programs_dir(self) -> Path:
        """The guide's own program files."""
        return self.home / "programs"

    @property
    def cache_dir(self) -> Path:
        """Generated audio (the demo program) and converted models."""
        return self.home / "cache"


LETTER_TERRITORIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "PR"})
"""Countries whose locales print on US Letter."""


def default_paper() -> str:
    """ "letter" for a US (and a few American) locale, else "a4", from LC_PAPER or LANG."""
    for name in ("LC_ALL", "LC_PAPER", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            territory = value.split(".")[0].split("@")[0].partition("_")[2].upper()
            return "letter" if territory in LETTER_TERRITORIES else "a4"
    return "a4"


def checkout_root() -> Path | None:
    """The source checkout gim runs from, if it runs from one."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "gim").is_dir() and (root / ".git").exists():
        return root
    return None


def default_home() -> Path:
    """``GIM_HOME``, else the checkout's ``recordings/``, else the user data directory."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    if root is not None:
        return root / "recordings"
    from platformdirs import user_data_path

    return user_data_path("gim", appauthor=False)


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` readable by the user alone, and any missing folders above it too.

    ``Path.mkdir(parents=True, mode=...)`` gives the mode to the last folder only, so the
    missing parents are created one by one; folders that already exist above them (``/tmp``,
    the user's home) are left as they are.
    """
    try:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
            folder.chmod(DIR_MODE)
        path.chmod(DIR_MODE)
    except OSError as exc:
        raise GimError(
            f"Cannot write to the data folder {path} ({exc.strerror}): "
            f"choose another with --home or {ENV_HOME}."
        ) from exc
    return path


def write_private_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable by the user alone, whole or not at all (a temporary
    file beside it, then renamed over it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)
    return path


def load_settings(home: Path | None = None) -> Settings:
    """Settings for ``home`` (or the default data home), read from its settings.toml."""
    settings = Settings(home=home) if home is not None else Settings()
    path = settings.home / SETTINGS_FILE
    if not path.is_file():
        return settings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(
            f"The settings file {path} cannot be read ({exc}): fix or remove it."
        ) from exc
    known = {f.name for f in fields(Settings)} - {"home"}
    for key, value in data.items():
        if key not in known:
            raise InputError(
                f"The settings file {path} has an unknown setting {key!r}: "
                f"use one of {', '.join(sorted(known))}."
            )
        expected = type(getattr(settings, key))
        if key == "tags" and isinstance(value, list):
            value = tuple(str(v) for v in value)
        current = getattr(settings, key)
        widening = expected is float and isinstance(value, int)
        if current is not None and not isinstance(value, expected) and not widening:
            raise InputError(f"The setting {key!r} in {path} should be a {expected.__name__}.")
        setattr(settings, key, value)
    _check_ranges(settings, path)
    return settings


RANGES: dict[str, tuple[float, float, str]] = {
    "latency": (0.005, 2.0, "seconds"),
    "samplerate": (8000, 192000, "Hz"),
    "client_channel": (0, 63, ""),
    "guide_channel": (0, 63, ""),
}
"""The numbers a settings file may hold, each from its low to its high value (inclusive)."""


def _check_ranges(settings: Settings, path: Path) -> None:
    """One sentence for a number in settings.toml that is not finite or out of range."""
    for key, (low, high, unit) in RANGES.items():
        value = getattr(settings, key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"The setting {key!r} in {path} should be a number.")
        if not math.isfinite(value) or not low <= value <= high:
            where = f"{low:g} to {high:g}" + (f" {unit}" if unit else "")
            raise InputError(f"The setting {key!r} in {path} should be from {where}, not {value}.")
