"""Email sent by the posts app: the export file."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def send_export_email(*, user, json_bytes: bytes, download_url: str) -> None:
    """Email `user` their posts as a posts.json attachment, with HTML and text bodies."""
    context = {"user": user, "download_url": download_url, "days": settings.EXPORT_DOWNLOAD_DAYS}
    message = EmailMultiAlternatives(
        subject=_("[Microblog] Your blog posts"),
        body=render_to_string("email/export_posts.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("email/export_posts.html", context), "text/html")
    message.attach("posts.json", json_bytes, "application/json")
    message.send()
