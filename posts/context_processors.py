"""Values every page template may show; each is computed only if a template uses it."""

from django.utils.functional import SimpleLazyObject

from posts.models import Message
from posts.translation import get_translator


def unread_messages(request):
    """Expose the signed-in user's unread message count for the navbar badge."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_message_count": SimpleLazyObject(lambda: Message.objects.unread_for(user).count())}


def translation(request):
    """Tell templates whether a translator is configured (settings only: no query, no request)."""
    return {"translator_enabled": get_translator() is not None}
