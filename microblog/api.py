"""The REST API's shared machinery: collections, errors, schema and docs.

App-agnostic on purpose: accounts/api.py and posts/api.py build on these pieces (and
on microblog/throttling.py), and only microblog/urls.py wires the apps' views in.
"""

from math import ceil

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from microblog.errors import error_payload, json_error
from microblog.pagination import fetch_page, positive_int

# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------


class MethodBeforeAuthenticationMixin:
    """Answer about methods before looking at any credentials, as microblog does.

    DRF's initial() authenticates and checks permissions first, so `GET /api/tokens`
    without a token was a 401; microblog answers 405 to any method a route lacks, and
    OPTIONS (which methods does it have?) without credentials, signed in or not. Every
    view of accounts/api.py and posts/api.py starts with it.
    """

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def get_authenticators(self):
        # self.request is the plain HttpRequest here (None while the schema is generated).
        if getattr(self.request, "method", None) == "OPTIONS":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "OPTIONS":
            return []
        return super().get_permissions()


# ---------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------


class StrictStringMixin:
    """Refuse numbers and booleans where the schema says string (DRF's fields str() them)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    """A CharField that takes JSON strings only: {"body": 0} is a 400, not the text "0"."""


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    """An EmailField that takes JSON strings only."""


# ---------------------------------------------------------------------------
# Collections
# ---------------------------------------------------------------------------


class MicroblogPagination(BasePagination):
    """microblog's collection: {"items", "_meta", "_links"} with ?page= and ?per_page=.

    Bad or out-of-range numbers are forgiven (clamped) as microblog does, never a
    400 or a 500. Each page costs two queries whatever its size: a COUNT and the
    page itself, by the site's look-ahead (microblog.pagination.fetch_page).
    """

    default_per_page = 10
    max_per_page = 100
    # None counts exactly; a number stops counting there (see CappedCountPagination).
    count_cap = None

    def paginate_queryset(self, queryset, request, view=None):
        self.path = request.path
        self.page = positive_int(request.query_params.get("page"))
        self.per_page = min(
            positive_int(request.query_params.get("per_page"), self.default_per_page), self.max_per_page
        )
        self.request = request
        self.total_items = self.count_items(queryset)
        if self.count_cap is None and (self.page - 1) * self.per_page >= self.total_items:
            self.has_next = False  # past the exact count: no need to ask for the rows
            return []
        rows, self.has_next = self.fetch_rows(queryset)
        return rows

    def count_items(self, queryset) -> int:
        """Return the size of the collection, counting no further than `count_cap` (one query)."""
        counted = queryset if self.count_cap is None else queryset[: self.count_cap]
        return counted.count()

    def fetch_rows(self, queryset) -> tuple[list, bool]:
        """Return the rows of the page asked for and whether a next page exists (one query)."""
        return fetch_page(queryset, self.page, self.per_page)

    def _link(self, page: int) -> str:
        return f"{self.path}?page={page}&per_page={self.per_page}"

    def get_paginated_response(self, data):
        return Response(
            {
                "items": data,
                "_meta": {
                    "page": self.page,
                    "per_page": self.per_page,
                    "total_pages": ceil(self.total_items / self.per_page),
                    "total_items": self.total_items,
                },
                "_links": {
                    "self": self._link(self.page),
                    "next": self._link(self.page + 1) if self.has_next else None,
                    "prev": self._link(self.page - 1) if self.page > 1 else None,
                },
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "example": "/api/users?page=2&per_page=10"}
        return {
            "type": "object",
            "required": ["items", "_meta", "_links"],
            "properties": {
                "items": schema,
                "_meta": {
                    "type": "object",
                    "required": ["page", "per_page", "total_pages", "total_items"],
                    "properties": {
                        "page": {"type": "integer", "minimum": 1},
                        # The page size actually served, after clamping.
                        "per_page": {"type": "integer", "minimum": 1, "maximum": self.max_per_page},
                        "total_pages": {"type": "integer", "minimum": 0},
                        "total_items": {"type": "integer", "minimum": 0},
                    },
                },
                "_links": {
                    "type": "object",
                    "required": ["self", "next", "prev"],
                    "properties": {
                        "self": link,
                        "next": {**link, "nullable": True},
                        "prev": {**link, "nullable": True},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        # No minimum or maximum: any integer is accepted and clamped, as microblog does,
        # and a schema must not call invalid what the API serves.
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": _("Page number from 1 (default 1); a smaller number counts as 1."),
                "schema": {"type": "integer", "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": _(
                    "Items per page (default %(default)d); a number below 1 counts as 1 and one above "
                    "%(max)d as %(max)d, which _meta.per_page reports."
                )
                % {"max": self.max_per_page, "default": self.default_per_page},
                "schema": {"type": "integer", "default": self.default_per_page},
            },
        ]


class CappedCountPagination(MicroblogPagination):
    """For collections over the whole posts table: COUNT stops at 10,000 rows.

    `total_items` (and so `total_pages`) is exact up to the cap and reports the cap
    beyond it; `_links.next` still says truthfully whether another page exists, so a
    client that follows links walks the whole collection.
    """

    count_cap = 10_000


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _flatten_messages(detail, prefix: str = "") -> list[str]:
    """Flatten DRF's error detail ({field: [messages]} or [messages]) into readable lines."""
    if isinstance(detail, dict):
        lines = []
        for field, value in detail.items():
            label = "" if field == api_settings.NON_FIELD_ERRORS_KEY else f"{field}: "
            lines += _flatten_messages(value, prefix + label)
        return lines
    if isinstance(detail, list):
        return [line for item in detail for line in _flatten_messages(item, prefix)]
    return [f"{prefix}{detail}"]


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request body is too large.")


