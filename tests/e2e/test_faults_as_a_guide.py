"""Faults a guide can meet, as a guide meets them: real processes, a real (small) filesystem,
a real database file. Each case asserts what is printed (one sentence, no traceback), the
exit status, and that every recorded second is still there."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import soundfile

from gim.audio.synth import ensure_demo_audio
from gim.config import Settings
from gim.store.db import Store
from tests.support.headless import first_mic_chunk, gim_env, run_gim, start_session


def gim(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return run_gim(*args, env=gim_env(home), timeout=timeout)


def sentences(result: subprocess.CompletedProcess[str]) -> list[str]:
    """stderr's lines, each a gim sentence; never a traceback or a C library's line."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for line in lines:
        assert line.startswith("gim: "), result.stderr
    return lines


def one_sentence(result: subprocess.CompletedProcess[str], status: int) -> str:
    assert result.returncode == status, result.stderr
    lines = sentences(result)
    assert len(lines) == 1, result.stderr
    return lines[0]


def headless(home: Path, program: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``gim session run --program PROGRAM --client c --headless EXTRA...``."""
    return gim(home, "session", "run", "--program", program, "--client", "c", "--headless", *extra)


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo program's audio, rendered once (copied into each small disk)."""
    home = tmp_path_factory.mktemp("demo-cache")
    ensure_demo_audio(Settings(home=home))
    return home / "cache"


@contextlib.contextmanager
def tmpfs(mount: Path, size: str) -> Iterator[Path]:
    """A private tmpfs of ``size`` mounted at ``mount`` (made here); unmounted after."""
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path, demo_cache: Path) -> Iterator[Path]:
    """A private 128 MB tmpfs holding a data home with the demo audio; unmounted after."""
    with tmpfs(tmp_path / "disk", "128m") as mount:
        home = mount / "home"
        home.mkdir(mode=0o700)
        shutil.copytree(demo_cache, home / "cache")
        yield home


def fill(home: Path, leave: int) -> Path:
    """Take all but ``leave`` bytes of the disk under ``home``; the filler file."""
    filler = home.parent / "filler"
    free = shutil.disk_usage(home).free
    if free > leave:
        with open(filler, "ab") as handle:
            os.posix_fallocate(handle.fileno(), 0, free - leave)
    return filler


def fill_up(home: Path) -> None:
    """Take the last bytes too (fallocate leaves none for a write of any size)."""
    with contextlib.suppress(OSError), open(home.parent / "last", "ab") as handle:
        while True:
            handle.write(b"\0" * 4096)
            handle.flush()


def listed(home: Path) -> list[dict[str, object]]:
    result = gim(home, "sessions", "list", "--json")
    assert result.returncode == 0, result.stderr
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


@pytest.mark.slow
def test_disk_full_mid_session_stops_cleanly_and_keeps_every_second(small_disk: Path) -> None:
    home = small_disk
    filler = fill(home, 30 * 2**20)  # about three minutes of the demo session
    result = gim(home, "demo", "--headless", "--no-transcribe")
    assert result.returncode == 1, result.stderr
    lines = sentences(result)
    assert any("The disk cannot take more audio" in line for line in lines)
    assert any("room for" in line and "more of recording" in line for line in lines), lines
    assert "ended early because the disk is full" in lines[-1]
    warned = next(i for i, line in enumerate(lines) if "room for" in line)
    stopped = next(i for i, line in enumerate(lines) if "cannot take more audio" in line)
    assert warned < stopped  # warned live, before the end
    [session] = listed(home)
    assert session["status"] in ("complete", "recovered")  # at once, not "recording"
    seconds = float(session["audio_seconds"])  # type: ignore[arg-type]
    assert seconds > 60
    folder = home / "sessions" / str(session["id"])
    assert not list(folder.glob("**/*.part"))
    # Space comes back: the next command joins the pieces; not one second is lost.
    filler.unlink()
    result = gim(home, "sessions", "list")
    assert result.returncode == 0, result.stderr
    sentences(result)
    info = soundfile.info(str(folder / "mic.flac"))
    assert abs(info.frames / info.samplerate - seconds) < 1.0
    assert not (folder / "audio.pending").exists()
    assert not list(home.glob("sessions/.reserve-*"))


