"""Device choice and the one-sentence errors of the real-device backend."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from gim.audio.devices import import_sounddevice, parse_device
from gim.errors import AudioError


def test_device_settings_take_an_index_or_a_name() -> None:
    assert parse_device("3") == 3
    assert parse_device(" pulse ") == "pulse"
    assert parse_device("") is None
    assert parse_device(None) is None


def test_missing_portaudio_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def fake(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(AudioError, match="install libportaudio2"):
        import_sounddevice()
