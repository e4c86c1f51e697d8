"""Settings and the private data home."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gim.config import ensure_private_dir, load_settings
from gim.errors import InputError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_folder_created_is_private_but_existing_ones_are_left_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    deep = tmp_path / "home" / "sessions" / "s1" / "mic"
    ensure_private_dir(deep)
    for folder in (deep, *list(deep.parents)[:3]):
        assert mode(folder) == 0o700, folder
    assert mode(tmp_path) == 0o755


def test_settings_file_is_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('latency = 0.3\nguide = "AB"\ntags = ["visual"]\n')
    settings = load_settings(tmp_path)
    assert (settings.latency, settings.guide, settings.tags) == (0.3, "AB", ("visual",))
    (tmp_path / "settings.toml").write_text("latncy = 0.3\n")
    with pytest.raises(InputError, match="unknown setting"):
        load_settings(tmp_path)
    (tmp_path / "settings.toml").write_text('latency = "fast"\n')
    with pytest.raises(InputError, match="should be a float"):
        load_settings(tmp_path)


def test_devices_given_on_the_command_line_win_over_settings(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('input_device = "USB mic"\n')
    settings = load_settings(tmp_path)
    assert settings.with_devices(None, "2").input_device == "USB mic"
    assert settings.with_devices("3", None).input_device == "3"
    assert settings.with_devices(None, "2").output_device == "2"


def test_paper_comes_from_the_setting_or_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    from gim.config import Settings, default_paper

    for name in ("LC_ALL", "LC_PAPER", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert default_paper() == "a4"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert default_paper() == "letter" and Settings().paper_size == "letter"
    monkeypatch.setenv("LC_PAPER", "de_DE.UTF-8")
    assert default_paper() == "a4"
    assert Settings(paper="Letter").paper_size == "letter"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("latency = nan", "'latency'.*from 0.005 to 2 seconds, not nan"),
        ("latency = inf", "not inf"),
        ("latency = 0", "not 0"),
        ("samplerate = 10", "'samplerate'.*8000 to 192000 Hz"),
        ("client_channel = -1", "'client_channel'"),
        ("guide_channel = 1000", "'guide_channel'"),
        ('guide_channel = "left"', "'guide_channel'.*should be a number"),
    ],
)
def test_numbers_in_the_settings_file_are_finite_and_in_range(
    tmp_path: Path, line: str, words: str
) -> None:
    (tmp_path / "settings.toml").write_text(line + "\n")
    with pytest.raises(InputError, match=words):
        load_settings(tmp_path)
