"""The body rule of posts/body.py, the same in the post form, the message form, the API and the database."""

import pytest
from django.db import DataError, IntegrityError, transaction
from django.urls import reverse

from accounts.tests.factories import UserFactory, bearer
from posts.body import BODY_MAX_LENGTH, normalize_body
from posts.forms import MessageForm, PostForm
from posts.models import Message, Post

pytestmark = pytest.mark.django_db

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points, 11 UTF-16 units
INVISIBLE = ["\u200b", "\ufeff", "\u2060", "\u200b \ufeff\n\u2060\r\n", "\u00ad", "\u180e"]

VALID = {
    "140 ascii": "x" * 140,
    "20 emoji families (140 code points, 220 UTF-16 units)": FAMILY * 20,
    "69 CRLF line breaks, each counted once": "a\r\n" * 69 + "ab",
    "ends trimmed, then 140": "\u200b  " + "y" * 140 + " \ufeff\r\n",
    "a joiner inside stays": "a\u200db",
}
TOO_LONG = {
    "141 ascii": "x" * 141,
    "20 families and one more letter": FAMILY * 20 + "x",
    "140 letters with a line break inside": "x" * 70 + "\r\n" + "x" * 70,
}


def test_normalising_turns_line_breaks_into_newlines_and_trims_invisible_ends():
    assert normalize_body(" \u200b\r\nhi\r\nthere\rfriend\u2060\ufeff \n") == "hi\nthere\nfriend"
    assert normalize_body("\u200b\ufeff\u2060") == ""
    assert normalize_body(FAMILY) == FAMILY  # U+200D joins the emoji inside: it stays


@pytest.mark.parametrize("form_class", [PostForm, MessageForm])
@pytest.mark.parametrize("body", VALID.values(), ids=VALID.keys())
def test_the_forms_accept_up_to_140_code_points_after_normalising(form_class, body):
    form = form_class(data={"body": body})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == normalize_body(body)
    assert len(form.cleaned_data["body"]) <= BODY_MAX_LENGTH


@pytest.mark.parametrize("form_class", [PostForm, MessageForm])
@pytest.mark.parametrize("body", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_the_forms_refuse_141_code_points(form_class, body):
    form = form_class(data={"body": body})

    assert not form.is_valid()
    assert "at most 140 characters (it has 141)" in form.errors["body"][0]


@pytest.mark.parametrize("form_class", [PostForm, MessageForm])
@pytest.mark.parametrize("body", INVISIBLE)
def test_the_forms_treat_invisible_format_characters_as_whitespace(form_class, body):
    form = form_class(data={"body": body})

    assert not form.is_valid()
    assert form.errors["body"] == ["Write something first: it cannot be empty."]


def test_the_textarea_has_no_maxlength_that_counts_utf16_units():
    html = str(PostForm()["body"])

    assert "maxlength" not in html
    assert f'data-char-counter="{BODY_MAX_LENGTH}"' in html


def test_an_invisible_only_post_is_a_form_error_on_the_page(client):
    client.force_login(UserFactory())

    response = client.post(reverse("posts:home"), {"body": "\u200b\ufeff"})

    assert response.status_code == 200
    assert response.context["form"].errors["body"] == ["Write something first: it cannot be empty."]
    assert not Post.objects.exists()


def test_a_post_of_140_code_points_with_crlf_is_stored_normalised(client):
    client.force_login(UserFactory())
    body = FAMILY * 19 + "\r\n" + "x" * 6  # 133 + 1 + 6 = 140 once "\r\n" is one

    client.post(reverse("posts:home"), {"body": body})

    assert Post.objects.get().body == FAMILY * 19 + "\n" + "x" * 6


def test_a_message_of_140_code_points_is_sent_and_an_invisible_one_is_not(client):
    client.force_login(UserFactory())
    UserFactory(username="bob")
    url = reverse("posts:send_message", args=["bob"])

    client.post(url, {"body": "\ufeff"})
    client.post(url, {"body": FAMILY * 20})

    assert list(Message.objects.values_list("body", flat=True)) == [FAMILY * 20]


@pytest.mark.parametrize("body", VALID.values(), ids=VALID.keys())
def test_the_api_accepts_what_the_form_accepts(client, body):
    response = client.post("/api/posts", {"body": body}, content_type="application/json", headers=bearer(UserFactory()))

    assert response.status_code == 201, response.json()
    assert response.json()["body"] == normalize_body(body)


@pytest.mark.parametrize("body", [*TOO_LONG.values(), *INVISIBLE], ids=[*TOO_LONG.keys(), *map(ascii, INVISIBLE)])
def test_the_api_refuses_what_the_form_refuses_with_the_same_message(client, body):
    response = client.post("/api/posts", {"body": body}, content_type="application/json", headers=bearer(UserFactory()))

    assert response.status_code == 400
    assert response.json()["errors"]["body"] == PostForm(data={"body": body}).errors["body"]
    assert not Post.objects.exists()


@pytest.mark.postgres
def test_postgresql_counts_code_points_as_the_rule_does():
    author = UserFactory()
    Post.objects.create(author=author, body=FAMILY * 20)  # 140 code points, 220 UTF-16 units, 500 bytes

    with pytest.raises((DataError, IntegrityError)), transaction.atomic():
        Post.objects.create(author=author, body=FAMILY * 20 + "x")

    assert Post.objects.get().body == FAMILY * 20
