"""Values every page template may show, each cheap enough for every page."""

from posts.translation import get_translator


def unread_messages(request):
    """Expose the signed-in user's unread message and notification counts for the navbar badges (no query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Kept by database triggers on the user row that authentication has already loaded.
    return {"unread_message_count": user.unread_message_count, "unread_activity_count": user.unread_activity_count}


def translation(request):
    """Tell templates whether a translator is configured (settings only: no query, no request)."""
    return {"translator_enabled": get_translator() is not None}
