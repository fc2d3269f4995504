"""Project-level views: the error handlers named in microblog/urls.py, the CSP report sink.

Each error handler answers in JSON under /api/ (API clients cannot read an HTML page)
and with the site's error page everywhere else.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from microblog.errors import DATABASE_DOWN, database_unavailable, is_api_request, json_error, render_error_page
from microblog.jsonbody import MalformedJSON, parse_json_object
from microblog.throttling import CspReportRateThrottle, throttle

logger = logging.getLogger("microblog.security")


def bad_request(request, exception=None):
    """Render the 400 page (413 JSON under /api/ for a body over DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    if is_api_request(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, _("The request body is too large."))
        return json_error(400, _("The request could not be understood."))
    return render_error_page(request, 400)


def permission_denied(request, exception=None):
    """Render the 403 page."""
    if is_api_request(request):
        return json_error(403, _("You do not have permission to do this."))
    return render_error_page(request, 403)


def page_not_found(request, exception=None):
    """Render the 404 page."""
    if is_api_request(request):
        return json_error(404, _("There is nothing at this address."))
    return render_error_page(request, 404)


def server_error(request):
    """Render the 500 page (no database, no session: they may be what failed).

    Django calls this while handling the exception, so a lost database met outside
    any view (in the session or user middleware) still gets the 503 page.
    """
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return database_unavailable(request)
    if is_api_request(request):
        return json_error(500, _("An unexpected error has occurred."))
    return render_error_page(request, 500)


def csrf_failure(request, reason=""):
    """Explain a CSRF failure in plain words (the form was stale or cookies are off)."""
    if is_api_request(request):
        return json_error(403, _("The request was refused (CSRF check failed)."))
    return render_error_page(request, 403, csrf_failure=True)


# A browser sends one violation per report (URLs, the policy, a short sample), well
# under this; nothing beyond it is read.
CSP_REPORT_MAX_BYTES = 16 * 1024


@csrf_exempt
@require_POST
@throttle(CspReportRateThrottle)
def csp_report(request):
    """Log a Content-Security-Policy violation report sent by a browser.

    Anyone can post here, so a malformed report is a 400 that is logged at most as a
    warning (Django's own "Bad Request" line), never an error that mails the admins.
    """
    # Read from the stream, not request.body: an oversized body is refused here, as a
    # 400, instead of raising RequestDataTooBig (a SuspiciousOperation, logged as an error).
    body = request.read(CSP_REPORT_MAX_BYTES + 1)
    try:
        if len(body) > CSP_REPORT_MAX_BYTES:
            raise MalformedJSON(f"larger than {CSP_REPORT_MAX_BYTES} bytes")
        report = parse_json_object(body).get("csp-report")
        if not isinstance(report, dict):
            raise MalformedJSON('no "csp-report" object')
    except MalformedJSON as error:
        logger.info("Malformed CSP report refused: %s", error)
        return json_error(400, _("This is not a Content-Security-Policy violation report."))
    logger.warning(
        "CSP violation: %.200s blocked %.200s on %.200s",
        report.get("violated-directive"),
        report.get("blocked-uri"),
        report.get("document-uri"),
    )
    return HttpResponse(status=204)


def bench_ceiling(request):
    """Answer "ok" after the whole middleware stack: the fastest page this stack can serve."""
    if not settings.BENCH_MODE:
        raise Http404
    return HttpResponse("ok", content_type="text/plain")


def bench_bare(request):
    """Answer "ok" touching neither session nor database: the floor beside the ceiling.

    Requested without a session cookie, nothing in the stack reads the session or the
    user, so it costs Django's request handling and the middleware's own work only
    (bench/profile_ceiling.py also runs it with no middleware at all).
    """
    if not settings.BENCH_MODE:
        raise Http404
    return HttpResponse("ok", content_type="text/plain")
