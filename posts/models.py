from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Follow
from microblog.counters import KeepsCountersOnSave
from posts.body import BODY_MAX_LENGTH


class PostQuerySet(models.QuerySet):
    def visible(self):
        """Hide the posts of deactivated (moderated) users."""
        return self.filter(author__is_active=True)

    def for_display(self):
        """Join what posts/_post.html and the API show of a post, and load only those columns.

        The join keeps a page at a fixed number of queries; building 25 full User rows
        (17 columns, password hash included) per page was a measurable part of every list.
        """
        return (
            self.visible()
            .select_related("author")
            .only("body", "language", "created_at", "author__username", "author__email")
            .order_by("-created_at", "-pk")
        )

    def feed_for(self, user):
        """Return the user's own posts and the posts of everyone they follow, newest first."""
        followed = Follow.objects.filter(follower=user).values("followed_id")
        return self.filter(Q(author__in=followed) | Q(author=user)).for_display()

    def by_author(self, user):
        """Return `user`'s posts, newest first (none while `user` is deactivated).

        Through the related manager, each post's author is the `user` object itself: no
        copy of the author row per post.
        """
        return user.posts.visible().order_by("-created_at", "-pk")


class Post(KeepsCountersOnSave, models.Model):
    """Something a user wrote, at most 140 characters."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="posts", verbose_name=_("author"))
    body = models.CharField(_("body"), max_length=BODY_MAX_LENGTH)
    language = models.CharField(_("language"), max_length=5, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

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
        ]

    def __str__(self):
        return f"{self.author_id}: {self.body[:40]}"

    def get_absolute_url(self):
        return reverse("posts:profile", args=[self.author.username]) + f"#post-{self.pk}"


class MessageQuerySet(models.QuerySet):
    def received_by(self, user):
        """Return the messages `user` received, newest first, with their senders."""
        return (
            self.filter(recipient=user, sender__is_active=True).select_related("sender").order_by("-created_at", "-pk")
        )

    def sent_by(self, user):
        """Return the messages `user` sent, newest first, with their recipients."""
        return self.filter(sender=user).select_related("recipient").order_by("-created_at", "-pk")

    def unread_for(self, user):
        """Return the messages `user` received since they last opened the inbox."""
        unread = self.filter(recipient=user, sender__is_active=True)
        if user.last_message_read_time:
            unread = unread.filter(created_at__gt=user.last_message_read_time)
        return unread


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

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The inbox and the unread count: one recipient's messages, newest first.
            models.Index(fields=["recipient", "-created_at"], name="message_recipient_created"),
            # The "Sent" tab.
            models.Index(fields=["sender", "-created_at"], name="message_sender_created"),
        ]

    def __str__(self):
        return f"{self.sender_id} -> {self.recipient_id}: {self.body[:40]}"


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
