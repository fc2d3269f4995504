"""Values every page template may show; each is computed only if a template uses it."""

from django.utils.functional import SimpleLazyObject

from posts.models import Message


def unread_messages(request):
    """Expose the signed-in user's unread message count for the navbar badge."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_message_count": SimpleLazyObject(lambda: Message.objects.unread_for(user).count())}
