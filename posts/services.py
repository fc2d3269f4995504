"""Writes about posts, shared by views, API, tasks and commands."""

from django.db import transaction

from accounts.models import User
from posts.language import detect_language
from posts.models import Post


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
