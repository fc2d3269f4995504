"""Error pages, the health check, request ids and error reporting."""

import io
import json
import logging
import logging.config

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import override_settings

from microblog.logconfig import build_logging

failing_urls = pytest.mark.urls("microblog.tests.failing_urls")

pytestmark = pytest.mark.django_db


def test_404_page_uses_the_site_layout(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert b"navbar" in response.content
    assert b"File not found" in response.content


@failing_urls
def test_500_page_renders_in_the_layout_without_the_database(client, django_assert_num_queries):
    client.raise_request_exception = False

    with django_assert_num_queries(0):
        response = client.get("/boom/")

    assert response.status_code == 500
    assert b"navbar" in response.content
    assert b"An unexpected error has occurred" in response.content


@failing_urls
def test_a_lost_database_gives_a_friendly_503(client):
    response = client.get("/db-gone/")

    assert response.status_code == 503
    assert response["Retry-After"]
    assert b"temporarily unavailable" in response.content


def test_healthz_answers_ok_and_is_never_cached(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503


def test_healthz_does_not_touch_the_session_of_a_signed_in_client(client, django_user_model, monkeypatch):
    user = django_user_model.objects.create_user("sam", "sam@example.com", "pw-0123456789")
    client.force_login(user)
    from django.contrib.sessions.backends.db import SessionStore

    def no_session(*args, **kwargs):
        raise AssertionError("the health check loaded the session")

    monkeypatch.setattr(SessionStore, "load", no_session)

    assert client.get("/healthz").status_code == 200


def test_every_response_carries_a_request_id(client):
    first = client.get("/auth/login/")
    second = client.get("/auth/login/")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_safe_incoming_request_id_is_kept_and_a_hostile_one_replaced(client):
    kept = client.get("/auth/login/", headers={"X-Request-ID": "lb-1234abcd"})
    replaced = client.get("/auth/login/", headers={"X-Request-ID": "bad id\nINFO forged"})

    assert kept["X-Request-ID"] == "lb-1234abcd"
    assert "\n" not in replaced["X-Request-ID"]
    assert replaced["X-Request-ID"] != "bad id\nINFO forged"


@pytest.fixture
def prod_logging():
    """Install the production logging config (JSON lines + mail_admins), capture stdout."""
    stream = io.StringIO()
    config = build_logging(level="INFO", log_format="json", mail_admins=True)
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    yield stream
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@failing_urls
@override_settings(ADMINS=[("Ops", "ops@example.com")], DEBUG=False)
def test_an_unhandled_error_in_production_emails_admins_and_logs_json(client, prod_logging):
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com"]
    assert "kaboom" in mail.outbox[0].body
    lines = [json.loads(line) for line in prod_logging.getvalue().splitlines() if line.startswith("{")]
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "ERROR"
    assert error["request_id"] == response["X-Request-ID"]


def test_the_404_warning_line_carries_the_request_id(client, prod_logging):
    response = client.get("/missing/")

    lines = [json.loads(line) for line in prod_logging.getvalue().splitlines() if line.startswith("{")]
    warning = next(line for line in lines if line["logger"] == "django.request")
    assert warning["request_id"] == response["X-Request-ID"]


def test_csrf_failure_page_explains_itself(django_user_model):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    response = client.post("/auth/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert b"Your form expired" in response.content


@override_settings(ADMINS=[("Ops", "ops@example.com")], DEBUG=False)
@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        ({"username": "x" * 300_000, "password": "y"}, "RequestDataTooBig"),
        ({f"field{number}": "1" for number in range(200)}, "TooManyFieldsSent"),
    ],
    ids=["too big", "too many fields"],
)
def test_an_oversized_form_is_a_400_logged_as_a_warning_without_mail(client, prod_logging, data, refusal):
    response = client.post("/auth/login/", data)

    assert response.status_code == 400
    assert mail.outbox == []  # anyone can send these: no mail to the admins per request
    lines = [json.loads(line) for line in prod_logging.getvalue().splitlines() if line.startswith("{")]
    refused = next(line for line in lines if line["logger"] == f"django.security.{refusal}")
    assert refused["level"] == "WARNING"
