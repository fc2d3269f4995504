"""Writes about posts, shared by views, API, tasks and commands."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import add_notification
from posts.language import detect_language
from posts.models import Message, Post


@transaction.atomic
def publish_post(*, author: User, body: str) -> Post:
    """Validate and save a post by `author`, with its detected language."""
    post = Post(author=author, body=body.strip(), language=detect_language(body))
    post.full_clean()
    post.save()
    return post


@transaction.atomic
def delete_post(*, post: Post) -> None:
    """Delete a post (the caller checked it is the author's own)."""
    post.delete()


@transaction.atomic
def send_message(*, sender: User, recipient: User, body: str) -> Message:
    """Send a private message and refresh the recipient's unread badge."""
    if sender.pk == recipient.pk:
        raise ValidationError(_("You cannot send a message to yourself."))
    message = Message(sender=sender, recipient=recipient, body=body.strip())
    message.full_clean()
    message.save()
    add_notification(user=recipient, name="unread_message_count", payload=Message.objects.unread_for(recipient).count())
    return message


@transaction.atomic
def mark_messages_read(*, user: User) -> None:
    """Record that `user` has read every message so far; their badge drops to 0."""
    user.last_message_read_time = timezone.now()
    user.save(update_fields=["last_message_read_time"])
    add_notification(user=user, name="unread_message_count", payload=0)
