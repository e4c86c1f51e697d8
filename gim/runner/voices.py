"""Guides' voices in the data home: enrolment, and a session's lines labelled by voice."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gim.config import Settings
from gim.core.clock import SessionClock
from gim.core.session import Consent, LabelsMade, Phase, Segment, Session, Speaker, labels_made
from gim.errors import GimError
from gim.passes.speakers import Windows
from gim.passes.voices import (
    VoiceSource,
    cleaned_around,
    label_embedded,
    label_lines,
    profile_from_audio,
    profile_from_files,
)
from gim.store.voices import VoiceProfile, VoiceProfiles, now


def enrol(home: Path, name: str, files: list[Path]) -> VoiceProfile:
    """Make and keep ``name``'s voice profile from recordings of the guide alone.

    Raises:
        InputError: for a bad name, an unreadable file or too little speech.
        TranscriptionError: when the speaker model is missing.
    """
    VoiceProfiles(home).path(name)  # a bad name fails before any work
    embedding, seconds = profile_from_files(files)
    return _keep(home, name, embedding, seconds, len(files))


def enrol_recorded(home: Path, name: str, audio: np.ndarray, rate: int) -> VoiceProfile:
    """Make and keep ``name``'s voice profile from the guide reading aloud in the app
    (mono ``audio`` at ``rate``); the recording itself is not kept.

    Raises:
        InputError: for a bad name or too little speech.
        TranscriptionError: when the speaker model is missing.
    """
    from gim.audio.files import resample

    VoiceProfiles(home).path(name)
    embedding, seconds = profile_from_audio([resample(audio, rate)], "in that recording")
    return _keep(home, name, embedding, seconds, 0)


def _keep(home: Path, name: str, embedding: np.ndarray, seconds: float, files: int) -> VoiceProfile:
    profile = VoiceProfile(name.strip(), embedding, seconds, files, now())
    VoiceProfiles(home).save(profile)
    return profile


def voice_source(home: Path, session: Session, guide: str = "") -> VoiceSource:
    """The guide's enrolled profile if there is one; the induction's span (recorded only with
    whole-session consent) to learn the voice from or to tell which cluster is the guide.

    ``session.guide`` names the guide; ``guide`` (the settings' default) when it is empty."""
    name = session.guide or guide
    found = VoiceProfiles(home).get(name) if name.strip() else None
    induction = None
    if session.consent is Consent.SESSION:
        starts = {p.phase: p.time for p in session.phases}
        if Phase.INDUCTION in starts:
            after = [t for p, t in starts.items() if t > starts[Phase.INDUCTION]]
            induction = (starts[Phase.INDUCTION], min(after, default=float("inf")))
    return VoiceSource(found.embedding if found else None, induction)


def by_voice(
    session: Session,
    settings: Settings,
    folder: Path,
    clock: SessionClock,
    lines: list[Segment],
    windows: Windows | None = None,
) -> tuple[list[Segment], str]:
    """A session's final lines labelled guide or client by voice, and how the labels were
    made (`gim.core.session.labels_made`), for the session; two channels keep theirs,
    checked against the guide's voice when the guide is enrolled.

    The guide's enrolled profile first; else the induction's voice (whole-session consent);
    else two voices told apart, the one that speaks less being the guide's; one voice heard
    stays the client's (no guide is invented). ``windows``: the lines' voices measured
    already (by the rolling pass); else they are measured from the recording."""
    if settings.guide_channel is not None:
        return _channels_checked(session, settings, folder, clock, lines)
    if not lines:
        return lines, labels_made(LabelsMade.NONE)
    source = voice_source(settings.home, session, settings.guide)
    if windows is None:
        clean = cleaned_around(folder, settings.client_channel, clock, lines)
        labelled, how = label_lines(lines, clean, source)
    else:
        labelled, how = label_embedded(lines, windows, source)
    return labelled, labels_made(how, session.guide or settings.guide)


def _channels_checked(
    session: Session, settings: Settings, folder: Path, clock: SessionClock, lines: list[Segment]
) -> tuple[list[Segment], str]:
    """Two channels' lines, checked against the guide's voice when the guide is enrolled
    (`gim.passes.channel_voices`)."""
    from gim.passes.channel_voices import check_channels

    source = voice_source(settings.home, session, settings.guide)
    guide = settings.guide_channel
    if source.profile is None or not lines or guide is None:
        return lines, labels_made(LabelsMade.CHANNELS)
    cleans = {
        who: cleaned_around(folder, channel, clock, [s for s in lines if s.speaker is who])
        for who, channel in ((Speaker.CLIENT, settings.client_channel), (Speaker.GUIDE, guide))
    }
    checked = check_channels(lines, cleans, source.profile)
    return checked, labels_made(LabelsMade.CHANNELS_CHECKED, session.guide or settings.guide)


def live_guide_voice(settings: Settings) -> np.ndarray | None:
    """The session's guide's enrolled voice profile, if the guide is enrolled."""
    if not settings.guide.strip():
        return None
    try:
        found = VoiceProfiles(settings.home).get(settings.guide)
    except GimError:  # a name with no letter, an unreadable profile: lines are not labelled
        return None
    return found.embedding if found is not None else None
