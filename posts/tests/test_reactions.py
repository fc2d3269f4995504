"""Like, boost and bookmark buttons, the who-liked and who-boosted lists, and the bookmarks page."""

import pytest
from django.urls import reverse, reverse_lazy

from accounts.tests.factories import FollowFactory, UserFactory
from posts import services
from posts.models import Activity, Bookmark, Boost, Like, Post
from posts.tests.factories import BookmarkFactory, BoostFactory, LikeFactory, PostFactory

pytestmark = pytest.mark.django_db

TOGGLES = [
    ("posts:like", Like, True),
    ("posts:unlike", Like, False),
    ("posts:boost", Boost, True),
    ("posts:unboost", Boost, False),
    ("posts:bookmark", Bookmark, True),
    ("posts:unbookmark", Bookmark, False),
]
JSON = {"Accept": "application/json"}


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


@pytest.fixture
def post():
    return services.publish_post(author=UserFactory(username="author"), body="something worth a #like")


TAG_PAGE = reverse_lazy("posts:tag", args=["like"])


def fresh(post) -> Post:
    return Post.objects.get(pk=post.pk)


# ---------------------------------------------------------------------------
# The toggle views
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "model", "adds"), TOGGLES)
def test_anonymous_callers_are_sent_to_sign_in_and_nothing_changes(client, post, name, model, adds):
    response = client.post(reverse(name, args=[post.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not model.objects.exists()


@pytest.mark.parametrize("name", [name for name, _model, _adds in TOGGLES])
def test_anonymous_json_callers_get_a_401(client, post, name):
    response = client.post(reverse(name, args=[post.pk]), headers=JSON)

    assert response.status_code == 401
    assert response.json()["message"]


@pytest.mark.parametrize(("name", "model", "adds"), TOGGLES)
def test_a_toggle_goes_back_to_next_without_a_banner(client, me, post, name, model, adds):
    if not adds:
        model.objects.create(user=me, post=post)

    response = client.post(reverse(name, args=[post.pk]), {"next": "/explore/?page=2"}, follow=True)

    assert response.redirect_chain == [("/explore/?page=2", 302)]
    assert model.objects.filter(user=me, post=post).exists() is adds
    assert not list(response.context["messages"])


@pytest.mark.parametrize("bad_next", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_an_unsafe_or_missing_next_goes_to_the_thread_page(client, me, post, bad_next):
    response = client.post(reverse("posts:like", args=[post.pk]), {"next": bad_next})

    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert Like.objects.filter(user=me, post=post).exists()


@pytest.mark.parametrize(("name", "model", "adds"), TOGGLES)
def test_json_callers_get_the_fresh_counts_and_their_state(client, me, post, name, model, adds):
    if not adds:
        model.objects.create(user=me, post=post)
    LikeFactory(post=post)  # someone else's like counts too
    PostFactory(in_reply_to=post, conversation=post.pk)

    response = client.post(reverse(name, args=[post.pk]), headers=JSON)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    row = fresh(post)
    state = {"liked": False, "boosted": False, "bookmarked": False}
    state[{Like: "liked", Boost: "boosted", Bookmark: "bookmarked"}[model]] = adds
    assert response.json() == {
        "id": post.pk,
        **state,
        "like_count": row.like_count,
        "reply_count": row.reply_count,
        "boost_count": row.boost_count,
    }


def test_counts_follow_likes_and_unlikes(client, me, post):
    other = UserFactory()
    LikeFactory(user=other, post=post)

    liked = client.post(reverse("posts:like", args=[post.pk]), headers=JSON).json()
    unliked = client.post(reverse("posts:unlike", args=[post.pk]), headers=JSON).json()

    assert (liked["liked"], liked["like_count"]) == (True, 2)
    assert (unliked["liked"], unliked["like_count"]) == (False, 1)
    assert fresh(post).like_count == 1


@pytest.mark.parametrize(("name", "model", "adds"), TOGGLES)
def test_repeating_a_request_changes_nothing(client, me, post, name, model, adds):
    url = reverse(name, args=[post.pk])

    answers = [client.post(url, headers=JSON) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200] * 3
    assert model.objects.filter(user=me, post=post).count() == (1 if adds else 0)
    assert answers[0].json() == answers[2].json()


def test_a_like_and_a_boost_notify_the_author_and_undoing_takes_it_back(client, me, post):
    client.post(reverse("posts:like", args=[post.pk]))
    client.post(reverse("posts:boost", args=[post.pk]))

    assert set(Activity.objects.filter(recipient=post.author).values_list("kind", flat=True)) == {"like", "boost"}

    client.post(reverse("posts:unlike", args=[post.pk]))
    client.post(reverse("posts:unboost", args=[post.pk]))

    assert not Activity.objects.filter(recipient=post.author).exists()


def test_one_may_boost_and_like_ones_own_post(client, me):
    mine = PostFactory(author=me)

    boosted = client.post(reverse("posts:boost", args=[mine.pk]), headers=JSON).json()
    liked = client.post(reverse("posts:like", args=[mine.pk]), headers=JSON).json()

    assert (boosted["boosted"], boosted["boost_count"]) == (True, 1)
    assert (liked["liked"], liked["like_count"]) == (True, 1)
    assert not Activity.objects.exists()  # nobody is told of their own doings


@pytest.mark.parametrize("name", [name for name, _model, _adds in TOGGLES])
def test_an_unknown_post_is_a_404(client, me, name):
    assert client.post(reverse(name, args=[999_999])).status_code == 404
    assert client.post(reverse(name, args=[999_999]), headers=JSON).status_code == 404


@pytest.mark.parametrize("name", [name for name, _model, _adds in TOGGLES])
def test_a_post_of_a_deactivated_author_is_a_404(client, me, post, name):
    post.author.is_active = False
    post.author.save()

    assert client.post(reverse(name, args=[post.pk])).status_code == 404
    assert not Like.objects.exists()
    assert not Boost.objects.exists()
    assert not Bookmark.objects.exists()


def test_a_deleted_post_is_a_404(client, me, post):
    url = reverse("posts:like", args=[post.pk])
    post.delete()

    assert client.post(url).status_code == 404


@pytest.mark.parametrize("name", [name for name, _model, _adds in TOGGLES])
def test_get_is_not_allowed(client, me, post, name):
    response = client.get(reverse(name, args=[post.pk]))

    assert response.status_code == 405
    assert not Like.objects.exists()


def test_the_toggles_need_the_csrf_token(me, post):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(me)

    response = strict.post(reverse("posts:like", args=[post.pk]))

    assert response.status_code == 403
    assert not Like.objects.exists()


def test_too_many_clicks_are_throttled(client, me, post, settings):
    settings.REACTION_RATE = "2/min"
    url = reverse("posts:like", args=[post.pk])

    statuses = [client.post(url, headers=JSON).status_code for _ in range(3)]
    refused = client.post(url, headers=JSON)
    page = client.post(url)

    assert statuses == [200, 200, 429]
    assert refused.json()["message"]
    assert refused["Retry-After"]
    assert page.status_code == 429


# ---------------------------------------------------------------------------
# The buttons under each post
# ---------------------------------------------------------------------------


def test_the_buttons_show_the_viewers_state_and_the_counts(client, me, post):
    LikeFactory(user=me, post=post)
    LikeFactory.create_batch(2, post=post)
    BookmarkFactory(user=me, post=post)

    html = client.get(TAG_PAGE).content.decode()

    assert f'action="{reverse("posts:unlike", args=[post.pk])}"' in html
    assert f'action="{reverse("posts:boost", args=[post.pk])}"' in html
    assert f'action="{reverse("posts:unbookmark", args=[post.pk])}"' in html
    assert html.count('aria-pressed="true"') == 2
    assert "bi-heart-fill" in html
    assert "3 likes" in html
    assert "0 boosts" in html
    assert f'name="next" value="{TAG_PAGE}"' in html


def test_another_viewer_does_not_see_my_state(client, me, post):
    LikeFactory(user=me, post=post)
    client.get(TAG_PAGE)  # fills the shared fragment cache
    client.force_login(UserFactory())

    html = client.get(TAG_PAGE).content.decode()

    assert 'aria-pressed="true"' not in html
    assert f'action="{reverse("posts:like", args=[post.pk])}"' in html
    assert "1 like" in html


# ---------------------------------------------------------------------------
# Who liked, who boosted
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "factory"), [("posts:likes", LikeFactory), ("posts:boosts", BoostFactory)])
def test_the_people_who_reacted_are_listed_most_recent_first(client, me, post, name, factory):
    first, second = UserFactory(username="first"), UserFactory(username="second")
    factory(user=first, post=post)
    factory(user=second, post=post)
    factory(user=UserFactory(is_active=False), post=post)
    factory(user=UserFactory(username="elsewhere"))

    response = client.get(reverse(name, args=[post.pk]))

    assert response.status_code == 200
    assert list(response.context["people"]) == [second, first]


def test_the_list_offers_to_follow_the_people_in_it(client, me, post):
    followed, stranger = UserFactory(), UserFactory()
    FollowFactory(follower=me, followed=followed)
    LikeFactory(user=followed, post=post)
    LikeFactory(user=stranger, post=post)

    people = {
        person: person.is_followed for person in client.get(reverse("posts:likes", args=[post.pk])).context["people"]
    }

    assert people == {followed: True, stranger: False}


@pytest.mark.parametrize("name", ["posts:likes", "posts:boosts"])
def test_the_list_of_an_unknown_or_hidden_post_is_a_404(client, me, post, name):
    post.author.is_active = False
    post.author.save()

    assert client.get(reverse(name, args=[post.pk])).status_code == 404
    assert client.get(reverse(name, args=[999_999])).status_code == 404


def test_the_list_is_paged_without_counting(client, me, post, settings, django_assert_max_num_queries):
    for _ in range(3):
        LikeFactory(post=post)

    with django_assert_max_num_queries(10) as queries:
        response = client.get(reverse("posts:likes", args=[post.pk]), {"page": "x"})

    assert response.status_code == 200
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize(("name", "factory"), [("posts:likes", LikeFactory), ("posts:boosts", BoostFactory)])
def test_the_list_costs_a_fixed_number_of_queries(client, me, post, django_assert_num_queries, name, factory, rows):
    for _ in range(rows):
        factory(post=post)
    client.get(reverse(name, args=[post.pk]))

    # The session, the viewer, their blocks and mutes, the post, the page of people (with is_followed).
    with django_assert_num_queries(5):
        response = client.get(reverse(name, args=[post.pk]))

    assert len(response.context["people"]) == rows


# ---------------------------------------------------------------------------
# Bookmarks
# ---------------------------------------------------------------------------


def test_bookmarks_are_listed_newest_bookmark_first(client, me):
    older, newer, not_mine = PostFactory.create_batch(3)
    BookmarkFactory(user=me, post=newer)
    BookmarkFactory(user=me, post=older)  # bookmarked last: comes first
    BookmarkFactory(post=not_mine)

    response = client.get(reverse("posts:bookmarks"))

    assert response.status_code == 200
    assert list(response.context["posts"]) == [older, newer]
    assert all(post.bookmarked for post in response.context["posts"])


def test_bookmarks_are_never_kept_by_a_shared_cache(client, me):
    response = client.get(reverse("posts:bookmarks"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_bookmarks_of_a_hidden_author_are_left_out(client, me, post):
    BookmarkFactory(user=me, post=post)
    post.author.is_active = False
    post.author.save()

    response = client.get(reverse("posts:bookmarks"))

    assert list(response.context["posts"]) == []
    assert "You have not bookmarked any post yet." in response.content.decode()


def test_the_user_menu_links_to_the_bookmarks(client, me):
    html = client.get(reverse("posts:explore")).content.decode()

    assert f'href="{reverse("posts:bookmarks")}"' in html


@pytest.mark.parametrize("rows", [1, 25])
def test_bookmarks_cost_a_fixed_number_of_queries(client, me, django_assert_num_queries, rows):
    for post in PostFactory.create_batch(rows, body=f"hello @{me.username}"):
        BookmarkFactory(user=me, post=post)
        LikeFactory(post=post)
        BoostFactory(post=post)
        PostFactory(in_reply_to=post, conversation=post.pk)
    client.get(reverse("posts:bookmarks"))

    # The session, the viewer, their blocks and mutes, the entries, the posts (with the
    # viewer's state), the rows of their mentions.
    with django_assert_num_queries(6):
        response = client.get(reverse("posts:bookmarks"))

    assert len(response.context["posts"]) == rows
