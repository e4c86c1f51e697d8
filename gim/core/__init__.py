"""The domain of a GIM session: programs, the playback timeline, sessions, segments.

Pure Python: no audio, database, Whisper or Textual imports here.
"""
