from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection, models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import safety
from accounts.models import Follow, User
from microblog.counters import KeepsCountersOnSave
from posts.body import BODY_MAX_LENGTH
from posts.entities import TAG_MAX_LENGTH

# A content warning is a short line ("spoilers", "food", "politics"), not a second post.
CONTENT_WARNING_MAX_LENGTH = 100


class PostQuerySet(models.QuerySet):
    def visible(self):
        """Hide the posts of deactivated (moderated) users."""
        return self.filter(author__is_active=True)

    def visible_to(self, viewer, *, muting: bool = False):
        """The posts `viewer` may open: visible(), less those of anyone on the other side of a block.

        `muting` leaves out the people `viewer` mutes as well, for the lists that are feeds.
        """
        hidden = safety.boundaries_of(viewer).hidden(muting=muting)
        return self.visible().exclude(author__in=hidden) if hidden else self.visible()

    def for_display(self):
        """Join what posts/_post.html and the API show of a post, and load only those columns.

        The join keeps a page at a fixed number of queries; building 25 full User rows
        (17 columns, password hash included) per page was a measurable part of every list.
        The rows that the body's mention links are made from are read for a whole list at
        once, in one query, by posts.rendering.load_mentions().
        """
        return (
            self.visible()
            .select_related("author", "in_reply_to__author")
            .only(
                "body",
                "content_warning",
                "language",
                "created_at",
                "edited_at",
                "conversation",
                "reply_count",
                "like_count",
                "boost_count",
                "is_sensitive",
                "attachment_count",
                "author__username",
                "author__email",
                "author__avatar_variants",
                "in_reply_to__author__username",
            )
            .order_by("-created_at", "-pk")
        )

    def with_viewer_state(self, viewer):
        """Mark each post with what `viewer` has done to it (liked, boosted, bookmarked), in the same query."""
        if not viewer.is_authenticated:
            return self
        return self.annotate(
            liked=Exists(Like.objects.filter(post=OuterRef("pk"), user=viewer)),
            boosted=Exists(Boost.objects.filter(post=OuterRef("pk"), user=viewer)),
            bookmarked=Exists(Bookmark.objects.filter(post=OuterRef("pk"), user=viewer)),
        )

    def in_feed_of(self, user):
        """Return the posts of `user` and of everyone they follow, unordered and unjoined."""
        followed = Follow.objects.filter(follower=user).values("followed_id")
        return self.filter(Q(author__in=followed) | Q(author=user))

    def feed_for(self, user):
        """Return the user's own posts and the posts of everyone they follow, newest first.

        Posts only: the home page's feed adds the boosts (posts.timelines.home(), built on
        in_feed_of too).
        """
        return self.in_feed_of(user).for_display()

    def by_author(self, user):
        """Return `user`'s posts, newest first (none while `user` is deactivated).

        Through the related manager, each post's author is the `user` object itself: no
        copy of the author row per post.
        """
        return user.posts.visible().order_by("-created_at", "-pk")

    def in_conversation(self, root_id: int):
        """Return every post of the conversation that `root_id` started, the first post included."""
        return self.filter(Q(pk=root_id) | Q(conversation=root_id))

    def tagged(self, tag):
        """Return the posts carrying `tag`."""
        return self.filter(taggings__tag=tag)

    def tagged_newest_first(self, tag):
        """Return the posts carrying `tag`, newest first, in the order of the tagging index."""
        return self.tagged(tag).order_by("-taggings__created_at", "-pk")

    def bookmarked_by(self, user):
        """Return the posts `user` bookmarked, the newest bookmark first."""
        return self.filter(bookmarks__user=user).order_by("-bookmarks__created_at", "-pk")


class Tag(models.Model):
    """A #hashtag; `key` is its case-insensitive identity, `name` its first spelling."""

    name = models.CharField(_("name"), max_length=TAG_MAX_LENGTH)
    key = models.CharField(_("key"), max_length=TAG_MAX_LENGTH, unique=True, editable=False)
    created_at = models.DateTimeField(_("first used at"), default=timezone.now)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return f"#{self.name}"

    def get_absolute_url(self):
        return reverse("posts:tag", args=[self.name])