@pytest.mark.audio
@pytest.mark.slow
def test_a_30mb_disk_filling_during_a_session_says_one_sentence(
    tmp_path: Path, demo_cache: Path, sink_env: dict[str, str]
) -> None:
    """Issue 22: a session on the real devices fills a 30 MB disk. stderr is gim's lines
    only (no "Exception ignored", no traceback), the full disk is said once, and every
    second recorded before it is in the joined file."""
    with tmpfs(tmp_path / "disk", "30m") as mount:
        home = mount / "home"
        home.mkdir(mode=0o700)
        shutil.copytree(demo_cache, home / "cache")  # the program's audio: ~18 MB of 30
        result = run_gim(
            *("session", "run", "--program", "demo", "--client", "c", "--headless"),
            *("--duration", "300"),
            env=gim_env(home, sink_env),
            timeout=400,
        )
        assert result.returncode == 1, result.stderr
        assert "Exception ignored" not in result.stderr
        lines = sentences(result)
        full = [line for line in lines if "cannot take more audio" in line]
        assert len(full) == 1, lines
        assert "ended early because the disk is full" in lines[-1]
        [session] = listed(home)
        seconds = float(session["audio_seconds"])  # type: ignore[arg-type]
        assert seconds > 10
        folder = home / "sessions" / str(session["id"])
        shutil.rmtree(home / "cache")  # space comes back: the next command joins the audio
        sentences(gim(home, "sessions", "list"))
        info = soundfile.info(str(folder / "mic.flac"))
        assert abs(info.frames / info.samplerate - seconds) < 1.0


@pytest.mark.slow
def test_disk_nearly_full_at_start_ends_complete(small_disk: Path) -> None:
    home = small_disk
    fill(home, 12 * 2**20)  # the held-back space is enough to join what fits
    result = gim(home, "demo", "--headless", "--no-transcribe")
    assert result.returncode == 1, result.stderr
    lines = sentences(result)
    assert any("Only" in line and "MB free" in line for line in lines)
    [session] = listed(home)
    assert session["status"] == "complete"
    folder = home / "sessions" / str(session["id"])
    info = soundfile.info(str(folder / "mic.flac"))
    assert info.frames / info.samplerate == pytest.approx(session["audio_seconds"], abs=0.01)


@pytest.mark.slow
def test_every_command_on_a_full_disk_says_one_sentence(small_disk: Path) -> None:
    home = small_disk
    done = gim(home, "demo", "--headless", "--no-transcribe")  # a session to look at
    assert done.returncode == 0, done.stderr
    [session] = listed(home)
    sid = str(session["id"])
    fill(home, 0)
    fill_up(home)
    for args in (
        ("sessions", "list"),
        ("sessions", "show", sid),
        ("search", "river"),
        ("export", sid, "-o", str(home.parent / "out.md")),
        ("session", "run", "--program", "demo", "--client", "c2", "--headless", "--duration", "5"),
        ("demo", "--headless", "--no-transcribe"),
    ):
        line = one_sentence(gim(home, *args), 1)
        assert "is full: free some space" in line, (args, line)
    doctor = gim(home, "doctor")
    assert doctor.returncode == 1
    assert "is full" in doctor.stdout
    assert not list(home.glob(".gim-doctor-*"))


def test_doctor_leaves_no_probe_file(home: Path) -> None:
    gim(home, "doctor")
    assert home.is_dir()
    assert not list(home.glob(".gim-doctor-*"))


