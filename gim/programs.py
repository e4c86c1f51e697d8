"""The program library: shipped programs, the guide's own, and links to audio files."""
