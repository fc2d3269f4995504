"""Throttles, the Content-Security-Policy and its report endpoint."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def fail_login(client, username, times, ip="10.0.0.1"):
    responses = []
    for _attempt in range(times):
        responses.append(
            client.post(reverse("accounts:login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)
        )
    return responses


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failed_logins_lock_the_account_with_a_clear_page(client):
    user = UserFactory(username="victim")

    responses = fail_login(client, "victim", 3)
    locked = client.post(
        reverse("accounts:login"), {"username": "victim", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )

    assert [r.status_code for r in responses[:2]] == [200, 200]
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert reverse("accounts:password_reset") in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert user.pk


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_lockout_counts_the_account_in_any_letter_case(client):
    UserFactory(username="victim")

    fail_login(client, "Victim", 2, ip="10.0.0.1")
    fail_login(client, "VICTIM", 1, ip="10.0.0.2")
    locked = client.post(reverse("accounts:login"), {"username": "victim", "password": DEFAULT_PASSWORD})

    assert locked.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_one_ip_guessing_many_accounts_is_locked_out(client):
    UserFactory(username="someone")

    for name in ["a1", "b2", "c3"]:
        fail_login(client, name, 1, ip="10.9.9.9")
    response = client.post(
        reverse("accounts:login"), {"username": "someone", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )

    assert response.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3, AXES_ENABLED=False)
def test_throttles_can_be_turned_off_for_load_tests(client):
    UserFactory(username="victim")

    responses = fail_login(client, "victim", 5)

    assert {r.status_code for r in responses} == {200}


@override_settings(REGISTER_RATE="2/h")
def test_registration_is_throttled_per_ip(client):
    def register(n):
        return client.post(
            reverse("accounts:register"),
            {"username": f"new{n}", "email": f"new{n}@example.com", "password1": "x", "password2": "y"},
        )

    codes = [register(n).status_code for n in range(3)]

    assert codes == [200, 200, 429]


@override_settings(PASSWORD_RESET_RATE="2/h")
def test_password_reset_requests_are_throttled_per_ip(client):
    codes = [
        client.post(reverse("accounts:password_reset"), {"email": "who@example.com"}).status_code for _n in range(3)
    ]

    assert codes == [302, 302, 429]


def test_pages_carry_a_csp_without_inline_scripts(client):
    response = client.get(reverse("accounts:login"))

    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in response.content.decode()


def test_csp_reports_are_logged(client, caplog):
    report = {"csp-report": {"violated-directive": "script-src", "blocked-uri": "inline", "document-uri": "/x"}}

    response = client.post(reverse("csp-report"), json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    assert "CSP violation: script-src blocked inline" in caplog.text


@pytest.mark.parametrize("body", ["not json", "[]", "1"])
def test_malformed_csp_reports_are_refused(client, body):
    response = client.post(reverse("csp-report"), body, content_type="application/csp-report")

    assert response.status_code == 400