@pytest.mark.audio
@pytest.mark.slow
def test_a_live_session_refuses_delete_transcribe_and_export_into(
    home: Path, sink_env: dict[str, str]
) -> None:
    proc = start_session(gim_env(home, sink_env), "live", "--no-transcribe")
    try:
        sid = first_mic_chunk(home, proc).name  # the session is recording
        for args, doing in (
            (("sessions", "delete", sid, "--yes"), "delete"),
            (("sessions", "transcribe", sid), "transcribe"),
            (("export", sid, "-o", str(home / "sessions" / sid / "x.md")), "export into"),
        ):
            line = one_sentence(gim(home, *args), 1)
            assert f"is being recorded right now: end it first, then {doing} it" in line
        assert proc.poll() is None  # still recording
    finally:
        proc.send_signal(2)
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    for line in err.splitlines():  # nothing from ALSA or PortAudio on the terminal
        assert line.startswith("gim: "), err
    [session] = listed(home)
    assert session["status"] == "complete"
    assert float(session["audio_seconds"]) > 1  # type: ignore[arg-type]
    assert (home / "sessions" / sid / "mic.flac").is_file()


@pytest.mark.slow
def test_rebuild_from_an_emptied_or_damaged_database(home: Path) -> None:
    done = gim(home, "demo", "--headless", "--no-transcribe")
    assert done.returncode == 0, done.stderr
    [before] = listed(home)
    sid = str(before["id"])
    shown = json.loads(gim(home, "sessions", "show", sid, "--json").stdout)
    with Store.open(home / "gim.db") as store:
        phases = store.get_session(sid).phases
    assert phases  # the demo moves through phases; they come back from the journal
    (home / "gim.db").write_bytes(b"")  # emptied
    for side in home.glob("gim.db-*"):
        side.unlink()
    result = gim(home, "sessions", "list")
    assert result.returncode == 0
    assert one_sentence(result, 0) == (
        "gim: 1 recording under sessions/ is not in the session database: run "
        "`gim sessions rebuild` to list them again."
    )
    garbage = os.urandom(8192)
    (home / "gim.db").write_bytes(garbage)  # damaged
    line = one_sentence(gim(home, "sessions", "list"), 1)
    assert "is damaged: run `gim sessions rebuild`" in line
    result = gim(home, "sessions", "rebuild", "--no-transcribe")
    assert result.returncode == 0, result.stderr
    assert "set aside as" in one_sentence(result, 0)
    assert f"Re-imported {sid}" in result.stdout
    [aside] = home.glob("gim.db.damaged-*")
    assert aside.read_bytes() == garbage  # never deleted, never changed
    [after] = listed(home)
    assert after["id"] == sid and after["status"] == "recovered"
    assert after["client"] == before["client"] and after["program"] == before["program"]
    assert after["audio_seconds"] == pytest.approx(before["audio_seconds"], abs=0.01)
    again = json.loads(gim(home, "sessions", "show", sid, "--json").stdout)
    assert again["playback"] == shown["playback"]
    with Store.open(home / "gim.db") as store:
        assert store.get_session(sid).phases == phases
    nothing = gim(home, "sessions", "rebuild", "--no-transcribe")
    assert "already listed" in nothing.stdout


def test_concurrent_first_starts_do_not_fail(tmp_path: Path) -> None:
    for attempt in range(4):
        home = tmp_path / f"home{attempt}"
        with ThreadPoolExecutor(6) as pool:
            results = list(
                pool.map(gim, [home] * 6, ["sessions"] * 6, ["list"] * 6, ["--json"] * 6)
            )
        for result in results:
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout) == []
            assert result.stderr == ""


def test_a_program_bomb_is_named_and_skipped(home: Path) -> None:
    programs = home / "programs"
    programs.mkdir(parents=True)
    (programs / "bomb.toml").write_text("a = " + "[" * 1000 + "]" * 1000 + "\n")
    (programs / "huge.toml").write_text("# " + "x" * (300 * 1024) + "\n")
    listing = gim(home, "programs", "list")
    assert listing.returncode == 0
    assert "demo" in listing.stdout
    lines = sentences(listing)
    assert any("bomb.toml nests lists or tables 1000 levels deep" in line for line in lines)
    assert any("huge.toml is 300 KB" in line for line in lines)
    line = one_sentence(gim(home, "programs", "validate", str(programs / "bomb.toml")), 2)
    assert "nests lists or tables" in line
    doctor = gim(home, "doctor")
    assert "Traceback" not in doctor.stdout + doctor.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "1e400", "100000"])
