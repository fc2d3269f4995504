"""Avatar URLs: the picture a person uploaded, else a local identicon (Gravatar when AVATAR_PROVIDER=gravatar).

An uploaded avatar is cropped square and stored once in each size of AVATAR_SIZES by
microblog/images.py; `User.avatar_variants` keeps "48" -> {"path", "width", "height"}
for each, and a page asks for the smallest stored size that is at least as big as it
shows (so 48 px at 2x gets the 96 px file).

The identicon is a deterministic 5x5 mirrored SVG drawn from a hash, so the site needs
no internet to show faces and every user keeps the same one.
"""

import hashlib
from collections.abc import Mapping

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.html import escape

# The sides the pages show avatars at, at 1x and 2x: 48 (posts, lists; 96 at 2x),
# 128 (profile header, popups; 256 at 2x) and 256 (512 at 2x, the API's largest).
AVATAR_SIZES = {str(side): side for side in (48, 96, 128, 256, 512)}
# The folder of the default storage that holds them (manage.py cleanup sweeps it too).
AVATAR_FOLDER = "avatars"


def avatar_url(*, email: str, username: str, size: int, variants: Mapping | None = None) -> str:
    """Return the URL of the avatar of a user with this email/username (and uploaded `variants`) at `size` pixels."""
    path = stored_variant_path(variants, size)
    if path:
        return default_storage.url(path)
    if settings.AVATAR_PROVIDER == "gravatar":
        digest = hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()
        return f"https://www.gravatar.com/avatar/{digest}?d=identicon&s={size}"
    return reverse("accounts:identicon", args=[identicon_seed(email or username)]) + f"?s={size}"


def stored_variant_path(variants: Mapping | None, size: int) -> str:
    """Return the path of the smallest stored variant at least `size` pixels wide (else the largest), or ""."""
    if not variants:
        return ""
    by_side = sorted((entry["width"], entry["path"]) for entry in variants.values())
    for side, path in by_side:
        if side >= size:
            return path
    return by_side[-1][1]


def variant_paths(variants: Mapping | None) -> list[str]:
    """Return the stored paths of an avatar's `variants`, to delete them."""
    return [entry["path"] for entry in (variants or {}).values()]


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
