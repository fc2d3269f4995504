"""Checks on identities shared by the forms and the API, so both say the same thing."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User


def _others(user: User | None):
    others = User.objects.all()
    return others.exclude(pk=user.pk) if user is not None and user.pk else others


def validate_username_free(username: str, *, user: User | None = None) -> str:
    """Return `username` if no other user has it in any letter case; raise ValidationError otherwise."""
    if _others(user).filter(username__iexact=username).exists():
        raise ValidationError(_("This username is taken. Please use a different one."), code="username_taken")
    return username


def validate_email_free(email: str, *, user: User | None = None) -> str:
    """Return `email` normalized if no other user has it in any letter case; raise ValidationError otherwise."""
    email = User.objects.normalize_email(email)
    if _others(user).filter(email__iexact=email).exists():
        raise ValidationError(_("An account already uses this email address."), code="email_taken")
    return email
