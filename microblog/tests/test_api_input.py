"""The API accepts what its schema calls valid and refuses the rest, field by field.

Strings are strings (no number turned into text), a post body must hold something
visible, and the collection parameters are documented as the clamping they are.
"""

import re
import sys
import unicodedata

import pytest

from accounts.tests.factories import UserFactory, bearer
from posts.body import INVISIBLE, not_blank
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

NOT_STRINGS = [0, 42, 1.5, True, False, [], ["text"], {"a": "b"}]


@pytest.fixture
def me():
    return UserFactory()


@pytest.fixture
def schema(client):
    return client.get("/api/openapi.json").json()


def request_schema(schema, name):
    return schema["components"]["schemas"][name]


# --- strings are strings --------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_STRINGS, ids=repr)
def test_a_post_body_that_is_not_a_string_is_refused(client, me, value):
    response = client.post("/api/posts", {"body": value}, content_type="application/json", headers=bearer(me))

    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert not me.posts.exists()


@pytest.mark.parametrize("field", ["username", "email", "password", "about_me"])
@pytest.mark.parametrize("value", [0, 12345678, True, ["susan"]], ids=repr)
def test_registration_fields_that_are_not_strings_are_refused(client, field, value):
    data = {"username": "susan", "email": "susan@example.com", "password": "a long pass phrase", field: value}

    response = client.post("/api/users", data, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("field", ["username", "email", "about_me"])
def test_profile_fields_that_are_not_strings_are_refused(client, me, field):
    response = client.put(f"/api/users/{me.pk}", {field: 7}, content_type="application/json", headers=bearer(me))

    assert response.status_code == 400
    assert field in response.json()["errors"]
    me.refresh_from_db()
    assert me.about_me != "7"


def test_about_me_may_still_be_null_or_empty(client, me):
    for value in (None, ""):
        response = client.put(
            f"/api/users/{me.pk}", {"about_me": value}, content_type="application/json", headers=bearer(me)
        )

        assert response.status_code == 200
        assert response.json()["about_me"] is None


def test_the_schema_says_these_fields_are_strings(schema):
    post = request_schema(schema, "PostRequest")["properties"]
    user = request_schema(schema, "RegistrationRequest")["properties"]

    assert post["body"]["type"] == "string"
    assert {user[name]["type"] for name in ("username", "email", "password", "about_me")} == {"string"}


# --- a body holds something visible ----------------------------------------------------

BLANK_BODIES = ["\t", " ", "\r\n", "\u3000", "\u200b", "\ufeff", " \u2060\u200d ", "\u00ad", "\x00", "hi\x00"]
VISIBLE_BODIES = ["a", " a ", "\u200bhi", "¡Hola!", "👨‍👩‍👧‍👦", "x" * 140]


@pytest.mark.parametrize("body", BLANK_BODIES, ids=ascii)
def test_a_body_without_a_visible_character_is_refused_as_the_schema_says(client, me, schema, body):
    pattern = request_schema(schema, "PostRequest")["properties"]["body"]["pattern"]

    response = client.post("/api/posts", {"body": body}, content_type="application/json", headers=bearer(me))

    assert not re.search(pattern, body)
    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert not me.posts.exists()


@pytest.mark.parametrize("body", VISIBLE_BODIES, ids=ascii)
def test_a_body_with_a_visible_character_is_published_as_the_schema_says(client, me, schema, body):
    body_schema = request_schema(schema, "PostRequest")["properties"]["body"]

    response = client.post("/api/posts", {"body": body}, content_type="application/json", headers=bearer(me))

    assert re.search(body_schema["pattern"], body)
    assert len(body) <= body_schema["maxLength"] == 140
    assert response.status_code == 201, response.json()


def test_the_invisible_characters_are_whitespace_and_format_characters_of_the_bmp():
    invisible = re.compile(f"[{INVISIBLE}]")
    expected = {chr(code) for code in range(0x10000) if chr(code).isspace() or unicodedata.category(chr(code)) == "Cf"}

    found = {chr(code) for code in range(0x10000) if invisible.fullmatch(chr(code))}

    assert found == expected, f"update posts.body.INVISIBLE for Unicode {unicodedata.unidata_version}"
    assert sys.maxunicode > 0xFFFF


def test_the_schema_pattern_means_what_the_validator_does(schema):
    pattern = re.compile(request_schema(schema, "PostRequest")["properties"]["body"]["pattern"])
    samples = [*BLANK_BODIES, *VISIBLE_BODIES, *(chr(code) for code in range(0x10000)), " x\n", "\u200b\n"]

    disagreements = [text for text in samples if bool(pattern.search(text)) != bool(not_blank.regex.search(text))]

    assert not disagreements


# --- collection parameters -------------------------------------------------------------


@pytest.mark.parametrize(("sent", "served"), [("101", 100), ("1000000", 100), ("0", 1), ("-5", 1), ("abc", 10)])
def test_per_page_is_clamped_and_the_collection_says_what_it_served(client, me, sent, served):
    PostFactory.create_batch(2, author=me)

    response = client.get(f"/api/posts?per_page={sent}", headers=bearer(me))

    assert response.status_code == 200
    assert response.json()["_meta"]["per_page"] == served
    assert f"per_page={served}" in response.json()["_links"]["self"]


def test_the_schema_documents_per_page_as_clamped_not_as_a_limit(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/posts"]["get"]["parameters"]}
    collection = schema["components"]["schemas"]["PaginatedPostList"]["properties"]["_meta"]["properties"]

    assert "maximum" not in parameters["per_page"]["schema"]
    assert "minimum" not in parameters["per_page"]["schema"]
    assert "minimum" not in parameters["page"]["schema"]
    assert "100" in parameters["per_page"]["description"]
    assert collection["per_page"]["maximum"] == 100
