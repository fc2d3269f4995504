"""Project-level views: the error handlers named in microblog/urls.py."""

from microblog.errors import render_error_page


def bad_request(request, exception=None):
    """Render the 400 page."""
    return render_error_page(request, 400)


def permission_denied(request, exception=None):
    """Render the 403 page."""
    return render_error_page(request, 403)


def page_not_found(request, exception=None):
    """Render the 404 page."""
    return render_error_page(request, 404)


def server_error(request):
    """Render the 500 page (no database, no session: they may be what failed)."""
    return render_error_page(request, 500)


def csrf_failure(request, reason=""):
    """Explain a CSRF failure in plain words (the form was stale or cookies are off)."""
    return render_error_page(request, 403, csrf_failure=True)
