"""The errors gim reports to a guide: one sentence each, saying what to do.

The command line turns a `GimError` into one line on stderr and its exit status; nothing
else a user sees is a traceback (unless ``--debug``).
"""

from __future__ import annotations


class GimError(Exception):
    """A failure that is not the user's input: exit status 1."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        """One sentence a guide can act on."""

    def __str__(self) -> str:
        return self.message


class InputError(GimError):
    """Bad input from the user (a file, an argument, a name): exit status 2."""

    exit_code = 2


class ProgramError(InputError):
    """A program file that cannot be read or is not a valid program."""


class NotFoundError(InputError):
    """A session, client, program or file that does not exist."""


class SessionInUseError(GimError):
    """A session a running gim still records cannot be deleted, transcribed or written into."""


class AudioError(GimError):
    """The audio system (PortAudio, a device) failed."""


class StoreError(GimError):
    """The session database cannot be opened or written."""


class TranscriptionError(GimError):
    """The Whisper engine or model failed."""


class ModelNotFoundError(InputError, TranscriptionError):
    """A Whisper model named by the user that is neither a path nor a known size: exit 2."""
