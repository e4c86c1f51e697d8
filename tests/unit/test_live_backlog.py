"""The live pass skips ahead when it falls behind, and says so once."""

from __future__ import annotations

import queue

import numpy as np
from numpy.typing import NDArray

from gim.core.session import Segment, Source
from gim.passes.live_backlog import (
    KEEP_AFTER_SKIP,
    MAX_BEHIND,
    SHED,
    Backlog,
    GuideAlone,
    Intake,
    Stale,
    follow,
)

RATE = 16000
BLOCK = RATE // 2
"""Half a second of audio per block, as the capture path hands them over."""


class Recording:
    """The microphone and the clock: the session's blocks go into the inbox, stamped, as
    the (simulated) time they are recorded in passes."""

    def __init__(self, inbox: queue.Queue[object], seconds: float) -> None:
        self.inbox = inbox
        self.total = int(seconds * RATE)
        self.frame = 0
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def advance(self, blocks: int) -> None:
        """``blocks`` more blocks' time passes, each recorded; the end after the last."""
        for _ in range(blocks):
            if self.frame >= self.total:
                return
            self.now += BLOCK / RATE
            mic = np.zeros((BLOCK, 1), np.float32)
            self.inbox.put((self.frame, mic, np.zeros(BLOCK, np.float32), self.now))
            self.frame += BLOCK
            if self.frame >= self.total:
                self.inbox.put(None)


class SlowEngineStream:
    """A channel whose engine takes ``slowness`` times real time: while it decodes a
    block, the recording goes on by that many blocks. Each block gives one line."""

    def __init__(self, recording: Recording, slowness: int) -> None:
        self.recording = recording
        self.slowness = slowness
        self.fed: list[int] = []
        self.skips = 0
        self.finished = False

    def feed(
        self, first_frame: int, mic: NDArray[np.float32], reference: NDArray[np.float32]
    ) -> list[Segment]:
        self.fed.append(first_frame)
        self.recording.advance(self.slowness)  # the time decoding took
        t = first_frame / RATE
        return [Segment(t, t + len(mic) / RATE, "words", source=Source.LIVE)]

    def finish(self) -> list[Segment]:
        self.finished = True
        return []

    def skip(self) -> None:
        self.skips += 1


def run(
    seconds: float, slowness: int
) -> tuple[Backlog, SlowEngineStream, list[tuple[str, object]]]:
    inbox: queue.Queue[object] = queue.Queue()
    outbox: queue.Queue[tuple[str, object]] = queue.Queue()
    recording = Recording(inbox, seconds)
    recording.advance(1)
    stream = SlowEngineStream(recording, slowness)
    backlog = follow(inbox, [stream], outbox, Backlog(recording.clock))
    sent = []
    while not outbox.empty():
        sent.append(outbox.get())
    return backlog, stream, sent


def test_a_slow_engine_keeps_the_queue_bounded_and_the_guide_is_told_once() -> None:
    backlog, stream, sent = run(seconds=300.0, slowness=3)
    # Without shedding 2 of every 3 blocks would pile up: 200 s waiting by the end.
    assert backlog.most <= MAX_BEHIND * RATE + BLOCK
    notices = [payload for kind, payload in sent if kind == "notice"]
    assert notices == [SHED]
    assert stream.skips >= 2 and stream.finished
    # It followed the newest audio: the last block fed is the session's last one ...
    assert stream.fed[-1] == 300 * RATE - BLOCK
    # ... and what it skipped (left to the final pass) has no line.
    lines = [payload for kind, payload in sent if kind == "segment"]
    assert len(lines) == len(stream.fed)
    assert backlog.skipped == 300 * RATE - len(stream.fed) * BLOCK > 0
    gaps = [b - a for a, b in zip(stream.fed, stream.fed[1:], strict=False)]
    assert max(gaps) <= (MAX_BEHIND + KEEP_AFTER_SKIP) * RATE


