from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Follow

BODY_MAX_LENGTH = 140


class PostQuerySet(models.QuerySet):
    def visible(self):
        """Hide the posts of deactivated (moderated) users."""
        return self.filter(author__is_active=True)

    def for_display(self):
        """Join what posts/_post.html renders, so a page costs a fixed number of queries."""
        return self.visible().select_related("author").order_by("-created_at", "-pk")

    def feed_for(self, user):
        """Return the user's own posts and the posts of everyone they follow, newest first."""
        followed = Follow.objects.filter(follower=user).values("followed_id")
        return self.filter(Q(author__in=followed) | Q(author=user)).for_display()

    def by_author(self, user):
        """Return `user`'s posts, newest first."""
        return self.filter(author=user).for_display()


class Post(models.Model):
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
