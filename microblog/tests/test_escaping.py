"""User text is shown as text everywhere: pages, fragments, data attributes, the admin, JSON.

Each free-text field (post, message, about me) stores script payloads; every place that
shows it must render the payload escaped. Usernames cannot hold markup at all (Django's
validator), which is what keeps the plain-text emails (autoescape off) safe.
"""

import json

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory, bearer
from posts.tests.factories import MessageFactory, PostFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script> quokka"
ATTRIBUTE = '"><img src=x onerror=alert(1)> quokka'
# Bodies are linkified: a URL must not smuggle markup into the <a> it becomes.
LINK = 'see https://evil.example/"><script>alert(1)</script> quokka'
PAYLOADS = [SCRIPT, ATTRIBUTE, LINK]
# What must never appear raw in a page; their escaped forms are what we expect instead.
RAW = ["<script>alert(", "<img src=x"]


def assert_inert(content: bytes, *, expect_escaped: bool = True):
    html = content.decode()
    for raw in RAW:
        assert raw not in html
    if expect_escaped:
        assert "&lt;script&gt;alert(" in html or "&lt;img src=x" in html


@pytest.fixture(params=PAYLOADS, ids=["script", "attribute", "link"])
def payload(request):
    return request.param


@pytest.fixture
def world(client, payload):
    """Mallory writes the payload everywhere; Alice is signed in to read it."""
    mallory = UserFactory(username="mallory", about_me=payload)
    alice = UserFactory(username="alice", about_me=payload)
    PostFactory(author=mallory, body=payload, language="es")
    MessageFactory(sender=mallory, recipient=alice, body=payload)
    MessageFactory(sender=alice, recipient=mallory, body=payload)
    client.force_login(alice)
    return alice, mallory


@pytest.mark.parametrize(
    "path",
    [
        "/explore/",
        "/user/mallory/",
        "/user/alice/",
        "/user/mallory/popup/",
        "/user/alice/followers/",
        "/messages/",
        "/messages/@mallory/",
        "/edit_profile/",
        "/search/?q=quokka",
    ],
)
def test_pages_render_stored_payloads_as_text(client, world, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_inert(response.content, expect_escaped=path not in {"/user/alice/followers/"})


def test_the_home_feed_escapes_followed_posts(client, world):
    alice, mallory = world
    alice.following.add(mallory)

    assert_inert(client.get("/").content)


def test_the_search_box_echoes_the_query_escaped(client, world, payload):
    response = client.get(reverse("posts:search"), {"q": payload})

    assert response.status_code == 200
    assert_inert(response.content)


def test_a_rejected_post_is_redisplayed_escaped(client, world, payload):
    response = client.post(reverse("posts:home"), {"body": payload * 10})

    assert response.status_code == 200
    assert_inert(response.content)


def test_the_translate_button_carries_the_text_in_an_escaped_attribute(client, world, payload, settings):
    settings.TRANSLATOR, settings.TRANSLATOR_URL = "libretranslate", "http://127.0.0.1:9"
    html = client.get("/explore/").content.decode()

    escaped_quote = "&quot;" if '"' in payload else "&#x27;"
    assert 'data-text="' in html
    assert escaped_quote in html


def test_notifications_json_is_not_html(client, world):
    response = client.get(reverse("accounts:notifications"), {"since": 0})

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_json_carries_the_payload_as_data(client, world, payload):
    alice, _mallory = world
    response = client.get("/api/posts", headers=bearer(alice))

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["items"][0]["body"] == payload


@pytest.mark.parametrize(
    "path",
    [
        "/admin/posts/post/",
        "/admin/posts/message/",
        "/admin/accounts/user/",
        "/admin/accounts/user/?q=mallory",
    ],
)
def test_the_admin_escapes_user_text(client, world, path):
    client.force_login(UserFactory(username="root", superuser=True))

    response = client.get(path)

    assert response.status_code == 200
    assert_inert(response.content, expect_escaped=False)


def test_the_admin_change_pages_escape_user_text(client, world):
    _alice, mallory = world
    client.force_login(UserFactory(username="root", superuser=True))
    post = mallory.posts.get()

    for path in [f"/admin/accounts/user/{mallory.pk}/change/", f"/admin/posts/post/{post.pk}/change/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.content)


@pytest.mark.parametrize("username", ["<script>", 'a"b', "x onerror=1", "<b>bold</b>"])
def test_usernames_cannot_carry_markup(client, username):
    user = UserFactory(username="sam")
    client.force_login(user)

    page = client.post(reverse("accounts:edit_profile"), {"username": username, "about_me": ""})
    api = client.put(
        f"/api/users/{user.pk}",
        json.dumps({"username": username}),
        content_type="application/json",
        headers=bearer(user),
    )

    user.refresh_from_db()
    assert page.status_code == 200
    assert page.context["form"].errors["username"]
    assert api.status_code == 400
    assert user.username == "sam"
