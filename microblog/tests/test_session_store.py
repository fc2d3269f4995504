"""Where sessions are kept: the database, read through the cache when there is a shared one."""

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def session_engine(redis_url: str) -> str:
    """Return SESSION_ENGINE as the settings compute it with REDIS_URL=`redis_url`."""
    program = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "microblog.settings.dev", "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_sessions_are_read_through_redis_when_it_is_configured():
    assert session_engine("redis://127.0.0.1:6379/0") == "django.contrib.sessions.backends.cached_db"


def test_without_a_shared_cache_sessions_stay_in_the_database():
    # cached_db over a per-process cache would let one worker serve a session that
    # another has just ended (sign-out, password change): docs/performance.md, change 12.
    assert session_engine("") == "django.contrib.sessions.backends.db"


def test_a_cached_session_costs_no_query_and_survives_a_cache_flush(settings, django_assert_num_queries):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.BENCH_MODE = True
    client = Client()
    client.force_login(UserFactory())
    client.get("/bench/ceiling/")  # last_seen moves once; the session is cached from here on

    with django_assert_num_queries(1):  # the user; the session comes from the cache
        assert client.get("/bench/ceiling/").content == b"ok"
    cache.clear()
    with django_assert_num_queries(2):  # the session from the database again, and the user
        answered = client.get("/bench/ceiling/")

    assert answered.content == b"ok"
    assert answered.wsgi_request.user.is_authenticated