def test_an_engine_that_keeps_up_skips_nothing_and_says_nothing() -> None:
    backlog, stream, sent = run(seconds=60.0, slowness=1)
    assert backlog.skipped == 0 and stream.skips == 0
    assert stream.fed == list(range(0, 60 * RATE, BLOCK))
    assert all(kind == "segment" for kind, _ in sent)
    assert stream.finished


def test_audio_handed_over_at_once_is_not_skipped_when_asked_not_to() -> None:
    # A file fed in one go (a test, a benchmark): every block waits, none is skipped.
    inbox: queue.Queue[object] = queue.Queue()
    outbox: queue.Queue[tuple[str, object]] = queue.Queue()
    recording = Recording(inbox, 60.0)
    recording.advance(10**6)
    stream = SlowEngineStream(recording, 0)
    recording.now += 1000.0  # long after they were handed over
    backlog = follow(inbox, [stream], outbox, Backlog(recording.clock, limit=None))
    assert backlog.skipped == 0 and len(stream.fed) == 120 and stream.skips == 0


def test_blocks_queued_while_the_model_loaded_get_their_time() -> None:
    # 20 s were recorded before the live pass was ready; it then decodes twice as fast
    # as real time and catches up within 12 s: nothing skipped, nothing said.
    inbox = Waiting()
    outbox: queue.Queue[tuple[str, object]] = queue.Queue()
    recording = inbox.recording = Recording(inbox, 60.0)
    recording.advance(40)
    stream = TwiceAsFast(recording)
    backlog = follow(inbox, [stream], outbox, Backlog(recording.clock))
    assert backlog.skipped == 0 and len(stream.fed) == 120
    assert all(kind == "segment" for kind, _ in list(outbox.queue))


class TwiceAsFast(SlowEngineStream):
    """Decodes a block in half its length: the recording goes on a block every two."""

    def __init__(self, recording: Recording) -> None:
        super().__init__(recording, 0)

    def feed(
        self, first_frame: int, mic: NDArray[np.float32], reference: NDArray[np.float32]
    ) -> list[Segment]:
        lines = super().feed(first_frame, mic, reference)
        half = BLOCK / RATE / 2
        if len(self.fed) % 2:
            self.recording.now += half  # half a block's time passed
        else:
            self.recording.now -= half  # the same, and the block recorded meanwhile
            self.recording.advance(1)
        return lines


class Waiting(queue.Queue[object]):
    """An inbox where waiting for the next block takes the time it takes to record it."""

    recording: Recording

    def get(self, block: bool = True, timeout: float | None = None) -> object:
        if block and self.empty():
            self.recording.advance(1)
        return super().get(block, timeout)


class Pipe:
    """The runner's side: blocks arrive every half second of (simulated) time; the child
    takes one block in every ``slowness`` arrivals."""

    def __init__(self, intake: Intake, slowness: int) -> None:
        self.intake = intake
        self.slowness = slowness
        self.now = 0.0
        self.unread: list[float] = []
        self.most_unread = 0
        self.sent = 0

    def run(self, blocks: int, late: float = 0.0) -> None:
        """``blocks`` more arrive, each handed over ``late`` seconds after it was heard."""
        for i in range(blocks):
            self.now += BLOCK / RATE
            if self.intake.admit(self.now - late, len(self.unread)):
                self.unread.append(self.now - late)
                self.sent += 1
            if i % self.slowness == 0 and self.unread:
                self.unread.pop(0)
            self.most_unread = max(self.most_unread, len(self.unread))


def test_the_runner_stops_sending_what_the_child_could_only_skip() -> None:
    """A child that takes one block in three: without the intake the pipe's backlog grows
    with the session (memory and lateness without bound); with it, it stays near the
    limit and blocks are sent again as soon as the child has caught up."""
    intake = Intake(clock=lambda: pipe.now)
    pipe = Pipe(intake, slowness=3)
    intake.ready = True
    pipe.run(2 * 60 * 60 * 2)  # two hours of half-second blocks
    assert intake.dropped > 0
    blocks_per_limit = MAX_BEHIND * RATE / BLOCK
    assert pipe.most_unread <= blocks_per_limit + 2
    assert pipe.sent > 2 * 60 * 60 * 2 / 3 * 0.9  # the child is kept busy, not starved


