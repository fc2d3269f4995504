"""Throttles, the Content-Security-Policy, hardening headers, body sizes and password hashing."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, bearer

ROOT = Path(__file__).resolve().parents[2]

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


# ---------------------------------------------------------------------------
# Headers and cookies
# ---------------------------------------------------------------------------


def test_pages_send_the_hardening_headers(client):
    response = client.get(reverse("accounts:login"))

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_answers_send_the_hardening_headers(client):
    response = client.get("/api/users")

    assert response.status_code == 401
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_session_and_csrf_cookies_are_samesite_lax_and_the_session_is_httponly(client):
    UserFactory(username="sam")
    page = client.get(reverse("accounts:login"))
    csrf_cookie = page.cookies["csrftoken"]

    client.post(reverse("accounts:login"), {"username": "sam", "password": DEFAULT_PASSWORD})
    session_cookie = client.cookies["sessionid"]

    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"
    assert csrf_cookie["samesite"] == "Lax"


def prod_settings(*names, **env):
    """Print the named settings as the production mode computes them, in a clean process."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        f"print(repr([getattr(s, name) for name in {list(names)!r}]))"
    )
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME"}}
    environment = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "microblog.settings.prod",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.com",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    return ast.literal_eval(result.stdout.strip())


def test_production_keeps_every_header_and_cookie_flag():
    values = prod_settings(
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "X_FRAME_OPTIONS",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
        "DATA_UPLOAD_MAX_NUMBER_FIELDS",
    )

    assert values == [True, "same-origin", "same-origin", "DENY", True, "Lax", "Lax", True, True, True, 262144, 100]


# ---------------------------------------------------------------------------
# Request sizes
# ---------------------------------------------------------------------------

OVERSIZED = "x" * (300 * 1024)


def test_an_oversized_api_body_is_a_413_json_answer(client):
    user = UserFactory()

    response = client.post(
        "/api/posts", json.dumps({"body": OVERSIZED}), content_type="application/json", headers=bearer(user)
    )

    assert response.status_code == 413
    assert response.json()["error"] == "Request Entity Too Large"
    assert not user.posts.exists()


def test_an_oversized_registration_through_the_api_is_refused_in_json(client):
    response = client.post("/api/users", json.dumps({"username": OVERSIZED}), content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_an_oversized_form_post_gets_the_400_page(client):
    client.force_login(UserFactory())

    response = client.post(reverse("posts:home"), {"body": OVERSIZED})

    assert response.status_code == 400
    assert b"navbar" in response.content


def test_a_form_with_too_many_fields_gets_the_400_page(client):
    client.force_login(UserFactory())

    response = client.post(reverse("posts:home"), {f"field{n}": "1" for n in range(200)})

    assert response.status_code == 400


def test_an_oversized_translation_request_is_a_413_json_answer(client):
    client.force_login(UserFactory())

    response = client.post(reverse("posts:translate"), json.dumps({"text": OVERSIZED}), content_type="application/json")

    assert response.status_code == 413
    assert "too large" in response.json()["message"]


# ---------------------------------------------------------------------------
# Password hashing
# ---------------------------------------------------------------------------


def test_new_passwords_are_hashed_with_argon2_outside_tests():
    from microblog.settings import base

    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        hashed = make_password("a fine passphrase")

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert hashed.startswith("argon2$argon2id$")
    assert prod_settings("PASSWORD_HASHERS") == [base.PASSWORD_HASHERS]


def test_argon2_is_installed():
    import argon2

    assert argon2.PasswordHasher().verify(argon2.PasswordHasher().hash("pw"), "pw")


def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(client):
    from microblog.settings import base

    user = UserFactory(username="old")
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        user.password = make_password(DEFAULT_PASSWORD, hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])
        response = client.post(reverse("accounts:login"), {"username": "old", "password": DEFAULT_PASSWORD})

    user.refresh_from_db()
    assert response.status_code == 302
    assert user.password.startswith("argon2$")
