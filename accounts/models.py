import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import idna
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.avatars import avatar_url
from microblog.counters import KeepsCountersOnSave

# last_seen is written at most this often per user, so browsing is not a stream of writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
# Suggestions pick from this many of the most-followed accounts (the user_most_followed
# index, read in order): a bounded read whatever the size of the site.
SUGGESTION_CANDIDATES = 200
# ... among the people seen this recently, who are likely to post again.
SUGGESTION_ACTIVE_WITHIN = timedelta(days=30)


def ascii_domain(domain: str) -> str:
    """Return an email domain in lower-case ASCII: `bücher.example` becomes `xn--bcher-kva.example`."""
    domain = domain.lower()
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        pass
    try:
        # IDNA 2003 (Python's own codec) still encodes names that IDNA 2008 refuses, such as symbols.
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def email_spellings(email: str) -> list[str]:
    """Return the lower-case spellings under which `email` may be stored: its ASCII domain first.

    Addresses are stored with an ASCII domain; accounts created before that rule may hold
    the Unicode one, so a lookup tries both.
    """
    email = (email or "").strip()
    local, at, domain = email.rpartition("@")
    if not at:
        return [email.lower()]
    ascii_form = ascii_domain(domain)
    try:
        unicode_form = idna.decode(ascii_form)
    except (idna.IDNAError, UnicodeError):
        unicode_form = domain.lower()
    return list(dict.fromkeys(f"{local}@{form}".lower() for form in (ascii_form, unicode_form, domain.lower())))