class Post(KeepsCountersOnSave, models.Model):
    """Something a user wrote, at most 140 characters; a reply when `in_reply_to` was set."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="posts", verbose_name=_("author"))
    body = models.CharField(_("body"), max_length=BODY_MAX_LENGTH)
    # Shown instead of the body (and its pictures) until the reader opens it; blank: none.
    content_warning = models.CharField(
        _("content warning"), max_length=CONTENT_WARNING_MAX_LENGTH, blank=True, default="", db_default=""
    )
    language = models.CharField(_("language"), max_length=5, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When the author last changed the text or the warning (posts.services.edit_post);
    # the versions it replaced are PostEdit rows.
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True, editable=False)
    # A deleted parent leaves its replies standing: they show "a deleted post" above them.
    in_reply_to = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="replies", verbose_name=_("in reply to")
    )
    # The id of the conversation's first post, kept when that post is deleted: a thread
    # page reads the whole conversation in one indexed query. NULL for a first post, so
    # "is a reply" is `conversation IS NOT NULL` even after the parent is gone.
    conversation = models.BigIntegerField(_("conversation"), null=True, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, through="Tagging", related_name="posts", blank=True, verbose_name=_("tags"))
    # Kept by triggers (posts/counters.py).
    reply_count = models.PositiveIntegerField(_("replies"), default=0, editable=False)
    like_count = models.PositiveIntegerField(_("likes"), default=0, editable=False)
    boost_count = models.PositiveIntegerField(_("boosts"), default=0, editable=False)
    # The author's "mark as sensitive" box (or a moderator's action): the pictures stay
    # blurred until the reader asks to see them.
    is_sensitive = models.BooleanField(_("sensitive pictures"), default=False, db_default=False)
    # How many pictures were attached when the post was published: a page of posts without
    # any reads no Attachment rows at all (posts.rendering.load_attachments). Written once
    # by publish_post; a moderator's removal of one leaves it high, which costs one query.
    attachment_count = models.PositiveSmallIntegerField(_("pictures"), default=0, db_default=0, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Profile pages and the feed: one author's posts, newest first.
            models.Index(fields=["author", "-created_at"], name="post_author_created"),
            # Explore: everyone's posts, newest first.
            models.Index(fields=["-created_at"], name="post_created"),
            # The profile's "Posts" tab: one author's first posts (not replies), newest first.
            models.Index(
                fields=["author", "-created_at"], condition=Q(conversation__isnull=True), name="post_author_first_posts"
            ),
            # The thread page: a conversation's posts.
            models.Index(fields=["conversation"], condition=Q(conversation__isnull=False), name="post_conversation"),
            # The SET_NULL of a deleted parent, and its replies.
            models.Index(fields=["in_reply_to"], condition=Q(in_reply_to__isnull=False), name="post_in_reply_to"),
        ]

    def __str__(self):
        return f"{self.author_id}: {self.body[:40]}"

    def get_absolute_url(self):
        return reverse("posts:post", args=[self.pk])

    @property
    def is_reply(self) -> bool:
        """Whether the post was written as a reply (its parent may since have been deleted)."""
        return self.conversation is not None

    def get_history_url(self):
        return reverse("posts:history", args=[self.pk])


class PostEditQuerySet(models.QuerySet):
    def of(self, post):
        """Return the earlier versions of `post`, the most recent first."""
        return self.filter(post=post).order_by("-created_at", "-pk")


class PostEdit(models.Model):
    """A version of a post that an edit replaced: its text and warning, and since when it was shown.

    `created_at` is when this version was written (the post's own time for the first
    version, the previous edit's time after that), so the history lists each version
    with the time it went up.
    """

    post = models.ForeignKey(Post, models.CASCADE, related_name="edits", verbose_name=_("post"))
    body = models.CharField(_("body"), max_length=BODY_MAX_LENGTH)
    content_warning = models.CharField(_("content warning"), max_length=CONTENT_WARNING_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("written at"))

    objects = PostEditQuerySet.as_manager()

    class Meta:
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        indexes = [
            # The history page: one post's versions, newest first.
            models.Index(fields=["post", "-created_at"], name="postedit_post_created"),
        ]

    def __str__(self):
        return f"{self.post_id} @ {self.created_at:%Y-%m-%d %H:%M}"


# At most this many pictures per post; the position is 0 to 3.
MAX_ATTACHMENTS = 4
ALT_TEXT_MAX_LENGTH = 1500
# The sizes made once at upload (longest side, px): "small" fills the grid of a post
# (a 560 px column at most, two columns for 2 to 4 pictures), "large" is the full view,
# sharp on a laptop screen. Why not bigger: docs/performance.md, pictures.
ATTACHMENT_SIZES = {"small": 640, "large": 1600}
# Where they are stored: posts/<random>/<size>.webp.
ATTACHMENT_FOLDER = "posts"


class Attachment(models.Model):
    """A picture of a post: the stored sizes of one upload, its description and its place."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="attachments", verbose_name=_("post"))
    # name -> {"path", "width", "height"} as microblog.images.save_variants returns it.
    variants = models.JSONField(_("stored sizes"), editable=False)
    # The size of the largest variant stored (what the full view shows).
    width = models.PositiveIntegerField(_("width"), editable=False)
    height = models.PositiveIntegerField(_("height"), editable=False)
    alt_text = models.CharField(_("description"), max_length=ALT_TEXT_MAX_LENGTH, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        ordering = ["post", "position"]
        constraints = [
            # Also the index of a page's pictures: WHERE post_id IN (...) ORDER BY post, position.
            models.UniqueConstraint(fields=["post", "position"], name="attachment_position_once"),
            models.CheckConstraint(condition=Q(position__lt=MAX_ATTACHMENTS), name="attachment_at_most_four"),
        ]

    def __str__(self):
        return f"{self.post_id} #{self.position + 1}"

    @property
    def paths(self) -> list[str]:
        """The stored files of this picture, one per size."""
        return [variant["path"] for variant in self.variants.values()]

    @property
    def variants_key(self) -> tuple:
        """What of the stored sizes the HTML shows (paths and sizes), for posts.rendering.post_key()."""
        return tuple(sorted((name, v["path"], v["width"], v["height"]) for name, v in self.variants.items()))

    @property
    def small(self) -> dict:
        """The grid's size: {"url", "width", "height"}."""
        return self._variant("small")

    @property
    def large(self) -> dict:
        """The full view's size: {"url", "width", "height"}."""
        return self._variant("large")

    def _variant(self, name: str) -> dict:
        variant = self.variants.get(name) or max(self.variants.values(), key=lambda stored: stored["width"])
        return {**variant, "url": default_storage.url(variant["path"])}


# Explore's trending tags: the last day, its top ten, computed at most once per five minutes.
TRENDING_WINDOW = timedelta(hours=24)
TRENDING_CACHE_SECONDS = 300
TRENDING_CACHE_KEY = "posts:trending-tags"


class TaggingQuerySet(models.QuerySet):
    def trending(self, *, since, limit: int = 10) -> list[dict]:
        """Return the `limit` tags most used since `since`, as {"name", "key", "uses"}, most used first.

        One GROUP BY on the range of the created_at index (the window's taggings), joined
        to Tag for the names; moderated authors' posts do not count.
        """
        return list(
            self.filter(created_at__gte=since, post__author__is_active=True)
            .values("tag_id", name=F("tag__name"), key=F("tag__key"))
            .annotate(uses=Count("pk"))
            .order_by("-uses", "key")[:limit]
        )

    def trending_now(self) -> list[dict]:
        """Return the last day's ten most used tags, from the cache when they were read in the last five minutes.

        The same for every viewer. Cached because the GROUP BY reads every tagging of
        the day and its post's author: 170 ms on PostgreSQL for 33,500 taggings a day
        (2,000 tags), on every Explore page otherwise; a trend minutes old is still the trend.
        """
        return cache.get_or_set(
            TRENDING_CACHE_KEY, lambda: self.trending(since=timezone.now() - TRENDING_WINDOW), TRENDING_CACHE_SECONDS
        )


class Tagging(models.Model):
    """A post carries a tag; `created_at` is the post's, so a tag page is one index range."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="taggings", verbose_name=_("post"))
    tag = models.ForeignKey(Tag, models.CASCADE, related_name="taggings", verbose_name=_("tag"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    objects = TaggingQuerySet.as_manager()

    class Meta:
        verbose_name = _("tagging")
        verbose_name_plural = _("taggings")
        constraints = [models.UniqueConstraint(fields=["post", "tag"], name="tag_post_once")]
        indexes = [
            # The tag page: one tag's posts, newest first.
            models.Index(fields=["tag", "-created_at"], name="tagging_tag_created"),
            # Explore's trending tags: the last day's taggings.
            models.Index(fields=["-created_at"], name="tagging_created"),
        ]

    def __str__(self):
        return f"{self.post_id} #{self.tag_id}"


class Mention(models.Model):
    """A post names a user with @username."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="mentions", verbose_name=_("post"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user"))

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="mention_once")]

    def __str__(self):
        return f"{self.post_id} @{self.user_id}"


