"""Every request throttle of the site: DRF's throttle classes, counting in the Django cache.

The API views list them in `throttle_classes`; plain Django views (registration, password
reset, translation, CSP reports) use the `throttle()` decorator below, so one mechanism
counts everything and sign-in failures are left to django-axes. Each counts per client
address (microblog.client_address) or per signed-in user; docs/security.md has the table.

Apart from microblog/api.py because DRF imports its DEFAULT_THROTTLE_CLASSES while
rest_framework.views loads, so this module must not import that one.
"""

import functools
import ipaddress
import math

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from microblog.client_address import client_ip
from microblog.errors import json_error, render_error_page
from microblog.fetch import wants_json


def client_key(request) -> str:
    """Return what a per-client throttle counts: the client's address, an IPv6 one as its /64.

    One IPv6 subscriber usually holds a whole /64, so counting single addresses would
    give them billions of fresh limits.
    """
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


class ApiRateThrottle(SimpleRateThrottle):
    """A per-client throttle for some methods only, which RATELIMIT_ENABLED=false turns off."""

    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def get_rate(self):
        # Read per request, not frozen at import, so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if not settings.RATELIMIT_ENABLED or request.method not in self.methods:
            return True
        return super().allow_request(request, view)

    def get_ident(self, request):
        return client_key(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PerUserMixin:
    """Count per signed-in user; anonymous requests are not counted by this throttle."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ThrottleBeforeAuthenticationMixin:
    """For login-like views: count a request before checking its password.

    DRF authenticates first, so a wrong password would be refused with a 401 before
    any throttle saw it, leaving guessing unthrottled. The throttles of such a view
    must key on the client address, not on the user.
    """

    def perform_authentication(self, request):
        super().check_throttles(request)
        super().perform_authentication(request)

    def check_throttles(self, request):
        """Do nothing: perform_authentication() already checked the throttles."""


class TokenRateThrottle(ApiRateThrottle):
    """POST /api/tokens per client: slows down password guessing."""

    scope = "tokens"
    methods = frozenset({"POST"})


class RegistrationRateThrottle(ApiRateThrottle):
    """POST /api/users per client: slows down mass account creation."""

    scope = "registrations"
    methods = frozenset({"POST"})


class WriteRateThrottle(PerUserMixin, ApiRateThrottle):
    """Every API write per signed-in user (anonymous writes have their own client throttles)."""

    scope = "writes"


# ---------------------------------------------------------------------------
# Throttles of plain Django views
# ---------------------------------------------------------------------------


class ViewRateThrottle(ApiRateThrottle):
    """A throttle for a plain Django view, its rate in the setting named `rate_setting`."""

    methods = frozenset({"POST"})
    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def refusal(self, request, retry_after: str) -> HttpResponse:
        """Return the answer to a refused request: the 429 page."""
        response = render_error_page(request, 429)
        response["Retry-After"] = retry_after
        return response


class RegisterRateThrottle(ViewRateThrottle):
    """The registration form, per client: slows down mass account creation."""

    scope = "register"
    rate_setting = "REGISTER_RATE"


class PasswordResetRateThrottle(ViewRateThrottle):
    """The password-reset form, per client: no one floods an inbox with reset mails."""

    scope = "password_reset"
    rate_setting = "PASSWORD_RESET_RATE"


class TranslateRateThrottle(PerUserMixin, ViewRateThrottle):
    """/translate/ per user: every text goes to a service that may bill per character."""

    scope = "translate"
    rate_setting = "TRANSLATE_RATE"

    def refusal(self, request, retry_after):
        message = _("Too many translations in a short time. Please try again later.")
        return json_error(429, message, Retry_After=retry_after)


class ReactionRateThrottle(PerUserMixin, ViewRateThrottle):
    """The like, boost, bookmark and follow buttons per user: each one may notify someone."""

    scope = "reactions"
    rate_setting = "REACTION_RATE"

    def refusal(self, request, retry_after):
        if wants_json(request):
            message = _("Too many clicks in a short time. Please wait a moment and try again.")
            return json_error(429, message, Retry_After=retry_after)
        return super().refusal(request, retry_after)


class CspReportRateThrottle(ViewRateThrottle):
    """/csp-report/ per client: anyone may send reports, and each one is a log line."""

    scope = "csp_report"
    rate_setting = "CSP_REPORT_RATE"

    def refusal(self, request, retry_after):
        # Browsers ignore the answer to a report; an empty one costs least.
        response = HttpResponse(status=429)
        response["Retry-After"] = retry_after
        return response


def throttle(throttle_class):
    """Decorate a view function so `throttle_class` may refuse its requests with a 429."""

    def decorator(view):
        @functools.wraps(view)
        def throttled(request, *args, **kwargs):
            limiter = throttle_class()
            if not limiter.allow_request(request, None):
                return limiter.refusal(request, str(math.ceil(limiter.wait() or 1)))
            return view(request, *args, **kwargs)

        return throttled

    return decorator
