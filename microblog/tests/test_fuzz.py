"""Property-based input: whatever a form or the API receives, the answer is never a 500.

Arbitrary unicode (NUL, RTL marks, emoji, combining marks, huge strings), invalid UTF-8
and JSON of the wrong shape go into every form and API input; whatever is stored must
still render on the pages that show it. Examples are bounded to keep the suite fast.
"""

import json

import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.tests.factories import UserFactory, bearer
from posts.models import Message, Post

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

fuzz = hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
no_throttles = override_settings(RATELIMIT_ENABLED=False, AXES_ENABLED=False)

# Everything UTF-8 can carry (lone surrogates cannot be encoded; they are sent as raw bytes below).
any_char = st.characters(blacklist_categories=["Cs"])
SPECIAL = ["\x00", "\u202e", "\u200f", "\ufeff", "🙂", "\u0301", "𝕏", "\u2028", "%00", "' OR 1=1 --", "{{ 7*7 }}"]
text = st.one_of(
    st.text(any_char, max_size=300),
    st.lists(st.sampled_from(SPECIAL), max_size=10).map("".join),
    st.integers(0, 5000).map(lambda n: "é" * n),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)


def assert_not_a_server_error(response):
    assert response.status_code < 500, response.content[:300]


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def pages_still_render(client, user):
    for path in ["/", "/explore/", f"/user/{user.username}/", "/messages/"]:
        assert client.get(path).status_code == 200, path


@fuzz
@given(body=text)
@example(body="\x00")
@example(body=" " * 200)
def test_any_post_body_is_refused_or_stored_and_rendered(client, me, body):
    response = client.post(reverse("posts:home"), {"body": body})

    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert Post.objects.filter(author=me).exists()
    pages_still_render(client, me)


@fuzz
@given(body=text)
def test_any_message_body_is_refused_or_stored_and_rendered(client, me, body):
    UserFactory(username="you") if not type(me).objects.filter(username="you").exists() else None

    response = client.post(reverse("posts:send_message", args=["you"]), {"body": body})

    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert Message.objects.filter(sender=me).exists()
    pages_still_render(client, me)


@fuzz
@given(username=text, about_me=text)
@example(username="me\x00", about_me="\x00")
def test_any_profile_edit_is_refused_or_saved_and_rendered(client, me, username, about_me):
    response = client.post(reverse("accounts:edit_profile"), {"username": username, "about_me": about_me})

    assert response.status_code in {200, 302}
    me.refresh_from_db()
    pages_still_render(client, me)
    assert client.get(reverse("accounts:popup", args=[me.username])).status_code == 200


@no_throttles
@fuzz
@given(username=text, email=text, password=text)
def test_any_registration_or_login_is_answered_with_a_form(client, username, email, password):
    client.logout()
    registered = client.post(
        reverse("accounts:register"),
        {"username": username, "email": email, "password1": password, "password2": password},
    )
    client.logout()
    signed_in = client.post(reverse("accounts:login"), {"username": username, "password": password})
    client.logout()
    reset = client.post(reverse("accounts:password_reset"), {"email": email})

    assert registered.status_code in {200, 302}
    assert signed_in.status_code in {200, 302}
    assert reset.status_code in {200, 302}


@fuzz
@given(query=text, page=text, since=text)
def test_any_query_string_is_answered(client, me, query, page, since):
    assert_not_a_server_error(client.get(reverse("posts:search"), {"q": query, "page": page}))
    assert_not_a_server_error(client.get(reverse("posts:explore"), {"page": page}))
    assert_not_a_server_error(client.get(reverse("accounts:notifications"), {"since": since}))
    assert_not_a_server_error(client.get("/api/posts", {"page": page, "per_page": since}, headers=bearer(me)))


@fuzz
@given(data=json_values)
@example(data={"text": "\x00", "source_language": "es", "dest_language": "en"})
@example(data={"text": ["a"], "source_language": {}, "dest_language": None})
def test_any_translate_body_gets_a_json_answer(client, me, settings, data):
    settings.TRANSLATOR = ""  # a valid request then gets 503 "not available": no network here

    response = client.post(reverse("posts:translate"), json.dumps(data), content_type="application/json")

    assert_not_a_server_error(response) if response.status_code != 503 else None
    assert response["Content-Type"] == "application/json"


@no_throttles
@fuzz
@given(data=json_values)
@example(data={"body": "\x00"})
@example(data={"username": "x\x00", "email": "a@b.co", "password": "\x00" * 9})
@example(data={"about_me": 5, "username": ["me"], "email": {"a": 1}})
def test_any_api_json_body_gets_a_json_answer(client, me, data):
    headers = bearer(me)
    body = json.dumps(data)

    responses = [
        client.post("/api/posts", body, content_type="application/json", headers=headers),
        client.put(f"/api/users/{me.pk}", body, content_type="application/json", headers=headers),
        client.post("/api/users", body, content_type="application/json"),
    ]

    for response in responses:
        assert_not_a_server_error(response)
        assert response["Content-Type"] == "application/json"
    me.refresh_from_db()
    pages_still_render(client, me)


@fuzz
@given(raw=st.binary(max_size=200))
@example(raw=b'{"body": "\xed\xa0\x80"}')  # a lone surrogate, UTF-8 encoded
@example(raw=b'{"body": "\\ud800"}')  # a lone surrogate, JSON-escaped
def test_any_bytes_as_a_body_are_answered(client, me, raw):
    headers = bearer(me)

    assert_not_a_server_error(client.post("/api/posts", raw, content_type="application/json", headers=headers))
    assert_not_a_server_error(client.post(reverse("posts:translate"), raw, content_type="application/json"))
    assert_not_a_server_error(client.post(reverse("posts:home"), raw, content_type="application/x-www-form-urlencoded"))
    pages_still_render(client, me)
