"""Keep `User.last_seen` fresh without writing on every request."""

from django.utils import timezone

from accounts.models import LAST_SEEN_RESOLUTION, User


class LastSeenMiddleware:
    """After the response, move last_seen forward if it is more than 5 minutes old."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            # Checked in Python first: the common case costs no query at all.
            if user.last_seen is None or user.last_seen < now - LAST_SEEN_RESOLUTION:
                User.objects.touch_last_seen(user, now)
        return response
