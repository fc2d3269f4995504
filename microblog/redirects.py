"""Redirect targets taken from user input, kept on this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """Return the POSTed `next` if it is a path on this site, else `default`."""
    nxt = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(nxt, {request.get_host()}, require_https=request.is_secure()):
        return nxt
    return default
