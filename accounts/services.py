"""Writes about people and their relationships, shared by views, API and commands."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
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


@transaction.atomic
def deactivate_users(*, users) -> int:
    """Deactivate `users` (a QuerySet): they cannot log in and their posts are hidden; return how many changed.

    Their open sessions are ended too. Even without that, Django's backend refuses an
    inactive user on their very next request, whatever the session engine.
    """
    ids = list(users.filter(is_active=True).values_list("pk", flat=True))
    if ids:
        User.objects.filter(pk__in=ids).update(is_active=False)
        end_sessions(user_ids=ids)
    return len(ids)


@transaction.atomic
def reactivate_users(*, users) -> int:
    """Let deactivated `users` (a QuerySet) log in and be seen again; return how many changed."""
    return users.filter(is_active=False).update(is_active=True)


def end_sessions(*, user_ids) -> int:
    """Delete the stored sessions of the given users; return how many were deleted.

    Sessions are not indexed by user, so this reads every unexpired session: fine for a
    moderation action, too slow for a page. Engines that cannot list their sessions
    (cache, signed cookies) are skipped: Django's backend still refuses an inactive user.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    wanted = {str(pk) for pk in user_ids}
    ended = 0
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=2000):
        if session.get_decoded().get(SESSION_KEY) in wanted:
            # Through the store, so cached_db also drops its cached copy.
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def delete_old_notifications(*, before: float) -> int:
    """Delete notifications last updated before `before` (a Unix time), keeping live badges; return how many."""
    deleted, _rows = Notification.objects.expired(before).delete()
    return deleted
