"""Production: refuses to start unconfigured; HTTPS-only switches default on."""

from django.core.exceptions import ImproperlyConfigured

from microblog.logconfig import build_logging

from .base import *  # noqa: F403
from .base import ADMINS, ALLOWED_HOSTS, EMAIL_BACKEND, LOG_FILE, LOG_LEVEL, SECRET_KEY, STORAGES, env

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production needs a long random value, e.g. from "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
    )
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Give the comma-separated host names this site answers to, "
        "e.g. ALLOWED_HOSTS=microblog.example.com."
    )

DEBUG = False

# Uploaded pictures stay where base.py put them (MEDIA_STORAGE); static files get hashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "microblog.storage.StaticFilesStorage"}}

# Each HTTPS switch can be turned off to run these settings over plain HTTP on loopback
# (load tests, a local check); never do that on the internet.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = build_logging(
    level=LOG_LEVEL,
    log_format=env.str("LOG_FORMAT", default="json"),
    log_file=LOG_FILE,
    mail_admins=bool(ADMINS) and EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend",
)
