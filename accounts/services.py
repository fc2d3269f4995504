"""Writes about people and their relationships, shared by views, API and commands."""

import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Follow, Notification, User


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
