"""Error pages and JSON error bodies that any app can use.

A 4xx page renders with the request's context (the navbar knows the user); a 5xx page
renders with a bare context, so it never queries the database or the session it may be
failing on. Under /api/ every error is JSON in microblog's shape instead of a page.
"""

from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# What a lost or refused database connection raises.
DATABASE_DOWN = (OperationalError, InterfaceError)


def render_error_page(request, status: int, **context) -> HttpResponse:
    """Render templates/errors/<status>.html; 5xx pages without touching the database."""
    body = render_to_string(
        f"errors/{status}.html", {"status": status, **context}, request=request if status < 500 else None
    )
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if status == 503:
        response["Retry-After"] = "30"
    return response


API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Return whether `request` is for the REST API, whose errors are JSON."""
    return request.path_info.startswith(API_PREFIX)


def error_payload(status: int, message: str = "") -> dict:
    """Return microblog's error shape: {"error": <reason phrase>, "message": ...}."""
    payload = {"error": HTTPStatus(status).phrase}
    if message:
        payload["message"] = str(message)
    return payload


def json_error(status: int, message: str = "", **headers) -> JsonResponse:
    """Return a JSON response in microblog's error shape; `Retry_After=...` sets headers."""
    response = JsonResponse(error_payload(status, message), status=status)
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def database_unavailable(request) -> HttpResponse:
    """Answer 503 (JSON under /api/, the page elsewhere) when the database cannot be reached."""
    if is_api_request(request):
        return json_error(503, _("The service is temporarily unavailable."), Retry_After="30")
    return render_error_page(request, 503)
