"""Two-factor sign-in, besides the services: the half-signed-in state and the setup page's QR code.

Between the password and the code a sign-in is "half done": the session holds a signed,
timestamped note of who got the password right (never the password), read back only
within PENDING_LOGIN_AGE and only while the account's password is unchanged. The writes
(enrol, verify, recovery codes) are in accounts/services.py.
"""

from base64 import b32encode
from dataclasses import dataclass
from math import ceil

import segno
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

PENDING_LOGIN_KEY = "two_factor_pending"
PENDING_LOGIN_SALT = "accounts.two_factor.pending_login"
PENDING_LOGIN_AGE = 5 * 60  # seconds to type the code once the password was right


@dataclass(frozen=True)
class PendingLogin:
    """Who got the password right in this session, and what their sign-in asked for."""

    user: User
    remember_me: bool
    next_url: str


def begin_pending_login(request, user: User, *, remember_me: bool, next_url: str) -> None:
    """Note in the session that `user` gave the right password and now owes a code."""
    request.session[PENDING_LOGIN_KEY] = signing.dumps(
        {"user": user.pk, "auth": user.get_session_auth_hash(), "remember": remember_me, "next": next_url},
        salt=PENDING_LOGIN_SALT,
    )


def pending_login(request) -> PendingLogin | None:
    """Return this session's half-done sign-in, or None if it has none, it expired or the account changed."""
    value = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(value, str):
        return None
    try:
        data = signing.loads(value, salt=PENDING_LOGIN_SALT, max_age=PENDING_LOGIN_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    user = User.objects.active().filter(pk=data.get("user")).first()
    # A new password since (a reset, say) ends the half-done sign-in, as it ends sessions.
    if user is None or not constant_time_compare(user.get_session_auth_hash(), data.get("auth", "")):
        return None
    return PendingLogin(user=user, remember_me=bool(data.get("remember")), next_url=str(data.get("next") or ""))


def end_pending_login(request) -> None:
    """Forget this session's half-done sign-in."""
    request.session.pop(PENDING_LOGIN_KEY, None)


def secret_text(device) -> str:
    """Return the authenticator's secret as people type it into an app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device, label: str) -> SafeString:
    """Return the authenticator's otpauth:// address as an inline SVG QR code (no script, no request)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=4)
    # segno writes "<svg width=... class=...>": name the picture for screen readers.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def recovery_codes_left(user: User) -> int:
    """Return how many unused recovery codes `user` has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def code_retry_wait(user: User, *, confirmed: bool = True) -> int:
    """Return the seconds django-otp makes `user` wait, after wrong codes, before it checks another (0: none)."""
    now = timezone.now()
    waits = [0]
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=confirmed):
            allowed, data = device.verify_is_allowed()
            if not allowed and (data or {}).get("locked_until"):
                waits.append(ceil((data["locked_until"] - now).total_seconds()))
    return max(waits)
