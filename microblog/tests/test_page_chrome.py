"""The page chrome (navbar, footer language switcher, post form, profile header) is
rendered for every response: each viewer sees their own, current state, and every form
carries a fresh CSRF token and the page to come back to."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from microblog.storage import StaticFilesStorage
from posts.models import Message
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def form_html(page: str, action: str) -> str:
    match = re.search(rf'<form [^>]*action="{re.escape(action)}"[^>]*>.*?</form>', page, re.DOTALL)
    assert match, f"no form posting to {action}"
    return match.group(0)


def navbar(page: str) -> str:
    return page[page.index("<nav ") : page.index("</nav>")]


def test_each_viewer_gets_their_own_navbar(client):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    client.force_login(alice)
    client.get(reverse("posts:explore"))
    client.force_login(bob)

    page = client.get(reverse("posts:explore")).text

    assert 'class="rounded-circle me-1">bob' in navbar(page)
    assert "alice" not in navbar(page)


def test_the_navbar_shows_a_new_unread_count_and_a_new_staff_link_at_once(client):
    alice, bob = UserFactory(), UserFactory()
    client.force_login(alice)
    assert 'id="message-count" class="badge rounded-pill text-bg-danger" data-unread-badge hidden' in (
        client.get(reverse("posts:explore")).text
    )

    Message.objects.create(sender=bob, recipient=alice, body="hi")
    alice.is_staff = True
    alice.save()
    page = client.get(reverse("posts:explore")).text

    assert "data-unread-badge>1</span>" in navbar(page)
    assert reverse("admin:index") in navbar(page)


def test_a_renamed_user_sees_their_new_name(client):
    alice = UserFactory(username="alice")
    client.force_login(alice)
    client.get(reverse("posts:explore"))
    alice.username = "alicia"
    alice.save()

    page = client.get(reverse("posts:explore")).text

    assert "alicia" in navbar(page)
    assert ">alice<" not in navbar(page)


def test_the_navbar_follows_the_language(client):
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"), headers={"accept-language": "en"})

    page = client.get(reverse("posts:explore"), headers={"accept-language": "es"}).text

    assert "Cerrar sesión" in navbar(page)


def test_the_search_box_shows_this_page_s_query_only(client):
    client.force_login(UserFactory())
    assert 'value="quokka"' in navbar(client.get(reverse("posts:search"), {"q": "quokka"}).text)

    assert 'value="quokka"' not in navbar(client.get(reverse("posts:explore")).text)


def test_navbar_and_footer_forms_carry_a_fresh_token_and_this_page(client):
    client.force_login(UserFactory())
    first = client.get(reverse("posts:explore") + "?page=1").text
    second = client.get(reverse("posts:explore")).text

    for action in (reverse("accounts:logout"), reverse("posts:export_posts"), reverse("set_language")):
        # The token is masked anew in each response (BREACH).
        assert TOKEN.search(form_html(first, action)).group(1) != TOKEN.search(form_html(second, action)).group(1)
    # Export and the language switch come back to the page they were used on.
    assert 'name="next" value="/explore/?page=1"' in form_html(first, reverse("posts:export_posts"))
    assert 'name="next" value="/explore/"' in form_html(second, reverse("set_language"))


def test_logging_out_from_the_navbar_passes_the_csrf_check():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))
    page = client.get(reverse("posts:explore")).text
    token = TOKEN.search(form_html(page, reverse("accounts:logout"))).group(1)

    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_post_form_shows_errors_and_keeps_the_text(client):
    client.force_login(UserFactory())
    client.get(reverse("posts:home"))

    response = client.post(reverse("posts:home"), {"body": "x" * 141})

    assert response.status_code == 200
    assert "x" * 141 in response.text
    assert "is-invalid" in response.text


def test_explore_has_a_fixed_number_of_queries(client, django_assert_num_queries):
    PostFactory.create_batch(3, body="hello @someone")
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))

    # session, user, posts: the unread count is a column of the user row; then the
    # "Who to follow" box's people (one query, intended).
    with django_assert_num_queries(6):  # a timeline page: entries, posts, the rows of their mentions (intended)
        client.get(reverse("posts:explore"))


def test_static_urls_are_worked_out_once_per_name(monkeypatch, tmp_path):
    storage = StaticFilesStorage(location=tmp_path)
    calls = []
    monkeypatch.setattr(
        "whitenoise.storage.CompressedManifestStaticFilesStorage.url",
        lambda self, name, force=False: calls.append(name) or f"/static/{name}.abc123",
    )

    assert storage.url("js/app.js") == storage.url("js/app.js") == "/static/js/app.js.abc123"
    assert calls == ["js/app.js"]


def test_the_profile_header_shows_new_counts_and_about_me_at_once(client):
    author = UserFactory(about_me="first words")
    client.force_login(UserFactory())
    client.get(reverse("posts:profile", args=[author.username]))
    PostFactory(author=author)
    author.about_me = "second words"
    author.save()

    page = client.get(reverse("posts:profile", args=[author.username])).text

    assert "second words" in page
    assert "<strong>1</strong> post" in page


def test_the_profile_header_keeps_its_follow_button_fresh(client):
    author = UserFactory()
    client.force_login(UserFactory())
    client.get(reverse("posts:profile", args=[author.username]))
    client.post(reverse("accounts:follow", args=[author.username]))

    page = client.get(reverse("posts:profile", args=[author.username])).text

    assert f'action="{reverse("accounts:unfollow", args=[author.username])}"' in page
    assert "is-following" in page
    assert "<strong>1</strong> follower" in page
