"""Command: ``gim transcribe AUDIO``, a recording made elsewhere (see DESIGN.md's contract)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gim.cli.context import Context
from gim.cli.params import seconds
from gim.core.program import Program
from gim.core.session import Segment, Speaker
from gim.errors import InputError

if TYPE_CHECKING:
    from gim.config import Settings

FORMATS = ("json", "txt", "srt", "vtt")


def load_program(ctx: Context, name: str) -> Program:
    """A program by slug or file, through the program library."""
    from gim.library.programs import ProgramLibrary

    return ProgramLibrary(ctx.settings).get(name)


def render(segments: list[Segment], fmt: str, program: Program | None = None) -> str:
    """The transcript in ``fmt``: json (the contract), txt, srt or vtt.

    With a ``program``, txt has a heading wherever the lines move to another piece:
    the piece, and where in AUDIO it started.
    """
    from gim.export.subtitles import timestamp

    if fmt == "json":
        keys: tuple[str, ...] = ("start", "end", "text", "speaker", "speaker_confidence")
        keys += ("flagged", "piece", "piece_offset")
        rows: list[dict[str, Any]] = []
        for s in segments:
            row = {k: s.to_dict()[k] for k in keys}
            row["flag_reason"] = s.flag_reason
            row["words"] = [
                {"start": w.start, "end": w.end, "text": w.text, "probability": w.probability}
                for w in s.words
            ]
            rows.append(row)
        return json.dumps({"segments": rows}, indent=2, ensure_ascii=False) + "\n"
    lines: list[str] = ["WEBVTT", ""] if fmt == "vtt" else []
    piece: int | None = None
    for n, s in enumerate(segments, 1):
        text = ("G: " if s.speaker is Speaker.GUIDE else "") + s.text
        if s.flagged:
            text += " [?]"
        if fmt == "txt" and program is not None and s.piece is not None and s.piece != piece:
            piece = s.piece
            began = timestamp(max(0.0, s.start - (s.piece_offset or 0.0)), ".")[:-4]
            title = program.pieces[piece].title if piece < len(program.pieces) else "?"
            lines += ([""] if lines else []) + [f"♪ {piece + 1}. {title} (from {began})"]
        if fmt == "txt":
            lines.append(f"[{timestamp(s.start, '.')[:-4]}] {text}")
        elif fmt == "srt":
            lines += [str(n), f"{timestamp(s.start, ',')} --> {timestamp(s.end, ',')}", text, ""]
        else:
            lines += [f"{timestamp(s.start, '.')} --> {timestamp(s.end, '.')}", text, ""]
    return "\n".join(lines) + ("\n" if lines else "")


@click.command("transcribe")
@click.argument("audio", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--reference",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The audio that was played into the room (removed before transcribing).",
)
@click.option("--program", "program_name", help="Link lines to this program's pieces (slug/file).")
@click.option(
    "--program-start",
    type=seconds(0),
    default=0.0,
    show_default=True,
    help="Seconds into AUDIO where the program started.",
)
@click.option(
    "--engine",
    type=click.Choice(["faster-whisper", "openai-whisper"]),
    help="Whisper engine (default: from settings).",
)
@click.option("--model", help="A name gim models list shows (bundled, base, ...) or a model path.")
@click.option("--language", help="ISO code of the language spoken (default: from settings).")
@click.option(
    "--guide-voice",
    "guide_voice",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A recording of the guide alone (repeat for more): label lines guide or client.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="txt", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here.")
@click.pass_obj
def transcribe(
    ctx: Context,
    audio: Path,
    reference: Path | None,
    program_name: str | None,
    program_start: float,
    fmt: str,
    output: Path | None,
    **how: Any,
) -> None:
    """Transcribe a recording; with --reference, remove the music that was played first."""
    from gim.passes.offline import RoomRecording, transcribe_file

    if program_start < 0:
        raise InputError("--program-start must be zero or more seconds.")
    program = load_program(ctx, program_name) if program_name else None
    settings = ctx.settings
    engine, model, chosen, voices = _how(settings, **how)
    piece_files: tuple[Path | None, ...] | None = None
    if program is not None and reference is not None:
        from gim.library.programs import ProgramLibrary

        # Pieces linked to files are found in the reference by their sound.
        piece_files = tuple(ProgramLibrary(settings).linked_files(program))
    recording = RoomRecording(audio, reference, program, program_start, piece_files)
    segments = transcribe_file(
        recording,
        engine,
        model,
        language=chosen,
        cache_dir=settings.cache_dir / "models",
        voices=voices,
    )
    text = render(segments, fmt, program)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
        output.chmod(0o600)
    except OSError as exc:
        raise InputError(f"Cannot write {output} ({exc.strerror}): choose another -o.") from exc


def _how(
    settings: Settings,
    *,
    engine: str | None,
    model: str | None,
    language: str | None,
    guide_voice: tuple[Path, ...],
) -> tuple[str, str, str, Any]:
    """The engine, the model and the language to transcribe with (the options, else the
    settings), checked: the language is one gim knows and the model can hear it; and the
    guide's voice profile (None without ``guide_voice`` files)."""
    from gim.core.languages import check_language
    from gim.transcribe.models import check_model_language

    chosen = check_language(language or settings.language)
    check_model_language(model or settings.model, chosen, settings.home)
    return engine or settings.engine, model or settings.model, chosen, _voices(guide_voice)


def _voices(files: tuple[Path, ...]) -> Any:
    """The guide's profile from ``files`` (None without files: lines stay the client's)."""
    from gim.passes.voices import VoiceSource, profile_from_files

    if not files:
        return None
    for f in files:
        if not f.is_file():
            raise InputError(f"--guide-voice {f} is not a file.")
    return VoiceSource(profile_from_files(list(files))[0], None)


COMMANDS: list[click.Command] = [transcribe]
