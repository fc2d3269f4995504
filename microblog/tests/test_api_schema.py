"""The OpenAPI schema: valid, served, documented, and true to what the API answers."""

import ast
import json
import re
from pathlib import Path

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from accounts.tests.factories import FollowFactory, UserFactory, basic, bearer
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "openapi.json"

    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(target))

    schema = json.loads(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/users/{id}" in schema["paths"]


def test_the_schema_is_served_without_a_token(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Microblog API"


def test_the_docs_page_loads_only_local_scripts_and_no_inline_ones(client):
    response = client.get("/api/docs")

    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert response.status_code == 200
    assert scripts
    # The site's own scripts (the page has the site's navbar), and Django's JavaScript catalogue.
    assert all(re.search(r'src="/(static|jsi18n)/', attributes) for attributes in scripts)
    assert "//cdn" not in html
    assert "https://" not in html
    assert finders.find("vendor/swagger-ui/swagger-ui-bundle.js")
    assert finders.find("js/api-docs.js")


API_MODULES = [ROOT / "accounts" / "api.py", ROOT / "posts" / "api.py", ROOT / "microblog" / "api.py"]


def _only_calls_super(function: ast.FunctionDef) -> bool:
    """Return whether `function` is `return super().<its own name>(...)` and nothing else."""
    body = [node for node in function.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return False
    called = body[0].value.func
    return (
        isinstance(called, ast.Attribute)
        and called.attr == function.name
        and isinstance(called.value, ast.Call)
        and getattr(called.value.func, "id", None) == "super"
    )


def test_no_api_view_has_a_method_that_only_calls_super():
    """Operations are documented with @extend_schema_view, not with a method that exists to carry a decorator."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in API_MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and _only_calls_super(node)
    ]

    assert not found


# --- property-based: generated requests against the schema ---------------------------


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Stop WSGI requests from closing the connection that holds the test's transaction.

    Django's own test client does the same; schemathesis calls the real WSGI handler.
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(db, settings, wsgi_keeps_the_test_connection):
    """A user with a token, someone to follow and posts on both sides; no throttles or lockouts."""
    settings.RATELIMIT_ENABLED = False
    # Generated wrong passwords must not lock the account out of POST /api/tokens.
    settings.AXES_ENABLED = False
    me, other = UserFactory.create_batch(2)
    FollowFactory(follower=other, followed=me)
    mine, theirs = PostFactory(author=me), PostFactory(author=other)
    token = bearer(me)
    return {
        # POST /api/tokens trades a password for the token; everything else sends the token.
        "headers": lambda case: basic(me.username) if case.operation.label == "POST /api/tokens" else token,
        # Which real id stands in for {id} on each path, so lookups also hit rows.
        "ids": {"/api/posts/{id}": [mine.pk, theirs.pk], "/api/users/": [me.pk, other.pk]},
    }


def _aim_at_real_rows(case, ids):
    """Send half the generated ids to existing rows; the rest exercise the 404s.

    A generated `in_reply_to` always names a real post: any integer is schema-valid, and
    one naming no post is a 400 the schema cannot state (posts/tests/test_api_conversations.py
    tests those).
    """
    if isinstance(case.body, dict) and isinstance(case.body.get("in_reply_to"), int):
        posts = ids["/api/posts/{id}"]
        case.body["in_reply_to"] = posts[case.body["in_reply_to"] % len(posts)]
    generated = case.path_parameters.get("id") if case.path_parameters else None
    if not isinstance(generated, int) or generated % 2:
        return
    choices = ids["/api/posts/{id}"] if case.path.startswith("/api/posts/") else ids["/api/users/"]
    case.path_parameters["id"] = choices[(generated // 2) % len(choices)]


# Fetched through the WSGI app at collection time (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
# Revoking the token would leave every later example of its operation without one (the
# token is made once per operation); the revocation has its own tests.
REVOKES_THE_TOKEN = "DELETE /api/tokens"
exercised = schema.exclude(method="DELETE", path="/api/tokens")


def test_every_operation_but_the_revocation_is_exercised():
    every = {operation.label for operation in _operations(schema)}

    assert REVOKES_THE_TOKEN in every
    assert {operation.label for operation in _operations(exercised)} == every - {REVOKES_THE_TOKEN}


def _operations(some_schema):
    return [result.ok() for result in some_schema.get_all_operations()]


# Where a schema-valid request can still be refused for reasons no schema states (a taken
# username, a password Django's validators reject, following, blocking, muting or reporting
# yourself, ids of people or posts that do not exist). Everywhere else a request the schema
# calls valid must not get a 400: the schema tells the truth.
MAY_REFUSE_VALID_DATA = {
    "POST /api/users",
    "PUT /api/users/{id}",
    "POST /api/users/{id}/follow",
    "POST /api/users/{id}/block",
    "POST /api/users/{id}/mute",
    "POST /api/reports",
}
# A multipart post carries files, whose bytes must decode as pictures: generated bytes do not.
MAY_REFUSE_VALID_FILES = {"POST /api/posts"}


def _may_refuse(case) -> bool:
    if case.operation.label in MAY_REFUSE_VALID_DATA:
        return True
    return case.operation.label in MAY_REFUSE_VALID_FILES and (case.media_type or "").startswith("multipart/")


@exercised.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case, world):
    _aim_at_real_rows(case, world["ids"])

    # Generated cases may carry made-up credentials or none; every example sends live ones.
    case.headers = {**(case.headers or {}), **world["headers"](case)}

    response = case.call_and_validate(
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_headers_conformance,
            checks.response_schema_conformance,
            *([] if _may_refuse(case) else [checks.positive_data_acceptance]),
        ],
    )

    assert response.status_code != 401, "the credentials are live in every example"
