"""Project-wide middleware: client addresses, health check, request ids, database outages,
benchmark counts, Cache-Control for per-user pages."""

import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, has_vary_header, patch_cache_control

from microblog.client_address import ENVIRON_KEY, client_ip, current_client_ip, looks_proxied_but_unconfigured
from microblog.errors import DATABASE_DOWN, database_unavailable
from microblog.request_id import current_request_id

logger = logging.getLogger(__name__)

# Accept a proxy's id only if it is short and plain, so it cannot forge log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class ClientAddressMiddleware:
    """Put the client's address (microblog.client_address) on the log lines of the request.

    Also in the WSGI environ, where gunicorn's access log reads it after the response.
    Warns once per process when a local proxy forwards requests but NUM_PROXIES is 0.
    """

    warned = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not ClientAddressMiddleware.warned and looks_proxied_but_unconfigured(request):
            ClientAddressMiddleware.warned = True
            logger.warning(
                "Requests arrive through a proxy at %s with X-Forwarded-For, but NUM_PROXIES is 0: "
                "every client has the proxy's address, for lockouts and throttles too (see docs/deployment.md)",
                request.META.get("REMOTE_ADDR"),
            )
        address = request.META[ENVIRON_KEY] = client_ip(request)
        token = current_client_ip.set(address or "-")
        try:
            return self.get_response(request)
        finally:
            current_client_ip.reset(token)


class HealthCheckMiddleware:
    """Answer /healthz before sessions, users or host checks are touched."""

    path = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != self.path:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            response = HttpResponse("ok", content_type="text/plain")
        except DatabaseError:
            logger.warning("Health check failed: the database does not answer", exc_info=True)
            response = HttpResponse("database unavailable", status=503, content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response


class RequestIdMiddleware:
    """Tag the request, its log lines and its response with one id."""

    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(self.header, "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[self.header] = request.request_id
        return response


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection in a view into a friendly 503 page, not a 500 storm.

    Failures in middleware (loading the session or the user) never reach a view's
    process_exception: handler500 (microblog.views.server_error) answers those with 503 too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            logger.error("Database unavailable", exc_info=exception, extra={"request": request})
            return database_unavailable(request)
        return None


class QueryCountMiddleware:
    """With BENCH_MODE on, report the number of SQL queries of each request in X-Query-Count."""

    header = "X-Query-Count"

    def __init__(self, get_response):
        # Removed from the stack at start-up unless benchmarking: production pays nothing.
        if not settings.BENCH_MODE:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response[self.header] = str(count)
        return response


class PrivateCacheMiddleware:
    """Mark every response that depends on the signed-in user `Cache-Control: private`.

    Such a page (a feed, a profile with follow buttons, an API answer for a token) must
    never be kept by a shared cache and served to someone else. Views that hold private
    data (the inbox, the account pages, your own API record) say `no-store` themselves
    with `never_cache`. A response that already says `public` or `private` is left as
    it is (the identicons are public); static files and /healthz are answered before
    the session is read, so they keep theirs.

    Outside SessionMiddleware: its `Vary: Cookie` tells that the session, and so the
    user, was read. Under /api/ DRF sets request.user from the Bearer token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._says_who_may_cache(response) or not self._for_a_user(request, response):
            return response
        patch_cache_control(response, private=True)
        return response

    @staticmethod
    def _says_who_may_cache(response) -> bool:
        return bool({"public", "private"} & set(cc_delim_re.split(response.get("Cache-Control", "").lower())))

    @staticmethod
    def _for_a_user(request, response) -> bool:
        if not has_vary_header(response, "Cookie") and "Authorization" not in request.headers:
            return False  # not even looked at the user: nothing to evaluate
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
