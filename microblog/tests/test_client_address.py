"""One client address for every throttle, lockout and log line, and one lockout counter per account.

The first tests drive Django's test client, setting REMOTE_ADDR and X-Forwarded-For by
hand; the last ones put a real gunicorn with NUM_PROXIES=1 where nginx would forward to
it, and send what nginx sends: the client's own header with the client's address appended.
"""

import io
import json
import logging
import logging.config
import os
import re

import pytest
import requests
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, basic
from microblog.client_address import client_ip
from microblog.logconfig import build_logging
from microblog.middleware import ClientAddressMiddleware
from microblog.tests import live_servers

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PROXY = "127.0.0.1"  # where nginx connects from: REMOTE_ADDR of every proxied request
ATTACKER, VICTIM = "203.0.113.7", "198.51.100.2"


def through_proxy(address: str, forged: str = "") -> dict:
    """Return the request META nginx produces for a client at `address` (with its own header)."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {address}" if forged else address}


def sign_in(client, login, password="wrong", **meta):
    return client.post(LOGIN, {"username": login, "password": password}, **meta)


# ---------------------------------------------------------------------------
# client_ip(): the one function
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("num_proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.1", "", "10.0.0.1"),
        (0, "10.0.0.1", "198.51.100.2", "10.0.0.1"),  # no proxy: the header is the client's own
        (1, PROXY, "198.51.100.2", "198.51.100.2"),
        (1, PROXY, "6.6.6.6, 198.51.100.2", "198.51.100.2"),  # the forged part is ignored
        (2, PROXY, "6.6.6.6, 198.51.100.2, 10.0.0.5", "198.51.100.2"),
        (1, PROXY, "", PROXY),  # did not come through the proxy (a health check)
        (2, PROXY, "198.51.100.2", PROXY),  # fewer hops than proxies: trust none
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, " 2001:DB8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip_reads_the_entry_the_outermost_proxy_wrote(settings, num_proxies, remote, forwarded, expected):
    settings.NUM_PROXIES = num_proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_every_consumer_is_configured_with_the_same_function():
    from rest_framework.settings import api_settings

    from microblog.throttling import ApiRateThrottle

    assert settings.AXES_CLIENT_IP_CALLABLE == "microblog.client_address.client_ip"
    assert "NUM_PROXIES" not in settings.REST_FRAMEWORK  # DRF's own X-Forwarded-For reading is unused
    assert api_settings.NUM_PROXIES is None
    assert ApiRateThrottle.get_ident.__module__ == "microblog.throttling"


# ---------------------------------------------------------------------------
# Lockouts behind a proxy, in-process
# ---------------------------------------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=3, NUM_PROXIES=1)
def test_behind_one_proxy_two_clients_are_counted_apart(client):
    UserFactory(username="victim")
    for n in range(4):
        sign_in(client, f"made-up-{n}", **through_proxy(ATTACKER))

    page = sign_in(client, "victim", DEFAULT_PASSWORD, **through_proxy(VICTIM))
    client.logout()
    api = client.post("/api/tokens", headers=basic("victim"), **through_proxy(VICTIM))
    attacker = sign_in(client, "victim", DEFAULT_PASSWORD, **through_proxy(ATTACKER))

    assert page.status_code == 302
    assert api.status_code == 200
    assert attacker.status_code == 429  # the guessing address itself is locked
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@override_settings(AXES_FAILURE_LIMIT=3, NUM_PROXIES=1)
def test_a_forged_header_behind_the_proxy_does_not_move_the_count(client):
    UserFactory(username="victim")
    for n in range(3):
        # The attacker claims to be the victim; nginx appends the real address.
        sign_in(client, f"made-up-{n}", **through_proxy(ATTACKER, forged=VICTIM))

    response = sign_in(client, "victim", DEFAULT_PASSWORD, **through_proxy(VICTIM))

    assert response.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, NUM_PROXIES=0)
def test_without_proxies_a_forged_header_is_ignored(client):
    UserFactory(username="someone")
    for n in range(3):
        sign_in(client, f"made-up-{n}", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    page = sign_in(client, "someone", DEFAULT_PASSWORD, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM)
    api = client.post("/api/tokens", headers=basic("someone"), REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM)

    assert page.status_code == 429
    assert api.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@override_settings(NUM_PROXIES=1)
def test_api_throttles_count_clients_behind_the_proxy_apart(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"tokens": "2/min"}}

    attacker = [
        client.post("/api/tokens", **through_proxy(ATTACKER, forged=f"10.0.0.{n}")).status_code for n in range(3)
    ]
    other = client.post("/api/tokens", **through_proxy(VICTIM)).status_code

    assert attacker == [401, 401, 429]
    assert other == 401


# ---------------------------------------------------------------------------
# One account, one counter; successes are not failures
# ---------------------------------------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=4)
def test_username_and_email_of_one_account_share_one_counter(client):
    UserFactory(username="Victim", email="victim@example.com")
    logins = ["victim", "VICTIM@example.com", "Victim", "victim@EXAMPLE.com"]
    for n, login in enumerate(logins):
        sign_in(client, login, REMOTE_ADDR=f"10.0.0.{n}")  # a new address each time

    by_email = sign_in(client, "victim@example.com", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.1.1")
    by_name = client.post("/api/tokens", headers=basic("victim"), REMOTE_ADDR="10.0.1.2")

    assert by_email.status_code == 429
    assert by_name.status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"victim"}


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_api_counts_the_email_on_the_account_too(client):
    UserFactory(username="victim", email="victim@example.com")
    for n in range(3):
        client.post("/api/tokens", headers=basic("Victim@Example.com", "wrong"), REMOTE_ADDR=f"10.0.0.{n}")

    response = sign_in(client, "victim", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.1.1")

    assert response.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_login_that_names_no_account_counts_as_itself(client):
    UserFactory(username="victim")
    for login in ["Nobody", "nobody", "NOBODY@example.com"]:
        sign_in(client, login, REMOTE_ADDR="10.0.0.1")

    assert dict(AccessAttempt.objects.values_list("username", "failures_since_start")) == {
        "nobody": 2,
        "nobody@example.com": 1,
    }


@override_settings(AXES_FAILURE_LIMIT=3)
def test_successful_sign_ins_never_count_as_failures(client):
    UserFactory(username="susan", email="susan@example.com")
    for login in ["susan", "SUSAN@example.com", "susan", "Susan"]:
        assert sign_in(client, login, DEFAULT_PASSWORD).status_code == 302
        client.logout()
    for _n in range(4):
        assert client.post("/api/tokens", headers=basic("susan")).status_code == 200

    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "susan", DEFAULT_PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_sign_in_clears_the_account_counter_but_not_the_client_counter(client):
    UserFactory(username="susan", email="susan@example.com")
    UserFactory(username="mallory")
    sign_in(client, "susan@example.com", REMOTE_ADDR="10.0.0.1")  # susan mistypes, once
    sign_in(client, "alice", REMOTE_ADDR=ATTACKER)
    sign_in(client, "bob", REMOTE_ADDR=ATTACKER)

    assert sign_in(client, "susan", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302
    client.logout()
    # Mallory signs in to an account of their own: that must not wipe their guesses.
    assert sign_in(client, "mallory", DEFAULT_PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 302
    client.logout()
    blocked = sign_in(client, "carol", REMOTE_ADDR=ATTACKER)

    assert not AccessAttempt.objects.filter(username="susan").exists()
    assert blocked.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_password_reset_ends_the_account_lockout_as_the_lockout_page_promises(client, mailoutbox):
    UserFactory(username="susan", email="susan@example.com")
    for _n in range(3):
        sign_in(client, "susan", REMOTE_ADDR="10.0.0.1")
    assert sign_in(client, "susan", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429

    client.post(reverse("accounts:password_reset"), {"email": "susan@example.com"})
    link = re.search(r"https?://testserver(/auth/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    form = client.get(link)["Location"]
    client.post(form, {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"})

    assert sign_in(client, "susan", "a brand new secret 42", REMOTE_ADDR="10.0.0.1").status_code == 302


# ---------------------------------------------------------------------------
# Log lines
# ---------------------------------------------------------------------------


@pytest.fixture
def json_logs():
    """Install the production log format (JSON lines) and return its captured output."""
    stream = io.StringIO()
    config = build_logging(level="INFO", log_format="json")
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


@override_settings(NUM_PROXIES=1)
def test_log_lines_name_the_client_behind_the_proxy(client, json_logs):
    client.get("/missing/", **through_proxy(ATTACKER, forged="6.6.6.6"))
    logging.getLogger("microblog.security").warning("outside any request")

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line.startswith("{")]
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["client_ip"] == ATTACKER
    assert lines[-1]["client_ip"] == "-"


@pytest.mark.parametrize(
    ("num_proxies", "remote", "warned"),
    [(0, PROXY, True), (0, "10.0.0.3", True), (1, PROXY, False), (0, "93.184.216.34", False)],
)
def test_a_proxy_with_num_proxies_left_at_0_is_reported_once(client, caplog, monkeypatch, num_proxies, remote, warned):
    monkeypatch.setattr(ClientAddressMiddleware, "warned", False)
    with override_settings(NUM_PROXIES=num_proxies), caplog.at_level(logging.WARNING, "microblog.middleware"):
        for _n in range(2):
            client.get(LOGIN, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=VICTIM)

    warnings = [record for record in caplog.records if "NUM_PROXIES is 0" in record.getMessage()]
    assert len(warnings) == (1 if warned else 0)


# ---------------------------------------------------------------------------
# A real gunicorn with NUM_PROXIES=1, sent what nginx sends
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory):
    """Serve a fresh database (a scratch one on PostgreSQL, a file on SQLite) with gunicorn."""
    folder = tmp_path_factory.mktemp("proxied")
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_proxied_{os.getpid()}"
    database_url = live_servers.create_scratch_database(name) if on_postgres else f"sqlite:///{folder}/db.sqlite3"
    env = live_servers.production_env(
        database_url=database_url,
        static_root=folder / "static",
        NUM_PROXIES="1",
        LOGIN_FAILURE_LIMIT="3",
        API_THROTTLE_REGISTRATIONS="100/hour",
        GUNICORN_ACCESS_LOG=str(folder / "access.log"),
        # Two sync workers, as in production: the lockout must hold across processes.
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="1",
    )
    live_servers.release(env)
    process = None
    try:
        process, url = live_servers.start_gunicorn(env, live_servers.free_port())
        for name_ in ("victim", "mallory"):
            registered = requests.post(
                f"{url}/api/users",
                json={"username": name_, "email": f"{name_}@example.com", "password": "proxied-pass-123"},
                headers={"X-Forwarded-For": "192.0.2.200"},
                timeout=10,
            )
            assert registered.status_code == 201, registered.text
        yield {"url": url, "access_log": folder / "access.log"}
    finally:
        if process:
            live_servers.stop(process)
        if on_postgres:
            live_servers.drop_scratch_database(name)


def live_sign_in(url, login, password, client_header):
    """Sign in through the login page as a browser would, behind nginx; return the status."""
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = client_header
    page = browser.get(f"{url}/auth/login/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = browser.post(
        f"{url}/auth/login/",
        data={"username": login, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    return answer.status_code


def live_token(url, login, password, client_header):
    """Ask POST /api/tokens for a token, behind nginx; return the status."""
    answer = requests.post(
        f"{url}/api/tokens", auth=(login, password), headers={"X-Forwarded-For": client_header}, timeout=10
    )
    return answer.status_code


def test_live_one_client_guessing_behind_nginx_locks_only_itself(proxied_server):
    url = proxied_server["url"]
    # Made-up usernames from one client, on the page and the API, claiming other addresses.
    guesses = [live_sign_in(url, f"made-up-{n}", "wrong", f"10.1.1.{n}, {ATTACKER}") for n in range(2)]
    guesses += [live_token(url, f"made-up-api-{n}", "wrong", f"10.2.2.{n}, {ATTACKER}") for n in range(2)]

    assert guesses == [200, 200, 429, 429]  # the third failure reaches LOGIN_FAILURE_LIMIT
    # Another client, behind the same proxy, signs in at once.
    assert live_sign_in(url, "victim", "proxied-pass-123", VICTIM) == 302
    assert live_token(url, "victim", "proxied-pass-123", VICTIM) == 200
    # The guessing client is locked, whatever address it claims.
    assert live_sign_in(url, "mallory", "proxied-pass-123", f"{VICTIM}, {ATTACKER}") == 429
    assert live_token(url, "mallory", "proxied-pass-123", f"{VICTIM}, {ATTACKER}") == 429


def test_live_the_access_log_names_the_client_not_the_proxy(proxied_server):
    url = proxied_server["url"]
    requests.get(f"{url}/auth/login/", headers={"X-Forwarded-For": f"6.6.6.6, {VICTIM}"}, timeout=10)

    # gunicorn writes the line after the response; give it a moment.
    live_servers.wait_for(
        lambda: f'{VICTIM} "GET /auth/login/' in proxied_server["access_log"].read_text(), what="the access log line"
    )
    assert "6.6.6.6" not in proxied_server["access_log"].read_text()
