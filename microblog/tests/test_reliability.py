"""Failures leave no half-written data, and outages of the database, mail or Redis degrade gently."""

import json
import logging
import logging.config
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.test import override_settings
from django.urls import reverse

from accounts import services as account_services
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, bearer
from microblog.cache import RedisOutageFilter
from microblog.tests import live_servers
from posts import services
from posts.models import ExportJob, Message, Post
from posts.tests.factories import MessageFactory, PostFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


class Boom(Exception):
    """The injected failure."""


def fail(*args, **kwargs):
    raise Boom


# ---------------------------------------------------------------------------
# All or nothing
# ---------------------------------------------------------------------------


def test_a_message_rolled_back_takes_its_unread_count_with_it():
    sender, recipient = UserFactory.create_batch(2)

    def send_then_fail():
        with transaction.atomic():
            services.send_message(sender=sender, recipient=recipient, body="hello")
            fail()

    with pytest.raises(Boom):
        send_then_fail()

    assert not Message.objects.exists()
    recipient.refresh_from_db()
    assert recipient.unread_message_count == 0


def test_an_export_whose_progress_notice_fails_leaves_no_job(monkeypatch):
    user = UserFactory()
    monkeypatch.setattr(services, "add_notification", fail)

    with pytest.raises(Boom):
        services.start_export(user=user)

    assert not ExportJob.objects.exists()


def test_an_account_deletion_that_fails_midway_deletes_nothing():
    user = UserFactory()
    PostFactory.create_batch(2, author=user)
    MessageFactory(sender=user)

    # Fires after the posts are gone, before the user row is: the second write fails.
    post_delete.connect(fail, sender=Message, dispatch_uid="fail-once")
    try:
        with pytest.raises(Boom):
            account_services.delete_account(user=user)
    finally:
        post_delete.disconnect(dispatch_uid="fail-once", sender=Message)

    assert Post.objects.filter(author=user).count() == 2
    assert Message.objects.filter(sender=user).count() == 1
    assert type(user).objects.filter(pk=user.pk).exists()


def test_a_failing_message_send_shows_no_message_to_the_recipient(client, monkeypatch):
    sender, recipient = UserFactory.create_batch(2)
    client.force_login(sender)
    client.raise_request_exception = False
    monkeypatch.setattr(services.Message, "save", fail)

    response = client.post(reverse("posts:send_message", args=[recipient.username]), {"body": "hi"})

    assert response.status_code == 500
    assert not Message.objects.exists()
    recipient.refresh_from_db()
    assert recipient.unread_message_count == 0


def test_an_export_that_cannot_be_queued_ends_failed_so_it_can_be_retried(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    from posts.tasks import export_posts_task

    user = UserFactory()
    client.force_login(user)

    def queue_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(type(export_posts_task), "enqueue", queue_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("posts:export_posts"))

    job = ExportJob.objects.get(user=user)
    assert response.status_code == 302
    assert job.state == ExportJob.State.FAILED
    assert job.error == "The export could not be started. Please try again later."
    assert "6379" not in job.error
    assert not ExportJob.objects.active().filter(user=user).exists()


# ---------------------------------------------------------------------------
# Database down, seen from one request
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "api"), [("/explore/", False), ("/api/users", True)])
def test_a_database_lost_outside_any_view_is_a_503_not_a_500(client, monkeypatch, path, api):
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    from accounts.authentication import BearerTokenAuthentication

    headers = bearer(UserFactory()) if api else {}
    client.force_login(UserFactory())
    client.raise_request_exception = False

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The session middleware (pages) and the token lookup (API) are the first to query.
    monkeypatch.setattr(SessionStore, "load", refuse)
    monkeypatch.setattr(BearerTokenAuthentication, "authenticate_credentials", refuse)

    response = client.get(path, headers=headers)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if api:
        assert response.json()["error"] == "Service Unavailable"
    else:
        assert b"temporarily unavailable" in response.content


# ---------------------------------------------------------------------------
# Mail server down
# ---------------------------------------------------------------------------


