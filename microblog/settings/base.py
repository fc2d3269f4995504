"""Settings shared by every mode; values come from the environment (and `.env`).

Each mode module (dev, prod, test) star-imports this one and changes only what
differs. Every variable read here is listed with its default in the README.
"""

from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from microblog.logconfig import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# An optional `.env` beside manage.py; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with its sign-in sent to the two-step login page (accounts/admin_site.py).
    "accounts.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "axes",
    # Two-factor sign-in: authenticator apps (TOTP) and one-time recovery codes (docs/security.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "accounts",
    "posts",
]

MIDDLEWARE = [
    # Off unless BENCH_MODE: counts every query of the request, so it wraps everything.
    "microblog.middleware.QueryCountMiddleware",
    # Before anything logs: every line of the request names the client (NUM_PROXIES).
    "microblog.middleware.ClientAddressMiddleware",
    # First, so load balancers get an answer that touches nothing but the database.
    "microblog.middleware.HealthCheckMiddleware",
    "microblog.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session middleware, whose Vary: Cookie it reads.
    "microblog.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.LastSeenMiddleware",
    "microblog.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "microblog.urls"
WSGI_APPLICATION = "microblog.wsgi.application"
ASGI_APPLICATION = "microblog.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "posts.context_processors.translation",
                "posts.context_processors.unread_messages",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

# SQLite file beside manage.py unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections, checked before reuse so a restarted server is survived.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work together; the wait absorbs write bursts.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out login is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameOrEmailBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "posts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Visitors may read explore, profiles, threads and tags (microblog.mixins.PublicReadMixin);
# false: every page but sign-in, sign-up and password reset needs an account.
PUBLIC_READ = env.bool("PUBLIC_READ", default=True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The footer's language choice outlives the browser session.
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
# Off: it would also group page numbers and ids in URLs ("?page=1 000"). Counts opt in
# with `intcomma`, which groups in the active language's style ("1,234", Spanish "1 234").
USE_THOUSAND_SEPARATOR = False
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded pictures (microblog/images.py): re-encoded files of our own, under MEDIA_ROOT,
# or in an S3-compatible bucket with MEDIA_STORAGE=s3 (docs/deployment.md).
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Where the pages' <img> may load uploaded pictures from, besides this site (the CSP's img-src).
MEDIA_IMG_SOURCES = []
if MEDIA_STORAGE == "filesystem":
    MEDIA_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME, the bucket that keeps uploaded pictures "
            "(and AWS_S3_ENDPOINT_URL for a store other than Amazon's); see docs/deployment.md."
        )
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None
    MEDIA_BACKEND = {
        # django-storages' S3 backend; its OPTIONS are the AWS_* settings of its documentation.
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            # None: boto3 finds the keys itself (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
            # from the environment, a profile or the machine's role).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "custom_domain": AWS_S3_CUSTOM_DOMAIN,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # Version 4 signatures, which every region and S3-compatible store takes.
            "signature_version": "s3v4",
            # Private by default: no ACL is sent, so objects get the bucket's (private unless
            # its policy says otherwise), and links are signed for AWS_QUERYSTRING_EXPIRE
            # seconds. Behind a public bucket policy or a CDN (AWS_S3_CUSTOM_DOMAIN, never
            # signed), turn AWS_QUERYSTRING_AUTH off for stable links that browsers cache.
            "default_acl": None,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=True),
            # Longer than a post's cached HTML lives (five minutes, posts/rendering.py).
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=60 * 60 * 6),
            # Names hold a random token and are never reused: no lookup before each write.
            "file_overwrite": True,
            # Sent with every object and served back by the store. The Content-Type is the
            # one microblog/images.py gives its WebP files; nosniff cannot be set on an S3
            # object, so a CDN in front adds it (docs/deployment.md).
            "object_parameters": {"CacheControl": "max-age=31536000, immutable"},
        },
    }
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_IMG_SOURCES = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:
        _endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        # Path-style links (endpoint/bucket/key) or virtual-hosted ones (bucket.endpoint/key).
        MEDIA_IMG_SOURCES = [
            f"{_endpoint.scheme}://{_endpoint.netloc}",
            f"{_endpoint.scheme}://{AWS_STORAGE_BUCKET_NAME}.{_endpoint.netloc}",
        ]
    else:
        MEDIA_IMG_SOURCES = [
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME or 'us-east-1'}.amazonaws.com",
        ]
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": MEDIA_BACKEND,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MEDIA_MAX_UPLOAD_MB = env.int("MEDIA_MAX_UPLOAD_MB", default=10)
# Width x height that an upload may declare before a byte is decoded: 50 million is a
# 48-megapixel phone's photo with room to spare (200 MB decoded); a bomb declares billions.
MEDIA_MAX_PIXELS = env.int("MEDIA_MAX_PIXELS", default=50_000_000)
# Whether every picture of a post must have a description (its alt text).
MEDIA_REQUIRE_ALT = env.bool("MEDIA_REQUIRE_ALT", default=False)

# Background tasks live in the database by default (`manage.py db_worker`); with Redis,
# in RQ queues (`manage.py rqworker --job-class django_tasks_rq.Job`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A Redis outage is a cache miss, not a 500 on every page.
                "IGNORE_EXCEPTIONS": True,
                # Fail fast: a page must not wait on a Redis that went away.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    # Logged once per interval as a warning by microblog.cache.RedisOutageFilter.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "microblog.cache"
    # Sessions survive a cache flush and are shared by every web node.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    # Per process. Room for the page fragments of a few hundred active readers (a post's
    # HTML is ~1.5 KB): at Django's default of 300 entries, 16 readers' feeds already
    # evicted each other and home pages were rendered afresh.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 10_000}}
    }