class ReactionQuerySet(models.QuerySet):
    def people_for(self, post, viewer=None):
        """Return the active users who reacted so to `post` (User rows), most recent first, as `viewer` sees them.

        The users are what accounts/_person_list.html lists; `reacted_at` orders them.
        """
        reactions = self.filter(post=post)
        since = reactions.filter(user=OuterRef("pk")).values("created_at")[:1]
        return (
            User.objects.visible_to(viewer)
            .filter(pk__in=reactions.values("user_id"))
            .annotate(reacted_at=Subquery(since))
            .order_by("-reacted_at", "-pk")
        )


class Reaction(models.Model):
    """What a like, a boost and a bookmark share: one user, one post, once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user"))
    post = models.ForeignKey(Post, models.CASCADE, related_name="%(class)ss", verbose_name=_("post"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReactionQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.user_id} {self._meta.model_name} {self.post_id}"


class Like(Reaction):
    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="like_once")]
        indexes = [
            # "Liked by": one post's likes, newest first.
            models.Index(fields=["post", "-created_at"], name="like_post_created"),
        ]


class Boost(Reaction):
    class Meta:
        verbose_name = _("boost")
        verbose_name_plural = _("boosts")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="boost_once")]
        indexes = [
            # Feeds and profiles: one booster's boosts, newest first.
            models.Index(fields=["user", "-created_at"], name="boost_user_created"),
            # "Boosted by", and a feed's "is there a newer boost of this post".
            models.Index(fields=["post", "-created_at"], name="boost_post_created"),
        ]


class Bookmark(Reaction):
    class Meta:
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="bookmark_once")]
        indexes = [
            # /bookmarks/: one user's bookmarks, newest first.
            models.Index(fields=["user", "-created_at"], name="bookmark_user_created"),
        ]


class ActivityQuerySet(models.QuerySet):
    def for_recipient(self, user):
        """Return what happened to `user`, newest first, with who did it; not what people they mute or block did."""
        rows = self.filter(recipient=user, actor__is_active=True)
        hidden = safety.boundaries_of(user).hidden()
        if hidden:
            rows = rows.exclude(actor__in=hidden)
        return rows.select_related("actor").order_by("-created_at", "-pk")

    def unread_for(self, user):
        """Return `user`'s notifications since they last opened /activity/."""
        unread = self.filter(recipient=user, actor__is_active=True)
        if user.last_activity_read_time:
            unread = unread.filter(created_at__gt=user.last_activity_read_time)
        return unread


