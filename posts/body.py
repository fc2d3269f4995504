"""The one rule for the body of a post or a message, shared by forms, the API and the page.

A body is normalised first: every line break becomes "\\n" (browsers send "\\r\\n"), and
whitespace and invisible format characters (Unicode category Cf: U+200B, U+FEFF, U+2060,
...) are removed from both ends. Inside the text they stay, since U+200D joins the emoji
of a family. The normalised body is valid with 1 to 140 Unicode code points, the unit
PostgreSQL's varchar(140) counts. static/js/app.js counts the same way, so the page and
the server never disagree (docs/architecture.md, "The body of a post").
"""

import unicodedata

from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 140

EMPTY_MESSAGE = _("Write something first: it cannot be empty.")

# What does not count as writing something: the characters str.strip() removes and the
# invisible format characters of the Basic Multilingual Plane (Unicode category Cf:
# U+200B, U+FEFF, U+2060...), as of Unicode 14 (Python 3.11); microblog/tests/test_api_input.py
# checks the list against unicodedata. Spelled out because neither Python's nor
# ECMAScript's regular expressions have a class for it, and the schema's `pattern` must
# mean the same in both. (The few Cf characters beyond U+FFFF, such as the tag
# characters, cannot be written alike in both dialects, so the pattern leaves them out.)
INVISIBLE = (
    "\t-\r\x1c- \x85\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u1680\u180e"
    "\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb"
)

# A body holds at least one visible character, and no NUL (which DRF's CharField refuses
# too). The schema carries the same pattern, so what it calls valid is accepted.
not_blank = RegexValidator(rf"\A[^\x00]*[^{INVISIBLE}\x00][^\x00]*\Z", EMPTY_MESSAGE, code="blank")


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


# The whole rule for a normalised body; the API's BodyField runs the same list, and the
# schema's `pattern` and `maxLength` come from it.
BODY_VALIDATORS = [not_blank, MaxLengthValidator(BODY_MAX_LENGTH)]


def validate_body(body: str) -> None:
    """Raise ValidationError unless the normalised `body` has 1 to 140 code points, one visible."""
    for validator in BODY_VALIDATORS:
        validator(body)


def clean_body(text: str) -> str:
    """Return `text` normalised, or raise ValidationError when it breaks the rule."""
    body = normalize_body(text)
    validate_body(body)
    return body


def normalize_warning(text: str) -> str:
    """Return a content warning as one line: the body's normalisation, then every run of whitespace one space.

    A warning is a short summary shown in one line (posts/_post.html's <summary>); a
    warning of only spaces or invisible characters is no warning.
    """
    return " ".join(normalize_body(text).split())
