"""Hallucination control: decide which lines the guide should review.

Whisper invents text on music and silence ("Thank you for watching"), loops on a phrase,
or repeats the previous line. Such a line is flagged with a reason, never dropped: the
guide decides. (Stretches VAD judged to be music alone are never transcribed at all.)
"""

from __future__ import annotations

import re

PHRASES = (
    "thank you for watching",
    "thanks for watching",
    "please subscribe",
    "subscribe to my channel",
    "like and subscribe",
    "subtitles by",
    "captions by",
    "transcribed by",
    "translated by",
    "amara.org",
    "see you in the next video",
    "see you next time",
    "bye bye",
    "i'll see you next time",
    "www.",
    ".com",
    "♪",
)
"""Phrases Whisper is known to produce on music or silence (English, and any language's
web addresses and music notes)."""

PHRASES_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "en": PHRASES,
    "fr": (
        "sous-titres réalisés par",
        "sous-titrage st'",
        "sous-titrage société radio-canada",
        "sous-titres par",
        "sous-titré par",
        "merci d'avoir regardé",
        "merci de votre attention",
        "abonnez-vous",
        "n'oubliez pas de vous abonner",
        "à la prochaine",
        "fin de cette vidéo",
        "fin de votre vidéo",
        "dans cette vidéo",
        "prochaine vidéo",
    ),
    "da": (
        "undertekster af",
        "tekstet af",
        "danske tekster",
        "nicolai winther",
        "tak fordi du så med",
        "tak for at se med",
        "abonner på kanalen",
    ),
    "de": (
        "untertitel im auftrag des zdf",
        "untertitel von",
        "untertitel der",
        "untertitelung",
        "vielen dank fürs zuschauen",
        "danke fürs zuschauen",
        "bis zum nächsten mal",
        "abonniert den kanal",
    ),
    "es": (
        "subtítulos realizados por",
        "subtítulos por",
        "subtitulado por",
        "gracias por ver",
        "suscríbete",
        "nos vemos en el próximo",
    ),
    "it": (
        "sottotitoli creati dalla comunità",
        "sottotitoli a cura di",
        "sottotitoli di",
        "grazie per la visione",
        "grazie per aver guardato",
        "iscriviti al canale",
    ),
    "nl": (
        "ondertiteling door",
        "ondertiteld door",
        "ondertitels ingediend door",
        "bedankt voor het kijken",
        "abonneer op",
    ),
    "sv": (
        "undertexter av",
        "undertexter från",
        "svensktextning",
        "tack för att du tittade",
        "tack för att ni tittade",
        "prenumerera på",
    ),
    "no": (
        "undertekster av",
        "tekstet av",
        "teksting av",
        "takk for at du så på",
        "takk for at dere så på",
        "abonner på kanalen",
    ),
    "pt": (
        "legendas pela comunidade",
        "legendas por",
        "obrigado por assistir",
        "inscreva-se",
    ),
    "zh": ("字幕由", "谢谢观看", "感谢观看", "请不吝点赞", "订阅"),
    "ja": ("ご視聴ありがとうございました", "チャンネル登録"),
    "ko": ("시청해 주셔서 감사합니다", "구독과 좋아요"),
}
"""Each language's stock phrases: subtitle credits and the "thanks for watching" family
Whisper learnt from subtitled videos and writes on music. Every language's are checked
whatever the session's language: on music Whisper also writes other languages' credits."""

ALL_PHRASES = tuple(dict.fromkeys(p for ps in PHRASES_BY_LANGUAGE.values() for p in ps))

NO_SPEECH = 0.6
"""Whisper's no-speech probability above which (with a low log-prob) a line is suspect."""
LOW_LOGPROB = -1.0
"""Mean token log-probability below which a line is a guess."""
HIGH_COMPRESSION = 2.4
"""gzip compression ratio above which the text is repetitive."""
_WORD = re.compile(r"[\w']+")
"""A word in any script (letters with diacritics, Cyrillic, Greek; CJK runs as one)."""


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation (the underscore is not a letter)."""
    return [w for w in _WORD.findall(text.lower().replace("_", " ")) if w.strip("'")]


def repeated_ngram(words: list[str], times: int = 3, max_n: int = 6) -> str:
    """The first n-gram repeated ``times`` times in a row, or "" if none.

    A single word needs one repeat more ("no, no, no" is ordinary speech).
    """
    i, n, _ = _loop(words, times, max_n)
    return " ".join(words[i : i + n])


def _loop(words: list[str], times: int = 3, max_n: int = 6) -> tuple[int, int, int]:
    """Where `repeated_ngram`'s loop starts, its n-gram's length and how many times it runs
    in a row ((0, 0, 0): none)."""
    for n in range(1, max_n + 1):
        need = times + 1 if n == 1 else times
        for i in range(0, len(words) - n * need + 1):
            gram = words[i : i + n]
            runs = 1
            while words[i + runs * n : i + (runs + 1) * n] == gram:
                runs += 1
            if runs >= need:
                return i, n, runs
    return 0, 0, 0


def cut_loop(text: str, keep: int = 2) -> str:
    """``text`` up to the end of its loop's ``keep``-th time round, then "…" (``text`` when it
    does not loop). Whisper looping on a stutter writes one phrase over a hundred words
    ("my treat, my treat, my treat, ..."): on the live screen that pushes the session's
    other lines out of sight. The final pass keeps Whisper's text, flagged."""
    found = [m for m in _WORD.finditer(text.lower().replace("_", " ")) if m.group().strip("'")]
    i, n, runs = _loop([m.group() for m in found])
    if runs <= keep:
        return text
    return text[: found[i + keep * n - 1].end()] + "…"


def known_phrase(text: str) -> str:
    """The known hallucination phrase ``text`` contains, or ""."""
    low = text.lower()
    return next((p for p in ALL_PHRASES if p in low), "")


def flag_reason(
    text: str,
    *,
    avg_logprob: float = 0.0,
    no_speech_prob: float = 0.0,
    compression_ratio: float = 1.0,
    previous: str = "",
    speech_overlap: float = 1.0,
    residual_db: float | None = None,
) -> str:
    """Why a line is suspect ("" when it looks like the client's words).

    Args:
        text: the line.
        avg_logprob: Whisper's mean token log-probability.
        no_speech_prob: Whisper's no-speech probability.
        compression_ratio: gzip ratio of the text.
        previous: the line before it (same speaker).
        speech_overlap: fraction of the line VAD heard as speech on the cleaned signal.
        residual_db: energy left after echo cancellation relative to the microphone.
    """
    from gim.transcribe.vad import RESIDUAL_FLAG_DB

    words = words_of(text)
    if not words:
        return "no words"
    phrase = known_phrase(text)
    if phrase:
        return f"a phrase Whisper invents on music ({phrase!r})"
    if previous and words == words_of(previous):
        return "repeats the previous line"
    gram = repeated_ngram(words)
    if gram:
        return f"repeats {gram!r}"
    if compression_ratio > HIGH_COMPRESSION:
        return "repetitive text"
    if no_speech_prob > NO_SPEECH and avg_logprob < LOW_LOGPROB:
        return "probably no speech"
    if avg_logprob < LOW_LOGPROB:
        return "low confidence"
    if speech_overlap < 0.2:
        return "no voice heard there"
    if residual_db is not None and residual_db < RESIDUAL_FLAG_DB:
        return "may be the music (sung words or a loud passage)"
    return ""