class Activity(models.Model):
    """A notification: someone followed `recipient`, or liked, boosted, replied to or mentioned them.

    Each row points at the row of the event itself (the follow, the like, the boost, the
    reply or mentioning post) and is deleted with it: undoing a like or deleting a post
    takes the notification back, whatever path deleted it.
    """

    class Kind(models.TextChoices):
        FOLLOW = "follow", _("followed you")
        LIKE = "like", _("liked your post")
        BOOST = "boost", _("boosted your post")
        REPLY = "reply", _("replied to your post")
        MENTION = "mention", _("mentioned you")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("actor"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    # The post shown with the notification: the liked or boosted one, the reply, the mentioning post.
    post = models.ForeignKey(Post, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("post"))
    follow = models.OneToOneField(Follow, models.CASCADE, null=True, blank=True, related_name="+")
    like = models.OneToOneField(Like, models.CASCADE, null=True, blank=True, related_name="+")
    boost = models.OneToOneField(Boost, models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # A reply or a mention notifies its recipient once per post.
            models.UniqueConstraint(
                fields=["recipient", "post"], condition=Q(kind__in=["reply", "mention"]), name="activity_post_once"
            ),
            models.CheckConstraint(condition=~Q(recipient=F("actor")), name="activity_not_self"),
        ]
        indexes = [
            # /activity/: one user's notifications, newest first.
            models.Index(fields=["recipient", "-created_at"], name="activity_recipient_created"),
        ]

    def __str__(self):
        return f"{self.actor_id} {self.kind} -> {self.recipient_id}"


class MessageQuerySet(models.QuerySet):
    def unread_for(self, user):
        """Return the messages `user` received and has not read (posts/counters.py counts the same rows)."""
        unread = self.filter(recipient=user, sender__is_active=True, read_at__isnull=True)
        if user.last_message_read_time:
            unread = unread.filter(created_at__gt=user.last_message_read_time)
        return unread

    def from_to(self, sender, recipient, *, before=None):
        """Return what `sender` wrote to `recipient` (older than the cursor `before`), newest first.

        One direction of a conversation, served by the (sender, recipient, created_at) index;
        Conversation.page() reads both directions this way and merges them.
        """
        messages = self.filter(sender=sender, recipient=recipient)
        if before is not None:
            messages = messages.filter(created_at__lte=before.at).exclude(created_at=before.at, pk__gte=before.post_id)
        return messages.order_by("-created_at", "-pk")

    def conversations_of(self, user) -> "ConversationList":
        """Return `user`'s conversations, one per person, newest first, to slice (LookaheadPaginator does)."""
        return ConversationList(user)


class Message(models.Model):
    """A private message from one user to another, at most 140 characters."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="messages_sent", verbose_name=_("sender")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="messages_received", verbose_name=_("recipient")
    )
    body = models.CharField(_("body"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    # Set when the recipient opens the conversation; the unread badge counts the rows without it.
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The form's one-time token: the same form sent twice (a double click, a resent POST)
    # is one message, whatever the timing (the unique constraint decides, not a lookup).
    form_token = models.UUIDField(null=True, blank=True, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "form_token"], condition=Q(form_token__isnull=False), name="message_form_token_once"
            ),
        ]
        indexes = [
            # The unread recount: one recipient's messages after their last read time.
            models.Index(fields=["recipient", "-created_at"], name="message_recipient_created"),
            # The inbox's latest message per person (index-only) and the conversation
            # page, one direction each; the deactivation recount by sender.
            models.Index(fields=["sender", "recipient", "created_at"], name="message_sender_recipient"),
            models.Index(fields=["recipient", "sender", "created_at"], name="message_recipient_sender"),
            # The inbox's unread count per person and marking a conversation read: only
            # the unread rows, so a long read history costs nothing.
            models.Index(
                fields=["recipient", "sender", "created_at"],
                condition=Q(read_at__isnull=True),
                name="message_unread",
            ),
        ]

    def __str__(self):
        return f"{self.sender_id} -> {self.recipient_id}: {self.body[:40]}"


@dataclass
class Conversation:
    """`user`'s exchange with one other person, as the inbox shows it."""

    person: User
    last_message: Message
    unread: int

    @property
    def last_is_mine(self) -> bool:
        """Return whether the last message was sent by the inbox's owner (shown as "You: ...")."""
        return self.last_message.recipient_id == self.person.pk


class ConversationList:
    """The inbox: one Conversation per person `user` exchanged messages with, newest first.

    Sliced like a queryset (LookaheadPaginator asks for one row past the page); a slice
    costs two queries whatever its size. The first groups the user's messages by the other
    person in both directions, from index-only scans of the (sender, recipient, created_at)
    and (recipient, sender, created_at) indexes, so no table row is read; then, for the
    page's people only, it finds the last message of each direction and counts the unread
    ones (the partial message_unread index). People on the other side of a block are left
    out (accounts/safety.py). The second loads those messages and people.
    For a user with 50,000 messages that is 335 index pages on PostgreSQL, linear in the
    user's own messages (docs/architecture.md, "Private messages";
    posts/tests/test_message_plans.py keeps the plan).
    """

    def __init__(self, user):
        self.user = user

    def __getitem__(self, page: slice) -> list[Conversation]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("ConversationList supports slices only.")
        start = page.start or 0
        return self._read(limit=page.stop - start, offset=start)

    def _read(self, *, limit: int, offset: int) -> list[Conversation]:
        me = self.user.pk
        unread_after, after_params = "", []
        if self.user.last_message_read_time:
            unread_after, after_params = " AND created_at > %s", [self.user.last_message_read_time]
        sql = f"""
            WITH page AS (
                SELECT sides.person_id, MAX(sides.last_at) AS last_at
                FROM (
                    SELECT recipient_id AS person_id, MAX(created_at) AS last_at
                    FROM posts_message WHERE sender_id = %s GROUP BY recipient_id
                    UNION ALL
                    SELECT sender_id AS person_id, MAX(created_at) AS last_at
                    FROM posts_message WHERE recipient_id = %s GROUP BY sender_id
                ) AS sides
                INNER JOIN accounts_user AS person ON person.id = sides.person_id
                WHERE person.is_active AND NOT EXISTS (
                    SELECT 1 FROM accounts_block
                    WHERE (blocker_id = %s AND blocked_id = person.id) OR (blocker_id = person.id AND blocked_id = %s)
                )
                GROUP BY sides.person_id
                ORDER BY last_at DESC, sides.person_id DESC
                LIMIT %s OFFSET %s
            )
            SELECT
                page.person_id,
                (SELECT id FROM posts_message WHERE sender_id = %s AND recipient_id = page.person_id
                 ORDER BY created_at DESC, id DESC LIMIT 1),
                (SELECT id FROM posts_message WHERE sender_id = page.person_id AND recipient_id = %s
                 ORDER BY created_at DESC, id DESC LIMIT 1),
                (SELECT COUNT(*) FROM posts_message WHERE sender_id = page.person_id AND recipient_id = %s
                 AND read_at IS NULL{unread_after})
            FROM page
            ORDER BY page.last_at DESC, page.person_id DESC
        """  # only our own fragments: every value is a parameter
        with connection.cursor() as cursor:
            cursor.execute(sql, [me, me, me, me, limit, offset, me, me, me, *after_params])
            rows = cursor.fetchall()
        if not rows:
            return []
        ids = {message_id for _person, *last, _unread in rows for message_id in last if message_id}
        messages = Message.objects.filter(pk__in=ids).select_related("sender", "recipient").in_bulk()
        conversations = []
        for _person, sent_id, received_id, unread in rows:
            candidates = [messages[pk] for pk in (sent_id, received_id) if pk in messages]
            last = max(candidates, key=lambda message: (message.created_at, message.pk))
            person = last.recipient if last.sender_id == me else last.sender
            conversations.append(Conversation(person=person, last_message=last, unread=unread))
        return conversations


class ExportJobQuerySet(models.QuerySet):
    def active(self):
        """Return the jobs still queued or running."""
        return self.filter(state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING])

    def stale(self, now=None):
        """Return running jobs whose worker stopped reporting (killed mid-job)."""
        now = now or timezone.now()
        return self.filter(state=ExportJob.State.RUNNING, heartbeat_at__lt=now - ExportJob.STALE_AFTER)

    def finished_before(self, cutoff):
        """Return done or failed jobs that ended before `cutoff` (their files have expired by then)."""
        ended = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
        return self.filter(ended, state__in=[ExportJob.State.DONE, ExportJob.State.FAILED])

    def downloadable_by(self, user, now=None):
        """Return `user`'s jobs whose file can still be downloaded."""
        now = now or timezone.now()
        return self.filter(user=user, result__isnull=False, result_expires_at__gt=now)


