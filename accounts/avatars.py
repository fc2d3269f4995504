"""Avatar URLs: a local identicon by default, Gravatar when AVATAR_PROVIDER=gravatar.

The identicon is a deterministic 5x5 mirrored SVG drawn from a hash, so the site needs
no internet to show faces and every user keeps the same one.
"""

import hashlib

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape


def avatar_url(*, email: str, username: str, size: int) -> str:
    """Return the URL of the avatar of a user with this email/username at `size` pixels."""
    if settings.AVATAR_PROVIDER == "gravatar":
        digest = hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()
        return f"https://www.gravatar.com/avatar/{digest}?d=identicon&s={size}"
    return reverse("accounts:identicon", args=[identicon_seed(email or username)]) + f"?s={size}"


def absolute_avatar_url(user, request, size: int = 128) -> str:
    """Return `user`'s avatar as an absolute URL, for API clients that show it on another origin."""
    url = user.avatar(size)
    return request.build_absolute_uri(url) if request is not None else url


def identicon_seed(value: str) -> str:
    """Return the short hash naming an identicon (it reveals nothing about the email)."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:20]


def identicon_svg(seed: str, size: int = 80) -> str:
    """Draw the identicon for `seed` as an SVG document."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    colour = f"hsl({hue}, 55%, 50%)"
    cells = []
    for row in range(5):
        for col in range(3):
            if digest[2 + row * 3 + col] % 2:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x + 0.5}" y="{row + 0.5}" width="1" height="1"/>')
    # The 5x5 grid spans 0.5..5.5; a 7.2-wide box centred on it keeps even its corner
    # cells inside the circle every page crops avatars to (5 * sqrt(2) < 7.2).
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.6 -0.6 7.2 7.2" width="{size}" height="{size}">'
        f'<rect x="-0.6" y="-0.6" width="7.2" height="7.2" fill="#f0f0f0"/>'
        # crispEdges: neighbouring cells meet at fractional pixels, which antialiasing shows as seams.
        f'<g fill="{escape(colour)}" shape-rendering="crispEdges">{"".join(cells)}</g></svg>'
    )
