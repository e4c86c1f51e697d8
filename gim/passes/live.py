"""The live pass: a preview transcript while the music plays, in its own process.

The session runner calls `LiveTranscriber.feed` from its capture path with microphone
blocks and the reference aligned to them; `feed` only copies and enqueues. A child
process (spawned, so the model never shares the runner's GIL or memory) resamples to
16 kHz, cancels the reference, finds utterances with VAD, and transcribes each one when
the client pauses. Lines come back through a reader thread in the runner's process,
which calls ``on_segment``. When the child falls behind it skips ahead to the newest
audio and says so once (`gim.passes.live_backlog`): the final pass has what it skipped.
A crash of the child is reported through ``on_warning`` and never blocks the
caller. The music is removed with the streaming echo canceller the transcriber is given
(`gim.audio.echo.streaming_canceller` unless told otherwise); each channel's
`gim.passes.live_stream.UtteranceStream` gets its own.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from gim.audio.echo import streaming_canceller
from gim.config import Settings
from gim.core.session import Segment, Speaker
from gim.passes.live_backlog import MAX_BEHIND, SHED, GuideAlone, Intake
from gim.transcribe.models import model_label

log = logging.getLogger(__name__)


class Canceller(Protocol):
    """A streaming echo canceller (gim.audio.echo.EchoCanceller satisfies it)."""

    def process(self, mic: NDArray[np.floating], reference: NDArray[np.floating]) -> Any:
        """Cleaned frames, as many as are ready."""
        ...

    def flush(self) -> Any:
        """The frames still buffered."""
        ...


CancellerFactory = Callable[[int], Canceller]
"""Makes a streaming echo canceller for a sample rate; picklable (the child calls it)."""
STOPPED = (
    "The live transcription stopped unexpectedly; the recording continues and the "
    "final pass will transcribe it."
)
SegmentCallback = Callable[[Segment], None]
WarningCallback = Callable[[str], None]


@dataclass(frozen=True)
class LiveConfig:
    """What the child process needs (picklable)."""

    rate: int
    engine: str
    model: str
    language: str
    channels: tuple[tuple[int, str], ...]
    """(input channel, speaker) pairs to transcribe."""
    cache_dir: str
    min_silence: float = 0.4
    """Seconds of pause that end an utterance."""
    step: float = 0.25
    """Seconds of new audio between VAD checks."""
    max_behind: float | None = MAX_BEHIND
    """Seconds a block may wait before the live pass skips ahead (None: never)."""
    guide_voice: tuple[float, ...] | None = None
    """The guide's enrolled voice profile: one microphone's lines are labelled by voice
    (`gim.passes.live_voices`)."""


class LiveTranscriber:
    """Transcribes utterances as they end, in a child process; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        rate: int,
        on_segment: SegmentCallback,
        on_warning: WarningCallback | None = None,
        canceller: CancellerFactory | None = streaming_canceller,
        max_behind: float | None = MAX_BEHIND,
        guide_voice: NDArray[np.float32] | None = None,
    ) -> None:
        """Prepare (nothing starts until `start`).

        Args:
            settings: engine, model, language and the speaker channels.
            rate: sample rate of the frames given to `feed`.
            on_segment: called with each preview line (source LIVE), from a background
                thread of this process.
            on_warning: called with one sentence when the live pass fails or restarts,
                or skips ahead because it fell behind (`gim.passes.live_backlog`).
            canceller: a picklable factory ``canceller(rate)`` of a streaming echo
                canceller; None: the microphone is transcribed as it is.
            max_behind: seconds a block may wait before the live pass skips ahead to the
                newest audio (`gim.passes.live_backlog`); None: it never does (audio
                handed over faster than it is recorded, all to be transcribed).
            guide_voice: the guide's enrolled voice profile (a unit embedding): with one
                microphone, each line is labelled guide or client as it is written.
        """
        channels = [(settings.client_channel, str(Speaker.CLIENT))]
        if settings.guide_channel is not None:
            channels.append((settings.guide_channel, str(Speaker.GUIDE)))
        self.config = LiveConfig(
            rate=rate,
            engine=settings.engine,
            model=settings.live_model or settings.model,  # the live pass may be smaller
            language=settings.language,
            channels=tuple(channels),
            cache_dir=str(settings.cache_dir / "models"),
            max_behind=max_behind,
            guide_voice=(
                tuple(float(v) for v in guide_voice)
                if guide_voice is not None and settings.guide_channel is None
                else None
            ),
        )
        self.canceller = canceller
        self.on_segment = on_segment
        self.on_warning = on_warning
        self.failed = False
        """True once the child process died or reported an error."""
        self._ctx = mp.get_context("spawn")
        self._inbox: Any = None
        self._outbox: Any = None
        self._process: Any = None
        self._reader: threading.Thread | None = None
        self._stopping = threading.Event()
        self._intake = Intake(max_behind)
        self._told_shed = False

    def start(self) -> None:
        """Spawn the child process (the model loads there) and the reader thread."""
        self._inbox = self._ctx.Queue()
        self._outbox = self._ctx.Queue()
        self._process = self._ctx.Process(
            target=_child_main,
            args=(self.config, self.canceller, self._inbox, self._outbox, os.getpid()),
            daemon=True,
        )
        self._process.start()
        self._reader = threading.Thread(target=self._read, name="gim-live-reader", daemon=True)
        self._reader.start()

    def feed(
        self,
        mic: NDArray[np.float32],
        reference: NDArray[np.float32],
        first_frame: int,
        stamp: float | None = None,
    ) -> None:
        """Hand over microphone frames (frames×channels) and the aligned reference.

        Non-blocking: the arrays are copied and queued (a feeder thread pickles them).
        ``stamp``: the monotonic time the microphone delivered the block (default: now).
        A block is dropped when the live pass could only skip it (`Intake`: the child or
        the runner fell too far behind); the child skips ahead too. After a failure,
        blocks are ignored.
        """
        if self._inbox is None or self.failed:
            return
        stamp = time.monotonic() if stamp is None else stamp
        try:
            unread: int | None = self._inbox.qsize()
        except NotImplementedError:  # (macOS: the stamps alone decide)
            unread = None
        if not self._intake.admit(stamp, unread):
            self._shed()
            return
        self._inbox.put(
            (int(first_frame), np.array(mic, np.float32), np.array(reference, np.float32), stamp)
        )

    def guide_alone(self, at: float, alone: bool) -> None:
        """From session second ``at`` only the guide speaks (the induction began) or not any
        more: the live labels take that span's lines as the guide's (`GuideAlone`)."""
        if self._inbox is None or self.failed or self.config.guide_voice is None:
            return
        self._inbox.put(GuideAlone(float(at), bool(alone)))

    def _shed(self) -> None:
        """Tell the guide once that the live pass skipped ahead (either side's skip)."""
        if not self._told_shed and self.on_warning is not None:
            self._told_shed = True
            self.on_warning(SHED)

    def stop(self, timeout: float = 10.0) -> None:
        """Transcribe what is pending, then end the child (killed after ``timeout`` s)."""
        if self._process is None:
            return
        self._stopping.set()
        if self._process.is_alive():
            self._inbox.put(None)
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(2.0)
        if self._reader is not None:
            self._reader.join(timeout=2.0)
        self._inbox.cancel_join_thread()
        self._process = None

    def _warn(self, message: str) -> None:
        self.failed = True
        if self.on_warning is not None:
            self.on_warning(message)

    def _read(self) -> None:
        while True:
            try:
                kind, payload = self._outbox.get(timeout=0.5)
            except queue.Empty:
                process = self._process
                if process is None or not process.is_alive():
                    if not self._stopping.is_set():
                        # how it ended goes to the private log (a signal: negative)
                        log.warning("live child ended, exit code %s", process and process.exitcode)
                        self._warn(STOPPED)
                    return
                continue
            if kind == "segment":
                payload.model = payload.model or model_label(self.config.model)
                self.on_segment(payload)
            elif kind == "error":
                self._warn(str(payload))
            elif kind == "ready":
                self._intake.ready = True
            elif kind == "notice" and payload == SHED:
                self._shed()  # the live pass goes on: not a failure
            elif kind == "notice" and self.on_warning is not None:
                self.on_warning(str(payload))
            elif kind == "done":
                return


