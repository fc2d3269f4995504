"""posts/_post.html fragments are reused across viewers and never stale; the author's differ."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from posts.models import Post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_second_viewer_gets_the_same_post_html_from_the_cache(client, monkeypatch):
    post = PostFactory(body="a cafe by the sea")
    first, second = UserFactory.create_batch(2)
    client.force_login(first)
    client.get(reverse("posts:explore"))
    stored = []
    monkeypatch.setattr(cache, "set_many", lambda values, timeout: stored.append(values))
    client.force_login(second)

    response = client.get(reverse("posts:explore"))

    assert stored == []
    assert f'id="post-{post.pk}"' in response.text


def test_an_edited_post_is_rendered_again(client):
    post = PostFactory(body="first words")
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))

    Post.objects.filter(pk=post.pk).update(body="second words")
    response = client.get(reverse("posts:explore"))

    assert "second words" in response.text
    assert "first words" not in response.text


def test_the_author_gets_a_delete_form_that_others_never_see(client):
    post = PostFactory()
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))
    delete_url = reverse("posts:delete", args=[post.pk])

    client.force_login(post.author)
    own = client.get(reverse("posts:explore"))
    client.force_login(UserFactory())
    other = client.get(reverse("posts:explore"))

    assert delete_url in own.text
    assert delete_url not in other.text


def test_the_authors_own_posts_come_from_the_cache_too_and_delete_through_a_fresh_form(monkeypatch):
    client = Client(enforce_csrf_checks=True)
    post = PostFactory()
    client.force_login(post.author)
    client.get(reverse("posts:explore"))
    stored = []
    monkeypatch.setattr(cache, "set_many", lambda values, timeout: stored.append(values))

    page = client.get(reverse("posts:explore")).text

    assert stored == []
    assert f'form="delete-post-form" formaction="{reverse("posts:delete", args=[post.pk])}"' in page
    token = re.search(r'<form id="delete-post-form"[^>]*>.*?value="([^"]+)"', page, re.DOTALL).group(1)
    response = client.post(reverse("posts:delete", args=[post.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
