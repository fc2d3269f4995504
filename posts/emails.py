"""Email sent by the posts app: the export file, and the moderation of reports."""

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation
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


def send_new_report_email(*, report, recipients: list[str], admin_url: str) -> None:
    """Tell the moderators (`recipients`) about a new report, each in a message of their own."""
    context = {"report": report, "admin_url": admin_url, "post_count": report.posts.count()}
    subject = _("[Microblog] New report about @%(username)s") % {"username": report.target.username}
    body = render_to_string("email/new_report.txt", context)
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    if messages:
        get_connection().send_messages(messages)


def send_report_resolved_email(*, report) -> None:
    """Tell the reporter that their report was handled, and how, in the language they reported in."""
    with translation.override(report.language or settings.LANGUAGE_CODE):
        EmailMessage(
            subject=_("[Microblog] Your report was reviewed"),
            body=render_to_string("email/report_resolved.txt", {"report": report}),
            to=[report.reporter.email],
        ).send()


def send_warning_email(*, report) -> None:
    """Warn the reported person that moderators found the report justified, quoting the moderator's note."""
    EmailMessage(
        subject=_("[Microblog] A warning from the moderators"),
        body=render_to_string("email/report_warning.txt", {"report": report}),
        to=[report.target.email],
    ).send()
