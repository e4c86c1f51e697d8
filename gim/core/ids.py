"""Session ids: short, sortable by start time, and safe as folder names."""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import datetime

from gim.errors import InputError

_UNSAFE = re.compile(r"[^a-z0-9]+")
_ID = re.compile(r"^[0-9]{8}-[0-9]{4}-[a-z0-9-]{1,40}$")


_NAME_PAIR = re.compile(r"^[A-Z][a-z]+[-_.' ]+[A-Z][a-z]+")


def canonical_client(code: str) -> str:
    """A client code in its one stored form: trimmed and upper case (``t01`` is ``T01``)."""
    return code.strip().upper()


def client_code(text: str, *, allow_name: bool = False) -> str:
    """The client code the guide typed, in its canonical form (see `canonical_client`).

    A code is what keeps a client's name out of session ids, folders, exports and file
    listings; text that looks like a name (a space, two capitalised words) is refused
    unless the guide insists with ``allow_name``.

    Raises:
        InputError: empty, or a name not allowed.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError("Give the client's code (such as AB12).")
    if not allow_name and (" " in stripped or _NAME_PAIR.match(stripped)):
        raise InputError(
            f'"{stripped}" looks like a name: give the client a code instead (such as AB12; '
            "it goes into session ids, folders and exports, where a name must never be), "
            "or add --allow-name if it really is a code."
        )
    return canonical_client(stripped)


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
