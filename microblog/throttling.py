"""The REST API's throttles: DRF's, counting in the Django cache.

Apart from microblog/api.py because DRF imports its DEFAULT_THROTTLE_CLASSES while
rest_framework.views loads, so this module must not import that one.
"""

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ApiRateThrottle(SimpleRateThrottle):
    """A throttle for some methods only, which RATELIMIT_ENABLED=false turns off."""

    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def get_rate(self):
        # Read per request, not frozen at import, so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if not settings.RATELIMIT_ENABLED or request.method not in self.methods:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


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
    """POST /api/tokens per client IP: slows down password guessing."""

    scope = "tokens"
    methods = frozenset({"POST"})


class RegistrationRateThrottle(ApiRateThrottle):
    """POST /api/users per client IP: slows down mass account creation."""

    scope = "registrations"
    methods = frozenset({"POST"})


class WriteRateThrottle(ApiRateThrottle):
    """Every write per signed-in user (anonymous writes have their own IP throttles)."""

    scope = "writes"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
