"""Development: runs with no environment at all (SQLite file, console email, toolbar)."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, MIDDLEWARE, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-dev-only-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

if DEBUG and env.bool("DEBUG_TOOLBAR", default=True):
    INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar"]
    # After the health check and request id, before everything that renders.
    _after = MIDDLEWARE.index("microblog.middleware.RequestIdMiddleware") + 1
    MIDDLEWARE = [*MIDDLEWARE[:_after], "debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE[_after:]]
    INTERNAL_IPS = ["127.0.0.1", "::1"]
    # Folded to one handle until clicked: a first `make run` shows the site, not the toolbar
    # over a quarter of it. Outside a shadow DOM, so that static/css/app.css can place the
    # handle where it covers no control.
    DEBUG_TOOLBAR_CONFIG = {"SHOW_COLLAPSED": True, "USE_SHADOW_DOM": False}

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