def _child_main(
    config: LiveConfig,
    canceller: CancellerFactory | None,
    inbox: Any,
    outbox: Any,
    parent: int = 0,
) -> None:
    """The child process: load the engine, then follow the microphone until the sentinel."""
    from gim.priority import LIVE, prioritise

    prioritise(LIVE, "live transcription")  # first: the decoding threads inherit it
    if parent:
        _follow_parent(parent)
    try:
        from pathlib import Path

        from gim.passes.live_backlog import Backlog, follow
        from gim.passes.live_stream import UtteranceStream
        from gim.transcribe.engine import SAMPLE_RATE, load_engine

        engine = load_engine(config.engine, config.model, cache_dir=Path(config.cache_dir))
        streams = [
            UtteranceStream(
                config,
                channel,
                Speaker(speaker),
                engine,
                canceller(SAMPLE_RATE) if canceller is not None else None,
            )
            for channel, speaker in config.channels
        ]
        if config.guide_voice is not None:
            from gim.passes.live_voices import LiveVoices
            from gim.transcribe.voice import load_encoder

            streams[0].voices = LiveVoices(np.array(config.guide_voice), load_encoder())
        voices = streams[0].voices
        outbox.put(("ready", None))
        backlog = Backlog(
            limit=config.max_behind,
            on_alone=None
            if voices is None
            else lambda note: voices.guide_alone(note.at, note.alone),
        )
        follow(inbox, streams, outbox, backlog)
    except Exception as exc:  # reported to the runner; the recording goes on
        outbox.put(
            (
                "error",
                f"The live transcription failed ({type(exc).__name__}): "
                "the final pass will transcribe the recording.",
            )
        )
    finally:
        outbox.put(("done", None))


def _follow_parent(parent: int, every: float = 0.25) -> None:
    """End this process as soon as ``parent`` is gone (killed with -9, crashed).

    A killed runner cannot stop its child, and a child blocked on its queue would live on
    (with the model's memory, and keeping the multiprocessing resource tracker alive).
    When the parent dies this process is re-parented, so its parent id changes. (Linux's
    PR_SET_PDEATHSIG is not used: it fires when the *thread* that spawned us ends.)
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="gim-live-parent-watch", daemon=True).start()