def exception_handler(exc, context):
    """DRF's handler, answering in microblog's shape; field errors also under "errors"."""
    if isinstance(exc, DjangoValidationError):
        # Services validate with Django's exception; it is the client's mistake, not a 500.
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        # Answered here: left to Django, this SuspiciousOperation is logged as an ERROR,
        # an email to the admins for every oversized body anyone sends.
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API exception: Django's handler500 answers in JSON under /api/
    if isinstance(exc, exceptions.ValidationError):
        payload = error_payload(response.status_code, " ".join(_flatten_messages(response.data)))
        if isinstance(response.data, dict):
            payload["errors"] = response.data
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        payload = error_payload(response.status_code, " ".join(_flatten_messages(detail)))
    response.data = payload
    response["Cache-Control"] = "no-store"
    # Errors are plain JSON even from a view whose renderer has its own type (the schema's).
    response.content_type = "application/json"
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Answer any unknown path under /api/ with a JSON 404 (and no slash-adding redirect)."""
    return json_error(404, _("There is no API endpoint at this address."))


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": serializers.CharField(help_text=gettext_lazy("The HTTP reason phrase, e.g. Not Found.")),
        "message": serializers.CharField(help_text=gettext_lazy("What went wrong, in words.")),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text=gettext_lazy("For 400s from bad fields: the messages of each field."),
        ),
    },
)

_ERROR_DESCRIPTIONS = {
    400: gettext_lazy("Bad request: malformed JSON or invalid fields."),
    401: gettext_lazy("Missing, invalid, expired or revoked credentials."),
    403: gettext_lazy("Authenticated, but not allowed to do this."),
    404: gettext_lazy("No such resource."),
    415: gettext_lazy("The body is not JSON."),
    429: gettext_lazy("Too many requests; retry after Retry-After seconds."),
}


def error_responses(*statuses: int) -> dict:
    """Return spectacular `responses` entries documenting these error statuses."""
    return {status: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[status]) for status in statuses}


# ---------------------------------------------------------------------------
# Schema and docs
# ---------------------------------------------------------------------------


def add_common_error_responses(result, generator, request, public):
    """Spectacular postprocessing hook: document 401 on secured operations and 429 on writes."""
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            security = operation.get("security", [])
            if security and {} not in security:  # {} marks authentication as optional
                responses.setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
            if method in ("post", "put", "patch", "delete"):
                responses.setdefault("429", {"$ref": "#/components/responses/TooManyRequests"})
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    result.setdefault("components", {}).setdefault("responses", {}).update(
        {
            "Unauthorized": {
                "description": str(_ERROR_DESCRIPTIONS[401]),
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                "content": error,
            },
            "TooManyRequests": {
                "description": str(_ERROR_DESCRIPTIONS[429]),
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": error,
            },
        }
    )
    return result


class ApiDocsView(TemplateView):
    """The interactive API reference (Swagger UI, served from static/vendor/)."""

    template_name = "api/docs.html"

    def http_method_not_allowed(self, request, *args, **kwargs):
        allowed = ", ".join(self._allowed_methods())
        return json_error(405, _("This address only answers %(methods)s.") % {"methods": allowed}, Allow=allowed)
