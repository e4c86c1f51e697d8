"""Session ids: short, sortable by start time, and safe as folder names."""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import datetime

_UNSAFE = re.compile(r"[^a-z0-9]+")
_ID = re.compile(r"^[0-9]{8}-[0-9]{4}-[a-z0-9-]{1,40}$")


def client_slug(client: str) -> str:
    """The client code reduced to lower-case letters, digits and dashes (``"c"`` if empty)."""
    slug = _UNSAFE.sub("-", client.lower()).strip("-")[:24].strip("-")
    return slug or "c"


def new_session_id(client: str, when: datetime, taken: Container[str] = ()) -> str:
    """An id such as ``20261124-1530-c07`` for a session with ``client`` started at ``when``.

    Ids sort by start time, contain only ``[a-z0-9-]`` (safe as a folder name on every
    platform) and never repeat one in ``taken``: a second session in the same minute gets
    ``-2``, then ``-3``, and so on.
    """
    base = f"{when:%Y%m%d-%H%M}-{client_slug(client)}"
    candidate = base
    n = 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def is_session_id(text: str) -> bool:
    """Whether ``text`` has the shape `new_session_id` gives (and so is a safe folder name)."""
    return bool(_ID.match(text))
