"""The session runner: wires audio, transcription and the store for one live session.

Used alike by the TUI and by ``gim session run --headless``. The parts:

* `gim.runner.control`: `SessionRunner` (start, waiting, stopping), which holds its
  `GuideControls` (`gim.runner.controls`: music controls, phases, marks) and its
  `SessionKeeping` (`gim.runner.keeping`: what the audio path reports is kept and told);
  `gim.runner.session_start`: the `SessionPlan` a session runs by; `gim.runner.record`:
  the `LiveRecord`, what the session keeps on disk and in the database;
* `gim.runner.audio_path`: the recorder, player, writers, delay tracking and the live
  transcriber's feed, with their threads; it reports to one `AudioEvents` sink;
* `gim.runner.store_thread`: the one thread that owns the database connection;
* `gim.runner.status`: the snapshot for meters and progress lines.
"""

from gim.runner.control import SessionRunner
from gim.runner.events import RunnerEvent, RunnerStatus
from gim.runner.session_start import SessionPlan

__all__ = ["RunnerEvent", "RunnerStatus", "SessionPlan", "SessionRunner"]
