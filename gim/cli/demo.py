"""Commands: demo (a whole short session in the virtual room, no sound card needed)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gim.cli.context import Context

if TYPE_CHECKING:
    from gim.audio.room import Utterance, VirtualRoom
    from gim.config import Settings
    from gim.runner import SessionRunner

DEMO_CLIENT = "demo"
FAST_SPEED = 6.0


def demo_voice(rate: int, voice: Path | None = None) -> list[Utterance]:
    """The demonstration client's utterances, scheduled as ``gim/data/demo_voice.json`` says.

    Args:
        rate: the room's rate.
        voice: another voice file (a JSON index of the same name beside it), for tests.
    """
    import numpy as np
    import soundfile
    import soxr

    from gim.audio.room import Utterance

    audio_path = voice or Path(str(resources.files("gim") / "data" / "demo_voice.flac"))
    index = json.loads(audio_path.with_suffix(".json").read_text(encoding="utf-8"))
    data, file_rate = soundfile.read(str(audio_path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    out = []
    for item in index["utterances"]:
        clip = mono[int(item["start"] * file_rate) : int(item["end"] * file_rate)]
        if file_rate != rate:
            clip = soxr.resample(clip, file_rate, rate)
        out.append(Utterance(float(item["at"]), np.asarray(clip, dtype=np.float32) * 0.8))
    return out


def demo_room(settings: Settings, fast: bool, voice: Path | None = None) -> VirtualRoom:
    """The virtual room of the demo: the music at the microphone with the client's voice."""
    from gim.audio.room import Acoustics, VirtualRoom

    rate = settings.samplerate
    speed = FAST_SPEED if fast else 1.0
    voices = demo_voice(rate, voice)
    return VirtualRoom(
        rate, Acoustics(delay=0.12, level=0.3, reverb=0.25), speed=speed, voice=voices
    )


DEMO_HOME = "demo"
"""The demo's own data home, inside the default one, when no home is asked for."""


@click.command("demo")
@click.option(
    "--headless", is_flag=True, help="No terminal app: print the transcript and a summary."
)
@click.option(
    "--fast/--realtime",
    default=True,
    show_default=True,
    help="Run the virtual room faster than real time.",
)
@click.option("--no-transcribe", is_flag=True, help="Only play and record (no Whisper).")
@click.pass_obj
def demo(ctx: Context, headless: bool, fast: bool, no_transcribe: bool) -> None:
    """A whole short session on the demo program in the virtual room (no sound card)."""
    from gim.library.programs import ProgramLibrary
    from gim.runner import SessionPlan, SessionRunner

    if ctx.home is None:
        # Unless a data home is asked for (--home, GIM_HOME), the demo keeps its session
        # in a home of its own: it never appears among the guide's sessions, clients and
        # search results.
        ctx.use_home(ctx.settings.home / DEMO_HOME)
        click.echo(f"gim: the demo keeps its session apart from yours, in {ctx.home}.", err=True)
    settings = ctx.settings
    ctx.open_store().close()  # the data home exists, interrupted sessions are recovered
    library = ProgramLibrary(settings)
    program = library.get("demo")
    files = library.linked_files(program)

    def make_runner(on_event: Callable[[Any], None]) -> SessionRunner:
        room = demo_room(settings, fast)
        plan = SessionPlan(DEMO_CLIENT, "a safe place", transcribe=not no_transcribe)
        return SessionRunner(settings, program, plan, room=room, files=files, on_event=on_event)

    if not headless:
        from gim.cli import tui

        launch = getattr(tui, "launch_demo", None)
        if launch is None:
            raise click.ClickException("The terminal app is not available: add --headless.")
        launch(ctx, program, make_runner)
        return
    run_demo(make_runner, program.pieces, ctx if not no_transcribe else None)


def run_demo(
    make_runner: Callable[[Callable[[Any], None]], SessionRunner],
    pieces: Any,
    final: Context | None = None,
) -> str:
    """Run the demo headless: transcript lines on stdout as they come, then (with ``final``)
    the final pass over the whole recording, then a summary."""
    from gim.cli.session import run_headless, transcribe_session
    from gim.core.clock import mmss
    from gim.runner.events import SegmentAdded

    def on_event(event: Any) -> None:
        if isinstance(event, SegmentAdded):
            seg = event.segment
            where = ""
            if seg.piece is not None and seg.piece_offset is not None:
                where = f" [piece {seg.piece + 1} at {mmss(seg.piece_offset)}]"
            click.echo(f"{mmss(seg.start)}{where} {seg.text}")

    runner = make_runner(on_event)
    begun = time.monotonic()
    session_id = run_headless(runner, every=10.0, fade=0.0)
    room = runner.room
    if room is not None:
        room.close()
    lines = runner.segments
    if runner.stopped_for_disk:
        from gim.errors import GimError

        raise GimError(
            f"The demo session {session_id} ended early because the disk is full: free some "
            "space and run it again."
        )
    if final is not None:
        lines = transcribe_session(final, session_id)
    wall = time.monotonic() - begun
    played = runner.pieces_played()
    click.echo(
        f"session {session_id}: {lines} transcript lines, pieces played "
        f"{', '.join(str(p + 1) for p in played) or 'none'} of {len(pieces)}, "
        f"{mmss(runner.elapsed)} of session in {mmss(wall)}."
    )
    return session_id


COMMANDS: list[click.Command] = [demo]