def test_nothing_is_dropped_while_the_model_loads_or_when_never_asked() -> None:
    loading = Intake(clock=lambda: pipe.now)
    pipe = Pipe(loading, slowness=3)
    pipe.run(200)  # not ready: the blocks wait for the model, none is lost
    assert loading.dropped == 0 and pipe.sent == 200
    never = Intake(limit=None, clock=lambda: pipe.now)
    pipe.intake = never
    never.ready = True
    pipe.run(200, late=MAX_BEHIND * 2)
    assert never.dropped == 0


def test_blocks_late_from_the_runner_itself_are_passed_over_until_it_catches_up() -> None:
    """The analysis thread behind the microphone: blocks reach it already stale."""
    now = 0.0
    stale = Stale(clock=lambda: now)

    def run(blocks: int, late: float) -> int:
        nonlocal now
        taken = 0
        for _ in range(blocks):
            now += BLOCK / RATE
            taken += stale.admit(now - late)
        return taken

    assert run(10, late=MAX_BEHIND + 1) == 0 and stale.passed == 10 and stale.passing
    assert run(10, late=KEEP_AFTER_SKIP + 0.5) == 0  # caught up, but not yet under `keep`
    assert run(10, late=0.1) == 10 and stale.passed == 20 and not stale.passing
    assert run(10, late=MAX_BEHIND - 1) == 10  # behind, but within the limit: all taken


def test_blocks_held_back_by_design_do_not_keep_the_pipe_shut() -> None:
    """Blocks reach the pipe 6 s old (held until the microphone's lag is known): after a
    spell where the child took nothing, sending resumes once it has taken what was sent
    (it stopped for good when it waited for blocks fresher than 2 s)."""
    intake = Intake(clock=lambda: pipe.now)
    intake.ready = True
    pipe = Pipe(intake, slowness=1)
    pipe.run(20, late=6.0)
    assert intake.dropped == 0
    pipe.slowness = 10**9  # the child decodes a long utterance under load: takes nothing
    pipe.run(40, late=6.0)
    assert intake.dropping and intake.dropped > 0
    pipe.slowness = 1
    pipe.unread.clear()  # it takes everything it was sent
    dropped = intake.dropped
    pipe.run(20, late=6.0)
    assert intake.dropped == dropped and not intake.dropping


def test_the_induction_is_told_before_the_blocks_queued_after_it_are_fed() -> None:
    """The runner says between the blocks where only the guide speaks: the child hears it
    before it feeds the blocks that follow, and it takes no place among the blocks."""
    inbox: queue.Queue[object] = queue.Queue()
    outbox: queue.Queue[tuple[str, object]] = queue.Queue()
    recording = Recording(inbox, 3.0)
    recording.advance(1)
    inbox.put(GuideAlone(0.5, True))
    recording.advance(2)
    inbox.put(GuideAlone(1.5, False))
    recording.advance(3)
    told: list[tuple[tuple[float, bool], list[int]]] = []
    stream = SlowEngineStream(recording, 0)
    backlog = Backlog(
        recording.clock,
        on_alone=lambda note: told.append(((note.at, note.alone), list(stream.fed))),
    )
    follow(inbox, [stream], outbox, backlog)
    assert stream.fed == [0, BLOCK, 2 * BLOCK, 3 * BLOCK, 4 * BLOCK, 5 * BLOCK]
    assert [pair for pair, _ in told] == [(0.5, True), (1.5, False)]
    assert all(len(fed) <= n for (_, fed), n in zip(told, (1, 3), strict=True))
    assert backlog.skipped == 0
