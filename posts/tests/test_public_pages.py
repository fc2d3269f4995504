"""What a visitor (not signed in) may read: the landing page, explore, profiles, threads and tags.

They are read-only (microblog.mixins.PublicReadMixin): counts but no buttons, and one
"Sign in to join the conversation" prompt that comes back to the page. PUBLIC_READ=false
closes them again; private pages never open.
"""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, FollowFactory, UserFactory
from posts import services
from posts.models import Post

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PROMPT = "Sign in to join the conversation"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    """Susan wrote a tagged post mentioning Bob, which he replied to, liked and boosted."""
    susan = UserFactory(username="susan", about_me="Hi, I am Susan.")
    bob = UserFactory(username="bob")
    FollowFactory(follower=bob, followed=susan)
    post = services.publish_post(author=susan, body="Hello #django world, says @bob")
    reply = services.publish_post(author=bob, body="@susan welcome!", in_reply_to=post)
    services.like_post(user=bob, post=post)
    services.boost_post(user=bob, post=post)
    post.refresh_from_db()
    return susan, bob, post, reply


def public_urls(world):
    susan, _bob, post, _reply = world
    return [
        reverse("posts:explore"),
        reverse("posts:profile", args=[susan.username]),
        reverse("posts:profile_replies", args=[susan.username]),
        reverse("posts:post", args=[post.pk]),
        reverse("posts:tag", args=["django"]),
        reverse("posts:likes", args=[post.pk]),
        reverse("posts:boosts", args=[post.pk]),
    ]


def assert_read_only(content: str, post: Post):
    """No control that changes anything: no actions form, reaction, reply, delete or follow button."""
    assert 'id="actions-form"' not in content
    assert 'form="actions-form"' not in content
    assert reverse("posts:like", args=[post.pk]) not in content
    assert reverse("posts:reply", args=[post.pk]) not in content
    assert reverse("posts:delete", args=[post.pk]) not in content
    assert reverse("accounts:follow", args=[post.author.username]) not in content
    assert "data-translate-url" not in content
    assert 'name="body"' not in content  # no post box, no reply form


def test_every_public_page_is_read_only_with_one_prompt_back_to_it(client, world):
    _susan, _bob, post, _reply = world

    for url in public_urls(world):
        response = client.get(url)

        content = response.content.decode()
        assert response.status_code == 200, url
        assert_read_only(content, post)
        assert content.count(PROMPT) == 1, url
        assert f'href="{LOGIN}?next={url}"' in content, url


def test_the_prompt_keeps_the_query_string_of_the_page(client, world):
    url = reverse("posts:explore") + "?page=2"

    content = client.get(url).content.decode()

    assert f'href="{LOGIN}?next=/explore/%3Fpage%3D2"' in content


def test_visitors_see_the_counts_of_a_post(client, world):
    _susan, _bob, post, _reply = world

    content = client.get(reverse("posts:explore")).content.decode()

    assert (post.reply_count, post.like_count, post.boost_count) == (1, 1, 1)
    assert "1 reply" in content
    assert "1 like" in content
    assert "1 boost" in content
    assert f'href="{reverse("posts:likes", args=[post.pk])}"' in content


def test_the_profile_shows_the_person_without_follow_or_message_buttons(client, world):
    susan, _bob, post, _reply = world

    response = client.get(reverse("posts:profile", args=[susan.username]))

    content = response.content.decode()
    assert "Hi, I am Susan." in content
    assert [shown.pk for shown in response.context["posts"]] == [post.pk]
    assert reverse("posts:send_message", args=[susan.username]) not in content
    assert reverse("accounts:edit_profile") not in content


def test_the_thread_shows_the_replies_and_no_reply_form(client, world):
    _susan, _bob, post, reply = world

    response = client.get(reverse("posts:post", args=[post.pk]))

    content = response.content.decode()
    assert response.context["form"] is None
    assert f'id="post-{reply.pk}"' in content


def test_the_landing_page_says_what_the_site_is_and_shows_the_latest_posts(client, world):
    _susan, _bob, post, reply = world

    response = client.get(reverse("posts:home"))

    content = response.content.decode()
    assert response.status_code == 200
    assert [template.name for template in response.templates][0] == "posts/landing.html"
    assert "Welcome to Microblog" in content
    assert f'href="{reverse("accounts:register")}"' in content
    assert f'href="{LOGIN}"' in content
    assert [shown.pk for shown in response.context["posts"]] == [reply.pk, post.pk]  # explore's first page
    assert_read_only(content, post)


def test_the_landing_page_of_an_empty_site_says_so(client):
    content = client.get(reverse("posts:home")).content.decode()

    assert "Nobody has posted anything yet." in content


