"""The pactl watch: a capture stream moved to another source, or a new default source, is
told to the guide once; nothing is said while nothing changes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gim.runner import source_watch
from gim.runner.source_watch import SourceWatch


def feed(monkeypatch: pytest.MonkeyPatch, captures: list[list[str]], defaults: list[str]) -> None:
    def take(values: Iterator[object], last: list[object]) -> object:
        last[0] = next(values, last[0])
        return last[0]

    cap_it, def_it = iter(captures), iter(defaults)
    cap_last: list[object] = [captures[0]]
    def_last: list[object] = [defaults[0]]
    monkeypatch.setattr(source_watch, "capture_sources", lambda pid: take(cap_it, cap_last))
    monkeypatch.setattr(source_watch, "default_source", lambda: take(def_it, def_last))


def run(every: float = 0.01, seconds: float = 0.3) -> list[str]:
    told: list[str] = []
    watch = SourceWatch(told.append, every=every)
    watch.start()
    time.sleep(seconds)
    watch.stop()
    return told


def test_a_moved_stream_is_told_once(monkeypatch: pytest.MonkeyPatch) -> None:
    feed(monkeypatch, [["mic_a"], ["mic_a"], ["mic_b"], ["mic_b"]], ["mic_a"] * 3 + ["mic_b"])
    told = run()
    assert len(told) == 1
    assert "moved from mic_a to mic_b" in told[0]


def test_a_new_default_source_is_told_when_gim_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    feed(monkeypatch, [["mic_a"]], ["mic_a", "mic_a", "usb_mic"])
    told = run()
    assert told == [
        "The system's default input changed from mic_a to usb_mic; gim keeps recording from mic_a."
    ]


def test_nothing_changes_nothing_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    feed(monkeypatch, [["mic_a"]], ["mic_a"])
    assert run() == []


def test_capture_sources_reads_pactl(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = (
        "Source Output #7\n\tDriver: protocol-native.c\n\tSource: 3\n\tProperties:\n"
        '\t\tapplication.process.id = "4242"\n'
        "Source Output #9\n\tSource: 1\n\tProperties:\n"
        '\t\tapplication.process.id = "99"\n'
    )
    short = "1\tgim.monitor\tmodule-null-sink.c\n3\tusb_mic\tmodule-alsa-card.c\n"
    answers = {("list", "source-outputs"): listing, ("list", "short", "sources"): short}
    monkeypatch.setattr(source_watch, "_pactl", lambda *args: answers.get(args))
    assert source_watch.capture_sources(4242) == ["usb_mic"]
    assert source_watch.capture_sources(1) == []
