"""Checks on identities shared by the forms, the API and the services, so all say the same thing.

Usernames follow an ASCII rule (see docs/accounts.md): new names and renames only, so
accounts created under Django's wider rule keep their names.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User

# ASCII letters, digits and "_", with "." or "-" only between them (as Mastodon's handles):
# always a plain URL path segment, never "." or "..", never an "@" to confuse with a handle.
USERNAME_PATTERN = r"\A[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*\Z"

validate_username_characters = RegexValidator(
    USERNAME_PATTERN,
    message=_("Enter a valid username: letters a-z, digits and _, with . or - only between them."),
    code="invalid",
)

# Letters of other scripts that look like an ASCII letter, after case folding and once
# accents are stripped: a small skeleton in the spirit of Unicode TR39's confusables.
LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "з": "3",
        "і": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ь": "b",
        "ѕ": "s",
        "һ": "h",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ӏ": "l",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ϲ": "c",
        # Latin letters that accent stripping keeps
        "ı": "i",
        "ȷ": "j",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ħ": "h",
        "æ": "ae",
        "œ": "oe",
    }
)


def username_skeleton(username: str) -> str:
    """Return what `username` looks like: case-folded, accents dropped, look-alike letters made ASCII."""
    folded = unicodedata.normalize("NFKD", username.casefold())
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    return bare.translate(LOOKALIKES).casefold()


def _others(user: User | None):
    others = User.objects.all()
    return others.exclude(pk=user.pk) if user is not None and user.pk else others


def validate_username_free(username: str, *, user: User | None = None) -> str:
    """Return `username` if no other user has it in any letter case; raise ValidationError otherwise."""
    if _others(user).named(username).exists():
        raise ValidationError(_("This username is taken. Please use a different one."), code="username_taken")
    return username


def validate_username_unlike_others(username: str, *, user: User | None = None) -> str:
    """Return `username` unless it looks like another user's non-ASCII name (`аlice`, `straße`).

    New names are ASCII, and ASCII names differing only in case are refused by the
    Lower(username) constraint; what is left are names from before the ASCII rule. They
    are few and cannot grow, so reading them costs less than keeping a skeleton column.
    """
    skeleton = username_skeleton(username)
    older = _others(user).filter(username__regex=r"[^ -~]").values_list("username", flat=True)
    if any(username_skeleton(name) == skeleton for name in older.iterator()):
        raise ValidationError(
            _("This username looks too much like someone else's. Please use a different one."),
            code="username_lookalike",
        )
    return username


def validate_new_username(username: str, *, user: User | None = None) -> str:
    """Return `username` if `user` (None: a new account) may take it; raise ValidationError otherwise.

    A user keeping the name they have is not checked again, so names from before the
    ASCII rule keep working.
    """
    if user is not None and user.pk and username == user.username:
        return username
    validate_username_characters(username)
    validate_username_free(username, user=user)
    return validate_username_unlike_others(username, user=user)


def validate_email_free(email: str, *, user: User | None = None) -> str:
    """Return `email` normalized if no other user has it in any case or domain spelling; raise otherwise."""
    email = User.objects.normalize_email(email)
    if _others(user).with_email(email).exists():
        raise ValidationError(_("An account already uses this email address."), code="email_taken")
    return email
