"""How API requests prove who they are: HTTP Basic for a token, then Bearer tokens.

Kept apart from accounts/api.py because DRF imports authentication classes while
rest_framework.views itself loads, before any view module can be imported.
"""

from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, TokenAuthentication

from accounts.models import ApiToken

LOGIN_MAX_LENGTH = 254  # an email address; usernames are shorter
# Where POST /api/tokens takes the two-factor code of an account that has it on (docs/api.md).
OTP_HEADER = "X-OTP"


class PasswordAuthentication(BasicAuthentication):
    """HTTP Basic for POST /api/tokens, counted by the same sign-in lockout as the login page.

    django-axes reads the plain HttpRequest; DRF's Request would parse the body and turn
    a missing JSON content type into a 415 instead of a clean 401.
    """

    def authenticate_credentials(self, userid, password, request=None):
        if len(userid) > LOGIN_MAX_LENGTH:
            # No account has so long a login; django-axes could not even record the attempt.
            raise exceptions.AuthenticationFailed()
        request = getattr(request, "_request", request)
        user, auth = super().authenticate_credentials(userid, password, request)
        if user.has_two_factor():
            self.check_second_factor(user, request)
        return user, auth

    def check_second_factor(self, user, request) -> None:
        """Refuse the password alone of an account with two-factor on: the X-OTP header must hold a good code.

        A wrong code counts as a failed sign-in (django-axes), as on the login page.
        """
        from accounts.services import verify_second_factor  # services import the models; this loads first

        code = request.headers.get(OTP_HEADER, "").strip() if request is not None else ""
        if not code:
            raise exceptions.AuthenticationFailed(
                _(
                    "This account has two-factor sign-in on: send a code from its authenticator app, "
                    "or a recovery code, in the X-OTP header."
                )
            )
        if not verify_second_factor(user=user, code=code):
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
            raise exceptions.AuthenticationFailed(
                _("The two-factor code in X-OTP is not right, or it was already used.")
            )


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>` with our hashed, expiring ApiToken (one query)."""

    keyword = "Bearer"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.for_key(key).first()
        # A key derived from an older password hash no longer matches: the password changed.
        if token is None or token.key != key:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        return token.user, token


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describe BearerTokenAuthentication in the OpenAPI schema as HTTP bearer auth."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_("A token from POST /api/tokens, valid for one hour.")),
        }


class PasswordScheme(OpenApiAuthenticationExtension):
    """Describe PasswordAuthentication in the OpenAPI schema as HTTP basic auth."""

    target_class = PasswordAuthentication
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}
