"""Writes about people and their relationships, shared by views, API and commands."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import safety
from accounts.avatars import AVATAR_FOLDER, AVATAR_SIZES, variant_paths
from accounts.models import API_TOKEN_LIFETIME, ApiToken, Block, Follow, Mute, Notification, User
from accounts.signals import account_deleting, user_blocked, user_followed
from accounts.validators import (
    validate_email_free,
    validate_username_characters,
    validate_username_free,
    validate_username_unlike_others,
)
from microblog.images import delete_files, make_variants, save_variants

# What a user may change about themselves through the API (as in microblog's from_dict).
PROFILE_FIELDS = ("username", "email", "about_me")


@transaction.atomic
def follow_user(*, follower: User, followed: User) -> bool:
    """Make `follower` follow `followed`; return False if they already did."""
    if follower.pk == followed.pk:
        raise ValidationError(_("You cannot follow yourself."))
    refuse_if_blocked(follower, followed)
    try:
        # A savepoint, so a concurrent double click's duplicate loses quietly.
        with transaction.atomic():
            follow = Follow.objects.create(follower=follower, followed=followed)
    except IntegrityError:
        return False
    user_followed.send(sender=Follow, follow=follow)
    return True


@transaction.atomic
def unfollow_user(*, follower: User, followed: User) -> bool:
    """Make `follower` stop following `followed`; return False if they did not."""
    deleted, _rows = Follow.objects.filter(follower=follower, followed=followed).delete()
    return bool(deleted)


def refuse_if_blocked(user: User, other: User) -> None:
    """Raise ValidationError, saying which side blocked, if a block stands between `user` and `other`."""
    if not safety.blocked_between(user, other):
        return
    if Block.objects.filter(blocker=user, blocked=other).exists():
        raise ValidationError(_("You have blocked @%(username)s: unblock them first.") % {"username": other.username})
    raise ValidationError(_("@%(username)s has blocked you.") % {"username": other.username})


@transaction.atomic
def block_user(*, blocker: User, blocked: User) -> bool:
    """Make `blocker` block `blocked`; return False if they already did.

    The follows between them go in both directions, and every notification between them
    (through `user_blocked`, which posts connects).
    """
    if blocker.pk == blocked.pk:
        raise ValidationError(_("You cannot block yourself."))
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate loses quietly
            Block.objects.create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        return False
    Follow.objects.filter(Q(follower=blocker, followed=blocked) | Q(follower=blocked, followed=blocker)).delete()
    user_blocked.send(sender=Block, blocker=blocker, blocked=blocked)
    safety.forget(blocker, blocked)
    return True


@transaction.atomic
def unblock_user(*, blocker: User, blocked: User) -> bool:
    """Take `blocker`'s block of `blocked` back; return False if there was none. Follows are not restored."""
    deleted, _rows = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    safety.forget(blocker, blocked)
    return bool(deleted)


@transaction.atomic
def mute_user(*, muter: User, muted: User, until=None) -> Mute:
    """Mute `muted` for `muter` until `until` (None: until unmuted); muting again sets the new end."""
    if muter.pk == muted.pk:
        raise ValidationError(_("You cannot mute yourself."))
    if until is not None and until <= timezone.now():
        raise ValidationError(_("A mute must end in the future."))
    try:
        with transaction.atomic():  # a savepoint: two identical requests at once make one row
            mute, _created = Mute.objects.update_or_create(muter=muter, muted=muted, defaults={"expires_at": until})
    except IntegrityError:
        mute = Mute.objects.get(muter=muter, muted=muted)
    safety.forget(muter)
    return mute


@transaction.atomic
def unmute_user(*, muter: User, muted: User) -> bool:
    """Take `muter`'s mute of `muted` back; return False if there was none in force."""
    deleted, _rows = Mute.objects.filter(muter=muter, muted=muted).delete()
    safety.forget(muter)
    return bool(deleted)


