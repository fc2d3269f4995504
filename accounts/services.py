"""Writes about people and their relationships, shared by views, API and commands."""

import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import API_TOKEN_LIFETIME, ApiToken, Follow, Notification, User

# What a user may change about themselves through the API (as in microblog's from_dict).
PROFILE_FIELDS = ("username", "email", "about_me")


@transaction.atomic
def follow_user(*, follower: User, followed: User) -> bool:
    """Make `follower` follow `followed`; return False if they already did."""
    if follower.pk == followed.pk:
        raise ValidationError(_("You cannot follow yourself."))
    try:
        # A savepoint, so a concurrent double click's duplicate loses quietly.
        with transaction.atomic():
            Follow.objects.create(follower=follower, followed=followed)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def unfollow_user(*, follower: User, followed: User) -> bool:
    """Make `follower` stop following `followed`; return False if they did not."""
    deleted, _rows = Follow.objects.filter(follower=follower, followed=followed).delete()
    return bool(deleted)


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Delete `user` and, through cascades, their posts, messages, follows and notifications."""
    user.delete()


@transaction.atomic
def add_notification(*, user: User, name: str, payload) -> Notification:
    """Set `user`'s notification `name` to `payload`, replacing the previous one in place."""
    notification, _created = Notification.objects.update_or_create(
        user=user, name=name, defaults={"payload": payload, "timestamp": time.time()}
    )
    return notification


def _save_identity(user: User, **save_kwargs) -> None:
    """Validate and save `user`; a concurrent duplicate becomes a ValidationError, not a 500."""
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save(**save_kwargs)
    except IntegrityError:
        raise ValidationError(_("A user with that username or email address already exists.")) from None


@transaction.atomic
def register_user(*, username: str, email: str, password: str, about_me: str = "") -> User:
    """Create an active account with a hashed password (the caller validated the password)."""
    user = User(
        username=username, email=User.objects.normalize_email(email), about_me=about_me, last_seen=timezone.now()
    )
    user.set_password(password)
    _save_identity(user)
    return user


@transaction.atomic
def update_profile(*, user: User, **changes) -> User:
    """Change `user`'s username, email or about-me text and save only those columns."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"update_profile() cannot change {sorted(unknown)}")
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"])
    for field, value in changes.items():
        setattr(user, field, value)
    if changes:
        _save_identity(user, update_fields=list(changes))
    return user


@transaction.atomic
def issue_api_token(*, user: User, now=None) -> str:
    """Return `user`'s API token: the current one while fresh, else a new one valid for an hour."""
    now = now or timezone.now()
    for token in ApiToken.objects.reusable_for(user, now)[:1]:
        if token.key is not None:  # None: SECRET_KEY changed, so the old plaintext is lost
            return token.key
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()  # keep the table small
    seed = ApiToken.new_seed()
    key = ApiToken.derive_key(seed)
    ApiToken.objects.create(
        user=user, seed=seed, key_hash=ApiToken.hash_key(key), created_at=now, expires_at=now + API_TOKEN_LIFETIME
    )
    return key


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> None:
    """Make `token` unusable at once."""
    token.delete()
