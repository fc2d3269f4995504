"""Suite-wide fixtures and the rules for database- and browser-specific tests."""

import os
import socket

import pytest
from django.conf import settings


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_runtest_setup(item):
    """Skip `postgres` tests on SQLite, or fail them when CI demands PostgreSQL."""
    if item.get_closest_marker("postgres") and not _on_postgres():
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://..."
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but the suite runs on SQLite ({reason})")
        pytest.skip(reason)
    if item.get_closest_marker("redis") and not _redis_reachable():
        reason = "needs Redis on 127.0.0.1:6379"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start every test with an empty cache (throttles, translations)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