class UserQuerySet(models.QuerySet):
    def active(self):
        """Return the users who may sign in (not deactivated by a moderator)."""
        return self.filter(is_active=True)

    def by_login(self, login: str):
        """Return the users whose username or email is `login` in any letter case (one query, two indexes).

        The way to find people by what they type; both sides go through the database's
        LOWER(), so PostgreSQL answers from the `Lower(...)` unique indexes.
        """
        return self._identities().filter(_named(login) | _with_email(login))

    def named(self, username: str):
        """Return the user called `username` in any letter case (served by the Lower(username) index)."""
        return self._identities().filter(_named(username))

    def named_any(self, usernames):
        """Return the users called any of `usernames`, in any letter case (one query, the same index)."""
        wanted = Q()
        for username in usernames:
            wanted |= _named(username)
        return self._identities().filter(wanted) if wanted else self.none()

    def with_email(self, email: str):
        """Return the user whose email is `email` in any case, either domain spelling (the Lower(email) index)."""
        return self._identities().filter(_with_email(email))

    def matching(self, words):
        """Return the users whose username, or else whose about-me, holds every one of `words`.

        `words` are lower-case. Usernames that start with the first word come first, then
        the other usernames holding the words, then the about-me matches, each group in
        username order. On PostgreSQL the trigram indexes of accounts/0011 serve all three
        (a substring LIKE cannot use a B-tree index); SQLite scans the users.
        """
        if not words:
            return self.none()
        people = self.alias(username_lower=Lower("username"), about_me_lower=Lower("about_me"))
        in_username, in_about_me = Q(), Q()
        for word in words:
            in_username &= Q(username_lower__contains=word)
            in_about_me &= Q(about_me_lower__contains=word)
        prefix = in_username & Q(username_lower__startswith=words[0])
        return (
            people.filter(in_username | in_about_me)
            .alias(
                match_group=Case(
                    When(prefix, then=Value(0)),
                    When(in_username, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("match_group", "username_lower", "pk")
        )

    def _identities(self):
        return self.alias(username_lower=Lower("username"), email_lower=Lower("email"))

    def visible_to(self, viewer):
        """The active users `viewer` may see: not those on the other side of a block (accounts/safety.py)."""
        from accounts.safety import boundaries_of  # safety reads the models below

        blocked = boundaries_of(viewer).blocked
        return self.active().exclude(pk__in=blocked) if blocked else self.active()

    def with_follow_state(self, viewer):
        """Annotate `is_followed`: whether `viewer` follows each user."""
        if not viewer.is_authenticated:
            return self.annotate(is_followed=Value(False))
        return self.annotate(is_followed=Exists(Follow.objects.filter(follower=viewer, followed=OuterRef("pk"))))

    def suggested_for(self, user, limit: int = 5):
        """Return up to `limit` people for `user` to follow: well followed, seen lately, with posts, not yet followed.

        One query, a bounded read whatever the size of the site: the candidates are the
        SUGGESTION_CANDIDATES most-followed active accounts (and any tied with the last),
        a range of the user_most_followed index down to the follower count of the last of
        them, found by reading that many entries of the same index, and walked most
        followed first. Of those, the ones seen within SUGGESTION_ACTIVE_WITHIN who have
        posted, are not `user` and are not followed by them (an anti-join on an index of
        the follows) are kept, until `limit`. A visitor gets the same people. Each is
        annotated `is_followed` (false) for the follow button.
        accounts/tests/test_suggestions.py checks the plan on PostgreSQL.
        """
        ranked = self.active().order_by("-follower_count", "pk").values("follower_count")
        threshold = Coalesce(Subquery(ranked[SUGGESTION_CANDIDATES - 1 : SUGGESTION_CANDIDATES]), Value(0))
        people = self.active().filter(
            follower_count__gte=threshold,
            last_seen__gte=timezone.now() - SUGGESTION_ACTIVE_WITHIN,
            post_count__gt=0,
        )
        if user.is_authenticated:
            from accounts.safety import boundaries_of  # safety reads the models below

            followed = Follow.objects.filter(follower=user, followed=OuterRef("pk"))
            people = people.exclude(pk=user.pk).exclude(Exists(followed))
            if hidden := boundaries_of(user).hidden():
                people = people.exclude(pk__in=hidden)
        return people.annotate(is_followed=Value(False)).order_by("-follower_count", "pk")[:limit]

    def related_to(self, user, relation: str):
        """Return `user`'s "followers" or "following", most recent follow first."""
        mine, theirs = ("followed", "follower") if relation == "followers" else ("follower", "followed")
        edges = Follow.objects.filter(**{mine: user})
        since = edges.filter(**{theirs: OuterRef("pk")}).values("created_at")[:1]
        return (
            self.active()
            .filter(pk__in=edges.values(f"{theirs}_id"))
            .annotate(followed_at=Subquery(since))
            .order_by("-followed_at", "-pk")
        )

    def touch_last_seen(self, user, now=None) -> bool:
        """Move `user.last_seen` to now if it is older than the resolution; one UPDATE."""
        now = now or timezone.now()
        updated = (
            self.filter(pk=user.pk)
            .filter(Q(last_seen__isnull=True) | Q(last_seen__lt=now - LAST_SEEN_RESOLUTION))
            .update(last_seen=now)
        )
        if updated:
            user.last_seen = now
        return bool(updated)


def _named(username: str) -> Q:
    return Q(username_lower=Lower(Value(username)))


def _with_email(email: str) -> Q:
    spellings = Q()
    for spelling in email_spellings(email):
        spellings |= Q(email_lower=Lower(Value(spelling)))
    return spellings


class AccountManager(UserManager.from_queryset(UserQuerySet)):
    """Django's user manager (create_user, createsuperuser) with our QuerySet methods."""

    @classmethod
    def normalize_email(cls, email):
        """Lower-case the domain and write it in ASCII (IDNA), so an address has one stored spelling.

        Used by every write: the forms and the model's clean(), the API, the services,
        create_user and createsuperuser.
        """
        email = super().normalize_email(email)
        local, at, domain = email.rpartition("@")
        return f"{local}@{ascii_domain(domain)}" if at else email


class User(KeepsCountersOnSave, AbstractUser):
    """A person on the site; follows other users through Follow."""

    email = models.EmailField(_("email address"))
    about_me = models.CharField(_("about me"), max_length=140, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_message_read_time = models.DateTimeField(_("last message read at"), null=True, blank=True)
    last_activity_read_time = models.DateTimeField(_("last notification read at"), null=True, blank=True)
    # Stored counts, kept by database triggers (accounts/counters.py, posts/counters.py);
    # never written by Django after the row is created.
    post_count = models.PositiveIntegerField(_("posts"), default=0, editable=False)
    follower_count = models.PositiveIntegerField(_("followers"), default=0, editable=False)
    following_count = models.PositiveIntegerField(_("following"), default=0, editable=False)
    # Messages from active senders since last_message_read_time: the navbar badge and the
    # notifications poll both read this column.
    unread_message_count = models.PositiveIntegerField(_("unread messages"), default=0, editable=False)
    # Notifications (posts.Activity) from active people since last_activity_read_time:
    # the navbar's second badge, kept live by the same poll.
    unread_activity_count = models.PositiveIntegerField(_("unread notifications"), default=0, editable=False)
    # An uploaded avatar's stored sizes, "48" -> {"path", "width", "height"} (accounts/avatars.py);
    # empty for the identicon. On the user row, so a page showing faces reads no other table.
    avatar_variants = models.JSONField(_("avatar"), default=dict, blank=True, editable=False)
    following = models.ManyToManyField(
        "self",
        through="Follow",
        through_fields=("follower", "followed"),
        symmetrical=False,
        related_name="followers",
        verbose_name=_("following"),
    )

    objects = AccountManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message=_("A user with that username already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message=_("A user with that email address already exists."),
            ),
        ]
        indexes = [
            # Suggestions (UserQuerySet.suggested_for): the most-followed active accounts, in order.
            models.Index(fields=["-follower_count", "id"], name="user_most_followed"),
        ]

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("posts:profile", args=[self.username])

    def avatar(self, size: int = 80) -> str:
        """Return the URL of this user's avatar at `size` pixels: the uploaded picture, else the identicon."""
        return avatar_url(email=self.email, username=self.username, size=size, variants=self.avatar_variants)

    @property
    def avatar_small(self) -> str:
        """Avatar URL for lists, posts and the navbar."""
        return self.avatar(48)

    @property
    def avatar_small_2x(self) -> str:
        """The small avatar for high-density screens (srcset 2x)."""
        return self.avatar(96)

    @property
    def avatar_large(self) -> str:
        """Avatar URL for profile headers and popups."""
        return self.avatar(128)

    @property
    def avatar_large_2x(self) -> str:
        """The large avatar for high-density screens (srcset 2x)."""
        return self.avatar(256)

    def is_following(self, user) -> bool:
        """Return whether this user follows `user`."""
        return Follow.objects.filter(follower=self, followed=user).exists()

    def has_two_factor(self) -> bool:
        """Return whether signing in needs a code besides the password (a confirmed authenticator; one query)."""
        from django_otp.plugins.otp_totp.models import TOTPDevice  # its models load after ours

        return TOTPDevice.objects.filter(user=self, confirmed=True).exists()


class Follow(models.Model):
    """A follower -> followed edge; the through table of User.following."""

    follower = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("follower"))
    followed = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("followed"))
    created_at = models.DateTimeField(_("followed at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=F("followed")), name="follow_not_self"),
        ]
        indexes = [
            # "Who follows X", newest first: followers pages and follower counts.
            models.Index(fields=["followed", "created_at"], name="follow_followed_created"),
        ]

    def __str__(self):
        return f"{self.follower_id} -> {self.followed_id}"


class Block(models.Model):
    """`blocker` keeps `blocked` away: neither sees nor reaches the other (accounts/safety.py)."""

    blocker = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("blocker"))
    blocked = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("blocked"))
    created_at = models.DateTimeField(_("blocked at"), default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]
        indexes = [
            # "Who blocked me": the other half of every viewer's boundaries.
            models.Index(fields=["blocked"], name="block_blocked"),
        ]

    def __str__(self):
        return f"{self.blocker_id} blocks {self.blocked_id}"


