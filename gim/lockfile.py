"""Lock files a live gim process holds (flock) while it records or runs a final pass.

Shared by the store (which refuses to delete a session being recorded) and the runner
(recovery, the final pass's mark): a held lock means a live process, whatever the file's
age, because the kernel releases it when that process dies.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def lock_state(path: Path) -> bool | None:
    """None when ``path`` does not exist (or cannot be opened), True while a live process
    holds its lock, else False (the file is left behind, by a kill for instance)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # releases the lock if it was taken here
    return False
