"""Which language a session is transcribed in: the one asked for, else the client's,
else the settings' default; refused before anything records when the model is English-only."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from gim.core.languages import check_language

if TYPE_CHECKING:
    from gim.config import Settings
    from gim.store.db import Store


def session_language(store: Store, client: str, asked: str | None, settings: Settings) -> str:
    """The language for ``client``'s next session (an asked one is kept as the client's).

    Raises:
        InputError: an unknown code, or a non-English one with an English-only model.
    """
    from gim.transcribe.models import check_model_language

    if asked:
        chosen = check_language(asked)
    else:
        chosen = check_language(store.client_language(client) or settings.language)
    for model in dict.fromkeys((settings.model, settings.live_model or settings.model)):
        check_model_language(model, chosen, settings.home)
    if asked:
        store.set_client_language(client, chosen)
    return chosen


def with_language(settings: Settings, language: str) -> Settings:
    """``settings`` transcribing in ``language`` (every pass reads ``settings.language``)."""
    return replace(settings, language=language)
