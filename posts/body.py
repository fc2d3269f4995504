"""The one rule for the body of a post or a message, shared by forms, the API and the page.

A body is normalised first: every line break becomes "\\n" (browsers send "\\r\\n"), and
whitespace and invisible format characters (Unicode category Cf: U+200B, U+FEFF, U+2060,
...) are removed from both ends. Inside the text they stay, since U+200D joins the emoji
of a family. The normalised body is valid with 1 to 140 Unicode code points, the unit
PostgreSQL's varchar(140) counts. static/js/app.js counts the same way, so the page and
the server never disagree (docs/architecture.md, "The body of a post").
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 140

EMPTY_MESSAGE = _("Write something first: it cannot be empty.")


def _is_blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def normalize_body(text: str) -> str:
    """Return `text` with "\\n" line breaks and no whitespace or format characters at its ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    start, end = 0, len(text)
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return text[start:end]


def validate_body(body: str) -> None:
    """Raise ValidationError unless the normalised `body` has 1 to 140 code points."""
    if not body:
        raise ValidationError(EMPTY_MESSAGE, code="required")
    MaxLengthValidator(BODY_MAX_LENGTH)(body)


def clean_body(text: str) -> str:
    """Return `text` normalised, or raise ValidationError when it breaks the rule."""
    body = normalize_body(text)
    validate_body(body)
    return body