def test_a_password_reset_with_the_mail_server_down_answers_as_usual_and_logs(client, caplog):
    UserFactory(email="sam@example.com")
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": live_servers.free_port(),
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 2,
    }

    with override_settings(**smtp), caplog.at_level(logging.ERROR):
        response = client.post(reverse("accounts:password_reset"), {"email": "sam@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert "Failed to send password reset email" in caplog.text


# ---------------------------------------------------------------------------
# Redis down
# ---------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """Point the cache (sessions, throttles, translations) at a Redis that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{live_servers.free_port()}/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    settings.DJANGO_REDIS_LOGGER = "microblog.cache"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    RedisOutageFilter.last = float("-inf")
    return settings


def test_the_production_cache_is_the_one_tested_here(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    program = "import json; from django.conf import settings as s; print(json.dumps([s.CACHES, s.DJANGO_REDIS_LOGGER]))"

    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {program}"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "microblog.settings.dev"},
        capture_output=True,
        text=True,
        check=True,
    )

    caches, logger_name = json.loads(result.stdout)
    assert caches["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert caches["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert logger_name == "microblog.cache"


def test_the_cache_answers_misses_while_redis_is_down(redis_down, caplog):
    from django.core.cache import cache

    with caplog.at_level(logging.WARNING, logger="microblog.cache"):
        cache.set("k", 1)
        assert cache.get("k", "default") == "default"
        assert not cache.add("k", 1)
        assert cache.get_many(["k"]) == {}
        assert cache.incr("k") is None  # a throttle then sees no history and lets the request through

    outage_lines = [record for record in caplog.records if record.name == "microblog.cache"]
    assert len(outage_lines) == 1  # one line per interval, not one per call
    assert outage_lines[0].levelname == "WARNING"
    assert "Redis is unreachable" in outage_lines[0].getMessage()
    assert outage_lines[0].exc_info is None


def test_logging_configured_twice_still_lets_one_outage_line_through(redis_down, caplog):
    from django.core.cache import cache

    logging.config.dictConfig(settings.LOGGING)  # a second filter instance on the logger
    logging.getLogger().addHandler(caplog.handler)  # dictConfig replaced the root's handlers
    with caplog.at_level(logging.WARNING, logger="microblog.cache"):
        cache.get("k")
        cache.get("k")

    assert [record.name for record in caplog.records] == ["microblog.cache"]


def test_the_site_keeps_working_while_redis_is_down(client, redis_down):
    user = UserFactory(username="sam")
    PostFactory(author=user, body="still here")

    signed_in = client.post(reverse("accounts:login"), {"username": "sam", "password": DEFAULT_PASSWORD})
    home = client.get(reverse("posts:home"))
    posted = client.post(reverse("posts:home"), {"body": "written during the outage"})
    client.logout()
    reset = client.post(reverse("accounts:password_reset"), {"email": "sam@example.com"})
    registered = client.post(
        reverse("accounts:register"),
        {
            "username": "newbie",
            "email": "n@example.com",
            "password1": "a fine pass 123",
            "password2": "a fine pass 123",
        },
    )

    assert signed_in.status_code == 302
    assert home.status_code == 200
    assert "still here" in home.content.decode()
    assert posted.status_code == 302
    assert reset.status_code == 302
    assert registered.status_code == 302


def test_the_api_keeps_working_while_redis_is_down(client, redis_down):
    user = UserFactory()

    response = client.post(
        "/api/posts", json.dumps({"body": "hello"}), content_type="application/json", headers=bearer(user)
    )

    assert response.status_code == 201


# ---------------------------------------------------------------------------
# Database down, then back: a real server on a scratch PostgreSQL database
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Migrate a scratch database and serve it with gunicorn and the production settings."""
    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_recovery_{os.getpid()}"
    env = live_servers.production_env(
        database_url=live_servers.create_scratch_database(name), static_root=tmp_path_factory.mktemp("static")
    )
    live_servers.release(env)
    process = None
    try:
        process, url = live_servers.start_gunicorn(env, live_servers.free_port())
        yield {"url": url, "database": name}
    finally:
        if process:
            live_servers.stop(process)
        live_servers.drop_scratch_database(name)


@pytest.mark.postgres
def test_the_server_survives_its_database_connections_being_killed(server):
    url, name = server["url"], server["database"]
    assert requests.get(f"{url}/auth/login/", timeout=10).status_code == 200

    live_servers.admin_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")

    # The persistent connection is dead; CONN_HEALTH_CHECKS notices and reconnects.
    assert requests.get(f"{url}/auth/login/", timeout=10).status_code == 200
    assert requests.get(f"{url}/healthz", timeout=10).status_code == 200


def signed_in_session(url: str, username: str) -> requests.Session:
    """Register `username` through the sign-up form; return the browser-like session."""
    browser = requests.Session()
    page = browser.get(f"{url}/auth/register/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    password = "recovery-pass-123"
    data = {"username": username, "email": f"{username}@example.com", "password1": password, "password2": password}
    registered = browser.post(
        f"{url}/auth/register/", data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": url}, timeout=10
    )
    assert registered.url == f"{url}/", registered.text[:300]
    return browser


@pytest.mark.postgres
def test_a_database_outage_is_a_503_page_and_the_server_recovers_without_a_restart(server):
    url, name = server["url"], server["database"]
    browser = signed_in_session(url, "survivor")
    api_token = requests.post(f"{url}/api/tokens", auth=("survivor", "recovery-pass-123"), timeout=10).json()["token"]
    api_headers = {"Authorization": f"Bearer {api_token}"}
    # No new connections, and the open ones are cut: the database is "down" for this app.
    live_servers.admin_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    live_servers.admin_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    try:
        page = browser.get(f"{url}/explore/", timeout=20)
        health = requests.get(f"{url}/healthz", timeout=20)
        api = requests.get(f"{url}/api/users", headers=api_headers, timeout=20)
    finally:
        live_servers.admin_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    assert page.status_code == 503
    assert "temporarily unavailable" in page.text
    assert "Traceback" not in page.text
    assert page.headers["Retry-After"]
    assert health.status_code == 503
    assert api.status_code == 503
    assert api.json()["error"] == "Service Unavailable"

    live_servers.wait_for(
        lambda: requests.get(f"{url}/healthz", timeout=10).status_code == 200, what="recovery", timeout=30
    )
    assert browser.get(f"{url}/explore/", timeout=10).status_code == 200
    assert requests.get(f"{url}/api/users", headers=api_headers, timeout=10).status_code == 200