def test_numbers_are_checked_at_the_edge(home: Path, value: str) -> None:
    result = headless(home, "demo", "--duration", value)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Invalid value for '--duration'" in result.stderr
    assert not (home / "sessions").exists() or not list((home / "sessions").iterdir())


def test_bad_input_exit_codes_and_sentences(home: Path, tmp_path: Path) -> None:
    wav = tmp_path / "tone.wav"
    soundfile.write(str(wav), [0.0] * 16000, 16000)
    line = one_sentence(gim(home, "transcribe", str(wav), "--model", "/nonexistent"), 2)
    assert "No Whisper model '/nonexistent'" in line
    line = one_sentence(gim(home, "transcribe", "/dev/null"), 2)
    assert "/dev/null is not an audio file" in line
    fake = tmp_path / "fake.mp3"
    fake.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00" + os.urandom(20000))
    line = one_sentence(gim(home, "transcribe", str(fake)), 2)  # no decoder chatter before it
    assert "cannot be read as audio" in line
    result = gim(home, "transcribe", str(wav), "--program-start", "nan")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = one_sentence(headless(home, "present-moments", "--duration", "5"), 2)
    assert "gim programs link present-moments" in line


@pytest.mark.audio
def test_an_unusable_input_device_is_one_sentence(home: Path, pulse: str) -> None:
    result = headless(home, "demo", "--duration", "5", "--input", "999")
    line = one_sentence(result, 2)
    assert "gim devices" in line and "999" in line
    assert "Error querying" not in line


@pytest.mark.whisper
@pytest.mark.slow
def test_rebuild_transcribes_the_text_the_journal_no_longer_holds(home: Path) -> None:
    done = gim(home, "demo", "--headless", "--no-transcribe")
    assert done.returncode == 0, done.stderr
    [before] = listed(home)
    sid = str(before["id"])
    (home / "gim.db").unlink()  # lost; the completed session's journal holds no text
    for side in home.glob("gim.db-*"):
        side.unlink()
    result = gim(home, "sessions", "rebuild", timeout=900)
    assert result.returncode == 0, result.stderr
    sentences(result)
    assert f"Re-imported {sid}" in result.stdout
    [after] = listed(home)
    assert int(after["segments"]) > 0  # type: ignore[call-overload]
    shown = json.loads(gim(home, "sessions", "show", sid, "--json").stdout)
    assert any(seg["source"] == "final" and seg["text"].strip() for seg in shown["segments"])


def test_a_read_only_data_home_says_one_sentence_and_keeps_everything(tmp_path: Path) -> None:
    """The data folder on a disk mounted read-only (a backup drive, a locked share): every
    command says so in one sentence, and the session stored there is untouched."""
    from test_cli_sessions import seed  # same folder: pytest puts it on sys.path

    with tmpfs(tmp_path / "disk", "16m") as mount:
        home = mount / "home"
        sid = seed(home)
        before = {p.relative_to(home): p.read_bytes() for p in home.rglob("*") if p.is_file()}
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        out = tmp_path / "exports"
        out.mkdir()
        for args in (
            ("sessions", "list"),
            ("sessions", "show", sid),
            ("search", "heron"),
            ("export", sid, "-f", "md", "-o", str(out / "s.md")),
            ("sessions", "delete", sid, "--yes"),
            ("session", "run", "--program", "demo", "--client", "C07", "--headless"),
        ):
            line = one_sentence(gim(home, *args), status=1)
            assert "Read-only file system" in line or "read-only" in line, (args, line)
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
        after = {p.relative_to(home): p.read_bytes() for p in home.rglob("*") if p.is_file()}
        assert after == before
        shown = json.loads(gim(home, "sessions", "show", sid, "--json").stdout)
        assert shown["segments"][0]["text"] == "a heron stands in the reeds"
