"""No shared cache keeps a page made for one signed-in user: Cache-Control private / no-store."""

import gzip
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_max_age

from accounts.tests.factories import UserFactory, basic, bearer
from posts.tests.factories import ExportJobFactory, MessageFactory, PostFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def me(client):
    """A signed-in user with a post and a message from someone else."""
    user = UserFactory(username="me")
    other = UserFactory(username="other")
    PostFactory(author=user)
    MessageFactory(sender=other, recipient=user)
    client.force_login(user)
    return user


# Pages that depend on who is signed in: the navbar names them, the lists mark follows.
PER_USER_PAGES = [
    ("posts:home", []),
    ("posts:explore", []),
    ("posts:search", []),
    ("posts:profile", ["other"]),
    ("posts:profile", ["me"]),
    ("posts:new_message", []),
    ("accounts:popup", ["other"]),
    ("accounts:followers", ["me"]),
    ("accounts:following", ["me"]),
]
# Pages that hold private data (messages, the account's settings, notifications).
PRIVATE_DATA_PAGES = [
    ("posts:messages", []),
    ("posts:conversation", ["other"]),
    ("posts:message_recipients", []),
    ("posts:activity", []),
    ("accounts:edit_profile", []),
    ("accounts:delete_account", []),
    ("accounts:password_change", []),
    ("accounts:notifications", []),
]


@pytest.mark.parametrize(("name", "args"), PER_USER_PAGES)
def test_pages_for_a_signed_in_user_are_private(client, me, name, args):
    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    assert "private" in directives(response)
    assert "public" not in directives(response)


@pytest.mark.parametrize(("name", "args"), PRIVATE_DATA_PAGES)
def test_pages_with_private_data_are_never_stored(client, me, name, args):
    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_the_export_download_is_never_stored(client, me):
    job = ExportJobFactory(user=me, result=gzip.compress(b"[]"), result_expires_at=timezone.now() + timedelta(days=1))

    response = client.get(reverse("posts:export_download", args=[job.pk]))

    assert {"private", "no-store"} <= directives(response), response.status_code


def test_a_form_post_answer_for_a_signed_in_user_is_private(client, me):
    response = client.post(reverse("posts:home"), {"body": "hello"})

    assert response.status_code == 302
    assert "private" in directives(response)


def test_the_api_callers_own_record_with_its_email_is_never_stored(client, me):
    response = client.get(reverse("api:user", args=[me.pk]), headers=bearer(me))

    assert "email" in response.json()
    assert {"private", "no-store"} <= directives(response)


def test_other_api_answers_for_a_token_are_private(client, me):
    other = UserFactory()
    for url in (reverse("api:user", args=[other.pk]), reverse("api:feed"), reverse("api:posts")):
        response = client.get(url, headers=bearer(me))

        assert response.status_code == 200
        assert "private" in directives(response), url
        assert "no-store" not in directives(response), url  # nothing private: a browser may keep it


def test_a_new_api_token_is_never_stored(client):
    UserFactory(username="susan")

    response = client.post(reverse("api:tokens"), headers=basic("susan"))

    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


# ---------------------------------------------------------------------------
# What must not change
# ---------------------------------------------------------------------------


def test_anonymous_public_pages_are_not_marked_private(client):
    for url in (reverse("api:openapi"), reverse("javascript-catalog")):
        response = client.get(url)

        assert response.status_code == 200
        assert "private" not in directives(response), url


def test_static_files_keep_their_own_caching(client, me):
    response = client.get("/static/css/app.css")

    assert response.status_code == 200
    assert "private" not in directives(response)


def test_identicons_stay_public_for_signed_in_users(client, me):
    response = client.get(reverse("accounts:identicon", args=["abc"]))

    assert "public" in directives(response)
    assert get_max_age(response) == 60 * 60 * 24 * 30


def test_the_health_check_is_never_stored(client):
    assert directives(client.get("/healthz")) == {"no-store"}