def delete_expired_mutes(*, now=None) -> int:
    """Delete the mutes that ran out (they no longer count anyway); return how many."""
    deleted, _rows = Mute.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Delete `user` and, through cascades, their posts, messages, follows and notifications.

    The avatar's files (as `user` was loaded) go once the deletion is committed: a
    rollback keeps the account and the pictures it still points at. The apps that keep
    files for the user's rows hear `account_deleting` first.
    """
    paths = variant_paths(user.avatar_variants)
    account_deleting.send(sender=User, user=user)
    user.delete()
    _delete_after_commit(paths)


def set_avatar(*, user: User, image) -> dict:
    """Make `image` (decoded by microblog.images.open_image) `user`'s avatar; return the stored variants.

    The new files are written before the row changes and deleted again if it cannot
    change; the old avatar's files are deleted only after the change is committed, so a
    page rendered meanwhile never points at a missing file. Called inside a transaction
    that is later rolled back, the new files stay behind for `manage.py cleanup`.
    """
    variants = save_variants(make_variants(image, AVATAR_SIZES, square=True), folder=AVATAR_FOLDER)
    try:
        previous = _replace_avatar(user, variants)
    except BaseException:
        delete_files(variant_paths(variants))
        raise
    _delete_after_commit(variant_paths(previous))
    return variants


@transaction.atomic
def remove_avatar(*, user: User) -> bool:
    """Go back to `user`'s identicon; return False if they had no uploaded avatar."""
    previous = _replace_avatar(user, {})
    _delete_after_commit(variant_paths(previous))
    return bool(previous)


@transaction.atomic
def _replace_avatar(user: User, variants: dict) -> dict:
    """Store `variants` as `user`'s avatar and return the ones they replace, read under a row lock.

    The lock makes two uploads at once (two tabs) replace each other in turn, so each
    deletes exactly the files it replaced.
    """
    try:
        previous = User.objects.select_for_update().values_list("avatar_variants", flat=True).get(pk=user.pk)
    except User.DoesNotExist:
        raise ValidationError(_("This account no longer exists.")) from None
    User.objects.filter(pk=user.pk).update(avatar_variants=variants)
    user.avatar_variants = variants
    return previous or {}


def _delete_after_commit(paths: list[str]) -> None:
    if paths:
        # robust: a store that fails to delete is logged, and never undoes the committed change.
        transaction.on_commit(lambda: delete_files(paths), robust=True)


@transaction.atomic
def add_notification(*, user: User, name: str, payload) -> Notification:
    """Set `user`'s notification `name` to `payload`, replacing the previous one in place."""
    notification, _created = Notification.objects.update_or_create(
        user=user, name=name, defaults={"payload": payload, "timestamp": time.time()}
    )
    return notification


def _check_username(username: str, *, user: User | None = None) -> None:
    """Refuse a new name or a rename that breaks the username rule or looks like someone else's.

    Whether the name is free is the Lower(username) constraint's job (see _save_identity);
    the forms and the API check it first only to answer sooner.
    """
    if user is not None and user.pk and username == user.username:
        return  # kept as it is: names from before the ASCII rule stay valid
    try:
        validate_username_characters(username)
        validate_username_unlike_others(username, user=user)
    except ValidationError as error:
        raise ValidationError({"username": error.error_list}) from None


def _save_identity(user: User, fields, **save_kwargs) -> None:
    """Validate `fields` of `user` and save; a name or address taken meanwhile is a ValidationError, not a 500."""
    others = [field.name for field in user._meta.fields if field.name not in fields]
    user.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            user.save(**save_kwargs)
    except IntegrityError:
        # A double click, or someone else took the name or the address since the form's
        # checks: say which, as the form would have.
        taken = {}
        for field, check in (("username", validate_username_free), ("email", validate_email_free)):
            if field in fields:
                try:
                    check(getattr(user, field), user=user)
                except ValidationError as error:
                    taken[field] = error.error_list
        raise ValidationError(taken or _("A user with that username or email address already exists.")) from None


@transaction.atomic
def register_user(*, username: str, email: str, password: str, about_me: str = "") -> User:
    """Create an active account with a hashed password (the caller validated the password)."""
    _check_username(username)
    user = User(
        username=username, email=User.objects.normalize_email(email), about_me=about_me, last_seen=timezone.now()
    )
    user.set_password(password)
    _save_identity(user, ["username", "email", "about_me"])
    return user