class MuteQuerySet(models.QuerySet):
    def in_force(self, now=None):
        """Return the mutes that have not run out (forever, or until a time still to come)."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))


class Mute(models.Model):
    """`muter` no longer sees `muted`'s posts, boosts and notifications, until `expires_at` (NULL: forever)."""

    muter = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("muted by"))
    muted = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("muted"))
    created_at = models.DateTimeField(_("muted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("muted until"), null=True, blank=True)

    objects = MuteQuerySet.as_manager()

    class Meta:
        verbose_name = _("mute")
        verbose_name_plural = _("mutes")
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_once"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="mute_not_self"),
        ]

    def __str__(self):
        return f"{self.muter_id} mutes {self.muted_id}"


class NotificationQuerySet(models.QuerySet):
    def for_user_since(self, user, since: float):
        """Return `user`'s notifications newer than `since` (a Unix time), oldest first."""
        return self.filter(user=user, timestamp__gt=since).order_by("timestamp", "pk")

    def expired(self, before: float):
        """Return notifications not updated since `before` (a Unix time)."""
        return self.filter(timestamp__lt=before)


class Notification(models.Model):
    """The latest value of one named notification for a user (e.g. task_progress)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="notifications", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=128)
    payload = models.JSONField(_("payload"), default=dict)
    # A float Unix time, as the tutorial's clients poll with ?since=<float>.
    timestamp = models.FloatField(_("timestamp"))

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="notification_once_per_name")]
        indexes = [
            # The poll: one user's notifications newer than a timestamp.
            models.Index(fields=["user", "timestamp"], name="notification_user_since"),
        ]

    def __str__(self):
        return f"{self.name} for {self.user_id}"

    @property
    def updated_at(self) -> datetime:
        """The timestamp as an aware datetime, for people to read."""
        return datetime.fromtimestamp(self.timestamp, tz=UTC)


# A token lives an hour; asking again within its last minute gets a fresh one, as in microblog.
API_TOKEN_LIFETIME = timedelta(hours=1)
API_TOKEN_REUSE_MARGIN = timedelta(minutes=1)


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        """Return the tokens that have not expired."""
        return self.filter(expires_at__gt=now or timezone.now())

    def for_key(self, key: str):
        """Return the live token whose plaintext is `key`, joined with its user."""
        return self.live().filter(key_hash=ApiToken.hash_key(key)).select_related("user")

    def reusable_for(self, user, now=None):
        """Return `user`'s tokens with more than the reuse margin left, longest-lived first, joined with the user."""
        now = now or timezone.now()
        return self.filter(user=user).live(now + API_TOKEN_REUSE_MARGIN).order_by("-expires_at").select_related("user")


class ApiToken(models.Model):
    """A Bearer token of the REST API, stored as the SHA-256 digest of its plaintext.

    The plaintext is an HMAC of a random `seed` and the user's password hash under
    SECRET_KEY: a copy of the database alone yields no usable token, yet the server can
    hand the same token back while it is fresh, as microblog's POST /api/tokens does.
    A new password, set by any path, makes every older token of the user invalid, as
    Django's session hash does for sessions; services.save_password also deletes them.
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True)
    seed = models.CharField(_("seed"), max_length=32)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [
            # POST /api/tokens: the user's longest-lived token, to hand it back while fresh.
            models.Index(fields=["user", "-expires_at"], name="apitoken_user_expires"),
        ]

    def __str__(self):
        return f"API token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def new_seed() -> str:
        """Return a random seed (128 bits) for a new token."""
        return secrets.token_hex(16)

    @staticmethod
    def derive_key(seed: str, password_hash: str) -> str:
        """Return the plaintext token (32 hex characters) for `seed` and a password hash under SECRET_KEY."""
        return salted_hmac("accounts.ApiToken", f"{seed}:{password_hash}", algorithm="sha256").hexdigest()[:32]

    @staticmethod
    def hash_key(key: str) -> str:
        """Return the SHA-256 hex digest under which a plaintext token is stored."""
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def key(self) -> str | None:
        """The plaintext of this token, or None if SECRET_KEY or the user's password changed since it was issued."""
        key = self.derive_key(self.seed, self.user.password)
        return key if self.hash_key(key) == self.key_hash else None