class ExportJob(models.Model):
    """One "export my posts" request: its state, progress and resulting file."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    # A running job writes a heartbeat with each progress update (at least every few
    # seconds); one silent for this long had its worker killed.
    STALE_AFTER = timedelta(minutes=5)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="export_jobs", verbose_name=_("user")
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # gzip-compressed JSON, kept in the database so every web node can serve it.
    result = models.BinaryField(_("file (gzip)"), null=True, blank=True, editable=False)
    result_expires_at = models.DateTimeField(_("downloadable until"), null=True, blank=True)
    post_count = models.PositiveIntegerField(_("posts exported"), default=0)
    # Where and how to address the user from a worker, which has no request.
    language = models.CharField(_("language"), max_length=10, blank=True)
    site_url = models.URLField(_("site URL"), blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        constraints = [
            # One export at a time per user, even under concurrent clicks.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state__in=["queued", "running"]),
                name="one_active_export_per_user",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_max_100"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="exportjob_state_created")]

    def __str__(self):
        return f"export {self.pk} of {self.user_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RUNNING}

    @property
    def download_url(self) -> str:
        return self.site_url + reverse("posts:export_download", args=[self.pk])


# A report's comment: room for context, not an essay.
REPORT_COMMENT_MAX_LENGTH = 1000


class ReportQuerySet(models.QuerySet):
    def unresolved(self):
        """Return the reports still waiting for a moderator (open or assigned)."""
        return self.exclude(status=Report.Status.RESOLVED)

    def queue(self):
        """Return the moderation queue's order: open first, then assigned, then resolved; newest first in each."""
        return self.order_by("status", "-created_at", "-pk")

    def recent_by(self, reporter, *, since):
        """Return the unresolved reports `reporter` filed since `since` (what the hourly limit counts)."""
        return self.unresolved().filter(reporter=reporter, created_at__gte=since)


