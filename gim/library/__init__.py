"""The program library: shipped programs, the guide's own, and their links to audio files."""
