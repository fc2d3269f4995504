"""Template context that posts/_post.html needs on every page that lists posts."""

from posts.translation import get_translator


def translation(request):
    """Tell templates whether a translator is configured, so posts can offer "Translate"."""
    return {"translator_enabled": get_translator() is not None}