class Report(models.Model):
    """Someone asks the moderators to look at a person, and at some of that person's posts.

    A post's report names its author as `target` and the post in `posts`; a person's
    report may include a few of their recent posts. While a report is open or assigned,
    the same reporter reporting the same person again adds to it (report_open_once).
    """

    class Category(models.TextChoices):
        SPAM = "spam", _("Spam")
        HARASSMENT = "harassment", _("Harassment or hate")
        ILLEGAL = "illegal", _("Illegal content")
        OTHER = "other", _("Something else")

    # Numbers, so that ordering by status puts the open reports first (the queue's index).
    class Status(models.IntegerChoices):
        OPEN = 1, _("open")
        ASSIGNED = 2, _("assigned")
        RESOLVED = 3, _("resolved")

    class Resolution(models.TextChoices):
        POSTS_DELETED = "deleted", _("the reported posts were deleted")
        MARKED_SENSITIVE = "sensitive", _("the reported posts' pictures were marked sensitive")
        WARNED = "warned", _("the person was warned")
        SUSPENDED = "suspended", _("the account was suspended")
        DISMISSED = "dismissed", _("no action was needed")

    # Kept when the reporter deletes their account: the report still stands.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # report_reporter_created serves the lookups by reporter.
        db_index=False,
        verbose_name=_("reporter"),
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="reports_received", verbose_name=_("reported person")
    )
    posts = models.ManyToManyField(Post, related_name="reports", blank=True, verbose_name=_("reported posts"))
    category = models.CharField(_("category"), max_length=20, choices=Category)
    comment = models.TextField(_("comment"), max_length=REPORT_COMMENT_MAX_LENGTH, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assignee"),
    )
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution, blank=True)
    resolution_note = models.TextField(
        _("moderator's note"),
        blank=True,
        help_text=_("Kept with the report; a warning e-mail quotes it to the reported person."),
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The reporter's language when they reported: the resolution e-mail speaks it.
    language = models.CharField(_("language"), max_length=10, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["status", "-created_at", "-pk"]
        constraints = [
            # One unresolved report per reporter and person: two identical reports sent at
            # once (a double click) are one, whatever the timing.
            models.UniqueConstraint(
                fields=["reporter", "target"], condition=Q(status__in=[1, 2]), name="report_open_once"
            ),
            models.CheckConstraint(condition=~Q(reporter=F("target")), name="report_not_self"),
            models.CheckConstraint(
                condition=Q(status=3, resolved_at__isnull=False) | Q(~Q(status=3), resolved_at__isnull=True),
                name="report_resolved_at_iff_resolved",
            ),
        ]
        indexes = [
            # The moderation queue: open first, newest first, and its status filter.
            models.Index(fields=["status", "-created_at"], name="report_queue"),
            # The queue filtered by category (and status).
            models.Index(fields=["category", "status", "-created_at"], name="report_category_queue"),
            # The hourly limit: one reporter's recent reports.
            models.Index(fields=["reporter", "-created_at"], name="report_reporter_created"),
        ]

    def __str__(self):
        return f"report {self.pk} on {self.target_id} ({self.get_category_display()})"

    @property
    def is_resolved(self) -> bool:
        return self.status == self.Status.RESOLVED

    @property
    def status_name(self) -> str:
        """The status as the API spells it: "open", "assigned" or "resolved"."""
        return self.Status(self.status).name.lower()
