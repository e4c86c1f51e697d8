"""The session runner: wires audio, transcription and store for one live session."""
