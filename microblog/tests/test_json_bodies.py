"""Every JSON body is parsed by microblog/jsonbody.py: malformed input is a 400, never a 500.

Covers the API (through its parser), POST /translate/ and POST /csp-report/, and the
parser itself; the translation service's answers are covered in posts/tests/test_translation.py.
"""

import json
import logging
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory, bearer
from microblog.jsonbody import MAX_DEPTH, MalformedJSON, parse_json, parse_json_object

pytestmark = pytest.mark.django_db

# Deeper than the decoder's stack allows (a RecursionError before the fix) ...
BRACKETS = "[" * 1001
# ... and far deeper, closed, so that only the nesting is wrong.
NESTED_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
# Within the stack, but deeper than any body the site accepts.
NESTED_JUST_TOO_DEEP = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)

MALFORMED = {
    "brackets": BRACKETS,
    "nested object": NESTED_OBJECT,
    "too deep": NESTED_JUST_TOO_DEEP,
    "not utf-8": b'{"body": "\xff\xfe"}',
    "not json": "{'body': 'single quotes'}",
    "NaN": '{"body": NaN}',
    "truncated": '{"body": "Hello',
}


def assert_error_shape(response, status=400):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["error"] == "Bad Request"
    assert data["message"]


# --- the parser ------------------------------------------------------------------------


def test_parse_json_returns_the_value_of_a_document():
    assert parse_json(b'{"body": "Hola \xc3\xb1", "n": [1, {"x": null}]}') == {"body": "Hola ñ", "n": [1, {"x": None}]}
    assert parse_json("[1, 2]") == [1, 2]


@pytest.mark.parametrize("body", [*MALFORMED.values(), b"", b"   "], ids=[*MALFORMED, "empty", "blank"])
def test_parse_json_raises_one_exception_for_any_malformed_body(body):
    with pytest.raises(MalformedJSON) as raised:
        parse_json(body)

    assert str(raised.value)


def test_parse_json_accepts_nesting_up_to_the_limit():
    body = "[" * MAX_DEPTH + "]" * MAX_DEPTH

    assert parse_json(body)


def test_the_position_of_a_syntax_error_is_in_the_message():
    with pytest.raises(MalformedJSON, match="line 2, column 11"):
        parse_json('{\n  "body": }')


@pytest.mark.parametrize("body", ["[]", "1", '"text"', "null", "true"])
def test_parse_json_object_refuses_other_top_level_values(body):
    with pytest.raises(MalformedJSON, match="JSON object"):
        parse_json_object(body)


# --- the API ---------------------------------------------------------------------------


@pytest.fixture
def me():
    return UserFactory()


def _send(client, method, path, body, headers):
    return getattr(client, method)(path, body, content_type="application/json", headers=headers)


@pytest.fixture(
    params=[("post", "/api/users", False), ("post", "/api/posts", True), ("put", "/api/users/{id}", True)],
    ids=["register", "publish", "update-profile"],
)
def api_write(request, client, me):
    """Send a body to one of the API's writes (anonymous for registration, as the client does)."""
    method, path, signed_in = request.param
    headers = bearer(me) if signed_in else {}
    return lambda body: _send(client, method, path.format(id=me.pk), body, headers)


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_the_api_answers_a_malformed_body_with_a_400_json_error(api_write, body, me):
    response = api_write(body)

    assert_error_shape(response)
    assert not me.posts.exists()


@pytest.mark.parametrize("body", ["[]", '["body"]', "1", '"text"', "null"])
def test_the_api_answers_a_body_that_is_not_an_object_with_a_400(api_write, body):
    response = api_write(body)

    assert_error_shape(response)
    assert "JSON object" in response.json()["message"]


def test_an_empty_body_is_a_400_about_the_missing_field(client, me):
    response = client.post("/api/posts", "", content_type="application/json", headers=bearer(me))

    assert_error_shape(response)
    assert "body" in response.json()["errors"]


def test_the_api_still_takes_utf8_json_with_a_charset(client, me):
    response = client.post(
        "/api/posts",
        json.dumps({"body": "¡Hola, mañana!"}, ensure_ascii=False).encode(),
        content_type="application/json; charset=utf-8",
        headers=bearer(me),
    )

    assert response.status_code == 201
    assert me.posts.get().body == "¡Hola, mañana!"


@pytest.mark.parametrize("signed_in", [False, True], ids=["register", "publish"])
def test_an_oversized_api_body_is_a_413_logged_no_higher_than_a_warning(client, me, caplog, signed_in):
    body = json.dumps({"username": "x" * 300_000, "body": "x" * 300_000})
    path, headers = ("/api/posts", bearer(me)) if signed_in else ("/api/users", {})

    response = client.post(path, body, content_type="application/json", headers=headers)

    assert response.status_code == 413
    assert response.json()["error"] == "Request Entity Too Large"
    assert max(record.levelno for record in caplog.records) <= logging.WARNING


# --- POST /translate/ ------------------------------------------------------------------


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_translate_answers_a_malformed_body_with_a_400_json_error(client, me, body):
    client.force_login(me)

    response = client.post(reverse("posts:translate"), body, content_type="application/json")

    assert_error_shape(response)


# --- POST /csp-report/ -----------------------------------------------------------------

CSP_MALFORMED = {
    "report null": '{"csp-report": null}',
    "report a string": '{"csp-report": "str"}',
    "report a list": '{"csp-report": []}',
    "no report": '{"something": {}}',
    "brackets": BRACKETS,
    "nested object": NESTED_OBJECT,
    "not utf-8": b'{"csp-report": {"blocked-uri": "\xff"}}',
    "not an object": "[]",
    "empty": "",
    "oversized": json.dumps({"csp-report": {"script-sample": "x" * 20_000}}),
}


@pytest.mark.parametrize("body", CSP_MALFORMED.values(), ids=CSP_MALFORMED.keys())
def test_a_malformed_csp_report_is_a_400_logged_no_higher_than_a_warning(client, caplog, body):
    caplog.set_level(logging.DEBUG)

    response = client.post(reverse("csp-report"), body, content_type="application/csp-report")

    assert_error_shape(response)
    assert caplog.records
    assert max(record.levelno for record in caplog.records) <= logging.WARNING
    assert not any(record.exc_info for record in caplog.records)


def test_a_csp_report_logs_long_values_shortened(client, caplog):
    report = {"csp-report": {"violated-directive": "script-src", "blocked-uri": "https://x.example/" + "a" * 5000}}

    response = client.post(reverse("csp-report"), json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    (record,) = [record for record in caplog.records if record.name == "microblog.security"]
    assert len(record.getMessage()) < 1000


# --- one parser --------------------------------------------------------------------------


def test_views_and_api_modules_decode_json_only_through_parse_json():
    root = Path(__file__).resolve().parents[2]
    modules = [
        path
        for app in ("accounts", "posts", "microblog")
        for path in (root / app).rglob("*.py")
        if path.name in {"views.py", "api.py", "translation.py"} and "tests" not in path.parts
    ]

    decoding = [
        f"{path.relative_to(root)}: {pattern}"
        for path in modules
        for pattern in ("json.loads(", "json.load(", ".json()")
        if pattern in path.read_text()
    ]

    assert modules
    assert not decoding
