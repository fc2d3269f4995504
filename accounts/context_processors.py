"""Values every page template may show about the signed-in user's account."""

from django.conf import settings


def notifications(request):
    """Give the navbar the notifications poll interval, in milliseconds, for static/js/notifications.js."""
    return {"notifications_poll_ms": round(settings.NOTIFICATIONS_POLL_SECONDS * 1000)}