@transaction.atomic
def update_profile(*, user: User, **changes) -> User:
    """Change `user`'s username, email or about-me text and save only those columns."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"update_profile() cannot change {sorted(unknown)}")
    if "username" in changes:
        _check_username(changes["username"], user=user)
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"])
    for field, value in changes.items():
        setattr(user, field, value)
    if changes:
        _save_identity(user, list(changes), update_fields=list(changes))
    return user


@transaction.atomic
def save_password(*, user: User) -> None:
    """Store the password just set on `user` and revoke every API token they hold.

    Django's session hash covers the password, so the user's other sessions end with the
    change; the tokens end with it too (docs/accounts.md).
    """
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user=user).delete()


@transaction.atomic
def issue_api_token(*, user: User, now=None) -> str:
    """Return `user`'s API token: the current one while fresh, else a new one valid for an hour."""
    now = now or timezone.now()
    for token in ApiToken.objects.reusable_for(user, now)[:1]:
        if token.key is not None:  # None: SECRET_KEY or the password changed since
            return token.key
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()  # keep the table small
    seed = ApiToken.new_seed()
    key = ApiToken.derive_key(seed, user.password)
    ApiToken.objects.create(
        user=user, seed=seed, key_hash=ApiToken.hash_key(key), created_at=now, expires_at=now + API_TOKEN_LIFETIME
    )
    return key


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> None:
    """Make `token` unusable at once."""
    token.delete()


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
    """Delete notifications last updated before `before` (a Unix time); return how many."""
    deleted, _rows = Notification.objects.expired(before).delete()
    return deleted


# ---------------------------------------------------------------------------
# Two-factor sign-in (docs/security.md): one authenticator (TOTP) and ten recovery codes
# ---------------------------------------------------------------------------

RECOVERY_CODE_COUNT = 10
# Longer than any code we hand out (six digits, or a recovery code of eight letters).
CODE_MAX_LENGTH = 16


def normalise_code(code: str) -> str:
    """Return a typed code without the spaces and dashes people add, in lower case."""
    return "".join(str(code).split()).replace("-", "").lower()


@transaction.atomic
def start_two_factor(*, user: User) -> TOTPDevice:
    """Return `user`'s authenticator waiting for its first code, making one with a new secret if none waits.

    It stays unconfirmed, and counts for nothing, until confirm_two_factor() sees a code
    from it; reloading the setup page shows the same secret.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm_two_factor(*, user: User, code: str) -> list[str] | None:
    """Turn two-factor sign-in on if `code` is current for `user`'s waiting authenticator.

    Return the ten new recovery codes (shown once, never stored in the clear elsewhere),
    or None when the code is wrong. The API tokens held so far were had with the password
    alone, so they end.
    """
    code = normalise_code(code)
    if not code.isdigit() or len(code) > CODE_MAX_LENGTH:
        return None
    # Not one atomic block with the caller's error: a wrong code's throttle count must be kept.
    with transaction.atomic():
        waiting = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk")
        device = next((device for device in waiting if device.verify_token(code)), None)
        if device is None:
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Other setups left waiting (two tabs), and any earlier authenticator.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        ApiToken.objects.filter(user=user).delete()
        return _new_recovery_codes(user)


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    """Give `user` ten new recovery codes; every earlier one stops working."""
    return _new_recovery_codes(user)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in codes)
    return codes


def verify_second_factor(*, user: User, code: str) -> bool:
    """Return whether `code` is a current authenticator code or an unused recovery code of `user`.

    A recovery code is spent by this call, and an authenticator code cannot be used twice;
    the devices are locked while they are checked, so two identical requests at once
    cannot both pass. Only confirmed devices count. Wrong codes slow the device down
    (django-otp's throttle), on top of the sign-in lockout the callers count them in.
    """
    code = normalise_code(code)
    if not code or len(code) > CODE_MAX_LENGTH:
        return False
    # An authenticator code is six digits; anything else can only be a recovery code.
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk")
        return any(device.verify_token(code) for device in devices)


@transaction.atomic
def disable_two_factor(*, user: User) -> None:
    """Turn two-factor sign-in off for `user`: the authenticator and the recovery codes are deleted."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