EXPORT_DOWNLOAD_DAYS = env.int("EXPORT_DOWNLOAD_DAYS", default=7)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}  # Bootstrap's name for the ERROR level

CSRF_FAILURE_VIEW = "microblog.views.csrf_failure"

# Security headers and cookie flags, spelled out (most are Django's defaults) so that no
# mode or upgrade weakens them unnoticed; docs/security.md explains each.
SECURE_CONTENT_TYPE_NOSNIFF = True
# Not even the origin leaves the site: profile URLs name people, and nothing we link to needs it.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The site takes no uploads: a post or a message is 140 characters. Bigger bodies are
# refused (400) before they are read into memory or parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100

# Email: console in dev, locmem in tests, anything smtp:// (or smtp+tls://) in prod.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Microblog <no-reply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = 10
ADMINS = getaddresses(env.list("ADMINS", default=[]))
EMAIL_SUBJECT_PREFIX = "[Microblog] "

POSTS_PER_PAGE = env.int("POSTS_PER_PAGE", default=25)
# How often open tabs ask /notifications/ for news (message badge, export progress).
NOTIFICATIONS_POLL_SECONDS = env.float("NOTIFICATIONS_POLL_SECONDS", default=10.0)

# Benchmarks only (bench/http_bench.py): an X-Query-Count header on every response and a
# trivial page at /bench/ceiling/ that measures what the middleware stack alone costs.
BENCH_MODE = env.bool("BENCH_MODE", default=False)

# Throttles: on by default; RATELIMIT_ENABLED=false turns every one off (load tests only).
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
# Reverse proxies in front of the app. The client address of every throttle, lockout and
# log line is the entry this many places from the right of X-Forwarded-For; 0 ignores
# the header and takes REMOTE_ADDR (microblog/client_address.py).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Sign-in failures (django-axes, in the database): per account and, separately, per client.
AXES_ENABLED = RATELIMIT_ENABLED
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "microblog.client_address.client_ip"
# A sign-in clears its account's failures only (accounts.views.LoginView), never the client's.
AXES_RESET_ON_SUCCESS = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.backends.login_identifier"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # failures are what we count; successes are not logged
# A wrong two-factor code is a failure too; it is no secret, but a mistyped recovery code is nearly one.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor sign-in (django-otp). The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = "Microblog"
# Staff may not read anyone's authenticator secret or recovery codes in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Staff without two-factor sign-in are sent to set it up before the admin opens for them.
REQUIRE_STAFF_2FA = env.bool("REQUIRE_STAFF_2FA", default=False)
# Request throttles of plain views (microblog/throttling.py, DRF's classes on the cache);
# the API's are in REST_FRAMEWORK below. Without Redis the cache is per process, so each
# worker counts on its own.
REGISTER_RATE = env.str("REGISTER_RATE", default="10/h")
PASSWORD_RESET_RATE = env.str("PASSWORD_RESET_RATE", default="5/h")
TRANSLATE_RATE = env.str("TRANSLATE_RATE", default="30/min")
# Like, boost and bookmark buttons (and their undo), per user: as many as the API's writes.
REACTION_RATE = env.str("REACTION_RATE", default="60/min")
CSP_REPORT_RATE = env.str("CSP_REPORT_RATE", default="30/min")
# Reports of posts and people (posts.services.file_report): at most this many unresolved
# reports per reporter in any hour, on the pages and the API alike; counted in the
# database, so every worker agrees.
REPORTS_PER_HOUR = env.int("REPORTS_PER_HOUR", default=10)

# Content-Security-Policy: every script is a static file of ours.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Bootstrap's and the admin's components set a few inline styles.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "https://www.gravatar.com", *MEDIA_IMG_SOURCES],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": "/csp-report/",
    },
}
AVATAR_PROVIDER = env.str("AVATAR_PROVIDER", default="local")

# Post translation (posts/translation.py): "libretranslate", "microsoft", "deepl" or empty (off).
TRANSLATOR = env.str("TRANSLATOR", default="")
TRANSLATOR_URL = env.str("TRANSLATOR_URL", default="")
TRANSLATOR_KEY = env.str("TRANSLATOR_KEY", default="")
TRANSLATOR_REGION = env.str("TRANSLATOR_REGION", default="")
TRANSLATOR_TIMEOUT = env.float("TRANSLATOR_TIMEOUT", default=5.0)

REST_FRAMEWORK = {
    # Bearer tokens only: no session auth, so the API has no CSRF surface.
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every JSON body goes through microblog/jsonbody.py: malformed or deeply nested input is a 400.
    "DEFAULT_PARSER_CLASSES": ["microblog.jsonbody.JSONBodyParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "microblog.negotiation.FirstRendererNegotiation",
    "DEFAULT_PAGINATION_CLASS": "microblog.api.MicroblogPagination",
    "DEFAULT_THROTTLE_CLASSES": ["microblog.throttling.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "tokens": env.str("API_THROTTLE_TOKENS", default="10/min"),
        "registrations": env.str("API_THROTTLE_REGISTRATIONS", default="10/hour"),
        "writes": env.str("API_THROTTLE_WRITES", default="60/min"),
    },
    "EXCEPTION_HANDLER": "microblog.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Microblog API",
    "DESCRIPTION": (
        "A drop-in for the Flask Mega-Tutorial microblog's API, plus posts, feed and follow. "
        "Get a token with HTTP Basic at POST /api/tokens, then send `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "microblog.api.add_common_error_responses",
    ],
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_FILE = env.str("LOG_FILE", default="")
LOGGING = build_logging(level=LOG_LEVEL, log_format=LOG_FORMAT, log_file=LOG_FILE, mail_admins=False)
