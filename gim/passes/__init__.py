"""The transcription passes over audio: the microphone to transcript lines, each linked to
the moment in the music it was said over.

* `gim.passes.live`, `gim.passes.live_stream`: the live pass (a preview while the music
  plays, in its own process, the music removed by a streaming canceller);
* `gim.passes.prepare`, `gim.passes.offline`: the offline pass over a whole recording
  (delay, drift, the room fit's music removal; then every stretch that may be speech);
* `gim.passes.rolling`, `gim.passes.rolling_child`, `gim.passes.rolling_file`: the
  offline pass done window by window while the session runs;
* `gim.passes.placement`: where each piece sounds in a recording, and lines to pieces.

The passes use audio, transcription and the core; they never touch the store, the
runner or the UI (the runner keeps the session and the final pass's bookkeeping).
"""
