"""The address of the client behind the proxies: the one answer every throttle and log uses.

django-axes (AXES_CLIENT_IP_CALLABLE), the throttles (microblog/throttling.py) and the
log lines (ClientAddressMiddleware, ClientAddressFilter) all call client_ip(), so a
client is counted and logged under the same address everywhere.

Each proxy appends the address it received the request from to X-Forwarded-For (nginx's
`$proxy_add_x_forwarded_for`), so with NUM_PROXIES proxies in front, the entry that many
places from the right was written by the outermost proxy: that is the client. Entries
further left were written by the client itself and prove nothing. With NUM_PROXIES=0 the
header is ignored and the client is REMOTE_ADDR.
"""

import contextvars
import ipaddress
import logging

from django.conf import settings

# Where ClientAddressMiddleware leaves the answer in the WSGI environ, for gunicorn's
# access log (`%({microblog.client_ip}e)s` in gunicorn.conf.py).
ENVIRON_KEY = "microblog.client_ip"

current_client_ip = contextvars.ContextVar("client_ip", default="-")


def _address(text: str) -> str | None:
    """Return `text` as a normalised IP address, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """Return the IP address of the client that sent `request`, as our proxies saw it.

    Decided once per request: ClientAddressMiddleware keeps the answer in the environ,
    where axes, the throttles and the log lines find it.
    """
    if ENVIRON_KEY in request.META:
        return request.META[ENVIRON_KEY]
    return _decide(request)


def _decide(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # The request did not come through every proxy (a health check, a direct
        # connection): nothing in the header can be trusted.
        return remote
    # Not an address (a hand-written header reaching a misconfigured proxy): fall back
    # rather than let a made-up string become a throttle key or reach axes' inet column.
    return _address(hops[-proxies]) or remote


def looks_proxied_but_unconfigured(request) -> bool:
    """Return whether `request` came through a local proxy that NUM_PROXIES=0 ignores.

    The mistake behind "one client locks everyone out": deployed behind nginx with
    NUM_PROXIES left at 0, every client has the proxy's address.
    """
    if settings.NUM_PROXIES > 0 or "x-forwarded-for" not in request.headers:
        return False
    try:
        remote = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "")
    except ValueError:
        return False
    return remote.is_loopback or remote.is_private


class ClientAddressFilter(logging.Filter):
    """Give every log record a `client_ip` attribute (the request's, or "-")."""

    def filter(self, record):
        request = getattr(record, "request", None)
        record.client_ip = client_ip(request) if hasattr(request, "META") else current_client_ip.get()
        return True
