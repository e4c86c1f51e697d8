"""gim: Guided Imagery and Music sessions in the terminal."""

__version__ = "0.1.0"