def test_signed_in_users_keep_their_feed_at_home(client, world):
    _susan, bob, _post, _reply = world
    client.force_login(bob)

    response = client.get(reverse("posts:home"))

    assert response.templates[0].name == "posts/home.html"
    assert 'name="body"' in response.content.decode()


def test_a_post_cached_for_a_visitor_still_shows_its_buttons_to_a_signed_in_reader(client, world):
    _susan, bob, post, _reply = world
    url = reverse("posts:explore")
    visitor_content = client.get(url).content.decode()
    client.force_login(bob)

    member_content = client.get(url).content.decode()
    client.logout()
    again = client.get(url).content.decode()

    assert reverse("posts:unlike", args=[post.pk]) not in visitor_content
    assert reverse("posts:unlike", args=[post.pk]) in member_content  # bob liked it
    assert reverse("posts:unlike", args=[post.pk]) not in again


@pytest.mark.parametrize(
    ("name", "ceiling"),
    [
        # The entries, the posts, their mentions; explore also its trending tags (cold cache).
        ("posts:home", 3),
        ("posts:explore", 4),
        # The person, then the posts and the boosts sources, the posts, their mentions.
        ("posts:profile", 5),
        # The tag, its entries, the posts, their mentions.
        ("posts:tag", 4),
        # The post, the thread's shape, its posts, their mentions.
        ("posts:post", 4),
    ],
)
def test_public_pages_cost_a_fixed_number_of_queries(client, world, django_assert_num_queries, name, ceiling):
    susan, bob, post, _reply = world
    args = {"posts:profile": [susan.username], "posts:tag": ["django"], "posts:post": [post.pk]}.get(name, [])
    url = reverse(name, args=args)
    with django_assert_num_queries(ceiling):
        client.get(url)
    for number in range(30):
        more = services.publish_post(author=susan, body=f"@bob more #django {number}", in_reply_to=post)
        services.like_post(user=bob, post=more)
    cache.clear()

    with django_assert_num_queries(ceiling):
        response = client.get(url)

    assert response.status_code == 200


# ---------------------------------------------------------------------------
# What a visitor may not do or see
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["like", "unlike", "boost", "unboost", "bookmark", "unbookmark", "delete", "reply"])
def test_a_visitors_post_to_a_post_is_sent_to_sign_in(client, world, action):
    _susan, _bob, post, _reply = world
    url = reverse(f"posts:{action}", args=[post.pk])

    response = client.post(url, {"body": "sneaky"})

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"
    assert not Post.objects.filter(body="sneaky").exists()


def test_a_visitors_json_reaction_is_refused_with_401(client, world):
    _susan, _bob, post, _reply = world

    response = client.post(reverse("posts:like", args=[post.pk]), headers={"Accept": "application/json"})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("name", ["posts:home", "posts:explore"])
def test_a_visitor_cannot_publish_from_a_public_page(client, world, name):
    response = client.post(reverse(name), {"body": "sneaky"})

    assert response.status_code in (302, 405)
    assert not Post.objects.filter(body="sneaky").exists()


def test_a_visitor_cannot_follow(client, world):
    susan, _bob, _post, _reply = world
    url = reverse("accounts:follow", args=[susan.username])

    response = client.post(url)

    assert response["Location"] == f"{LOGIN}?next={url}"
    assert susan.followers.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        reverse("posts:messages"),
        reverse("posts:messages_sent"),
        reverse("posts:new_message"),
        reverse("posts:conversation", args=["susan"]),
        reverse("posts:bookmarks"),
        reverse("posts:activity"),
        reverse("posts:search") + "?q=django",
        reverse("accounts:edit_profile"),
    ],
)
def test_private_pages_still_send_visitors_to_sign_in(client, world, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_the_export_still_needs_an_account(client, world):
    response = client.post(reverse("posts:export_posts"))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


# ---------------------------------------------------------------------------
# PUBLIC_READ=false: the tutorial's rule
# ---------------------------------------------------------------------------


@override_settings(PUBLIC_READ=False)
def test_without_public_read_every_public_page_sends_visitors_to_sign_in(client, world):
    for url in [reverse("posts:home"), *public_urls(world)]:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"] == f"{LOGIN}?next={url}"


@override_settings(PUBLIC_READ=False)
def test_without_public_read_signed_in_users_read_as_before(client, world):
    _susan, bob, _post, _reply = world
    client.force_login(bob)

    assert all(client.get(url).status_code == 200 for url in public_urls(world))


def test_signing_in_from_the_prompt_comes_back_to_the_page(world):
    _susan, bob, post, _reply = world
    client = Client()
    thread = reverse("posts:post", args=[post.pk])

    response = client.post(f"{LOGIN}?next={thread}", {"username": bob.username, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == thread
    assert 'name="body"' in client.get(thread).content.decode()  # the reply form, now
