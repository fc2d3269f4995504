"""The post box of home, the thread and reply pages, and the message form: one template."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory
from posts.models import Message, Post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 141


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def box_pages(me) -> dict[str, str]:
    """The URL of each page with a body box, by name."""
    post = PostFactory(author=UserFactory(username="bob"))
    return {
        "home": reverse("posts:home"),
        "thread": reverse("posts:post", args=[post.pk]),
        "reply": reverse("posts:reply", args=[post.pk]),
        "message": reverse("posts:conversation", args=["bob"]),
        "new message": reverse("posts:new_message"),
    }


def box_form(html: str) -> str:
    match = re.search(r'<form method="post"[^>]*novalidate[^>]*>.*?</form>', html, re.DOTALL)
    assert match, "no body form on the page"
    return match.group(0)


@pytest.mark.parametrize("name", ["home", "thread", "reply", "message", "new message"])
def test_the_counter_sits_beside_the_submit_button(client, me, name):
    html = box_form(client.get(box_pages(me)[name]).text)

    row = re.search(
        r'<div class="d-flex[^"]*">\s*<small [^>]*data-char-counter-for="id_body"[^>]*></small>\s*'
        r'<button type="submit"',
        html,
    )
    assert row, html
    assert 'aria-live="polite"' in row.group(0)
    assert "maxlength" not in re.search(r"<textarea[^>]*>", html).group(0)
    assert "asteriskField" not in html


def test_the_post_box_has_a_placeholder_and_a_label_for_screen_readers_only(client, me):
    html = box_form(client.get(reverse("posts:home")).text)

    assert 'placeholder="What&#x27;s on your mind?"' in html
    assert '<label for="id_body" class="visually-hidden">Say something</label>' in html


def test_the_reply_box_of_a_conversation_says_what_to_write(client, me):
    html = box_form(client.get(box_pages(me)["message"]).text)

    assert '<label for="id_body" class="visually-hidden">Message</label>' in html
    assert 'placeholder="Write a message"' in html
    assert ">Send</button>" in html


def test_the_new_message_page_labels_both_fields(client, me):
    html = box_form(client.get(box_pages(me)["new message"]).text)

    assert '<label for="id_recipient" class="form-label">To</label>' in html
    assert '<label for="id_body" class="form-label">Message</label>' in html
    assert "placeholder" not in html


def test_the_placeholder_is_translated(client, me):
    with translation.override("en"):  # the request's Spanish ends with it, not in later tests
        html = client.get(reverse("posts:home"), headers={"accept-language": "es"}).text

    assert 'placeholder="¿Qué estás pensando?"' in html


@pytest.mark.parametrize("name", ["home", "reply", "message"])
def test_a_body_past_140_is_refused_with_the_text_kept(client, me, name):
    response = client.post(box_pages(me)[name], {"body": LONG})

    assert response.status_code == 200
    html = box_form(response.text)
    assert f">\n{LONG}</textarea>" in html
    assert 'id="id_body_error"' in html
    assert "at most 140 characters (it has 141)" in html
    assert not Post.objects.filter(body=LONG).exists()
    assert not Message.objects.exists()
