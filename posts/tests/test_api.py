"""The posts endpoints of the REST API: explore, feed, a user's posts, publish, delete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import FollowFactory, UserFactory, bearer
from microblog.api import CappedCountPagination
from posts import services
from posts.models import Post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def publish(client, user, body):
    return client.post("/api/posts", {"body": body}, content_type="application/json", headers=bearer(user))


def test_a_post_has_its_fields_author_and_links(client):
    me = UserFactory()
    post = PostFactory(author=me, body="Hello", language="")

    data = client.get(f"/api/posts/{post.pk}", headers=bearer(me)).json()

    assert data == {
        "id": post.pk,
        "body": "Hello",
        "content_warning": "",
        "language": None,
        "timestamp": data["timestamp"],
        "edited_at": None,
        "author": {
            "id": me.pk,
            "username": me.username,
            "_links": {"self": f"/api/users/{me.pk}", "avatar": "http://testserver" + me.avatar(128)},
        },
        "in_reply_to": None,
        "reply_count": 0,
        "like_count": 0,
        "boost_count": 0,
        "liked": False,
        "boosted": False,
        "bookmarked": False,
        "attachments": [],
        "sensitive": False,
        "_links": {
            "self": f"/api/posts/{post.pk}",
            "context": f"/api/posts/{post.pk}/context",
            "history": f"/api/posts/{post.pk}/history",
        },
    }
    assert data["timestamp"].endswith("Z")


def test_a_post_by_a_deactivated_user_is_a_404(client):
    me = UserFactory()
    post = PostFactory(author__is_active=False)

    response = client.get(f"/api/posts/{post.pk}", headers=bearer(me))

    assert response.status_code == 404


def test_explore_lists_everyones_posts_newest_first(client):
    me = UserFactory()
    older, newer = PostFactory(), PostFactory()

    data = client.get("/api/posts", headers=bearer(me)).json()

    assert [item["id"] for item in data["items"]] == [newer.pk, older.pk]
    assert data["_meta"]["total_items"] == 2


def test_the_feed_has_own_and_followed_posts_only(client):
    me, friend, stranger = UserFactory.create_batch(3)
    FollowFactory(follower=me, followed=friend)
    mine, theirs = PostFactory(author=me), PostFactory(author=friend)
    PostFactory(author=stranger)

    data = client.get("/api/feed", headers=bearer(me)).json()

    assert [item["id"] for item in data["items"]] == [theirs.pk, mine.pk]
    assert data["_links"]["self"] == "/api/feed?page=1&per_page=10"


def test_the_feed_carries_boosts_as_the_home_page_does(client):
    me, friend, stranger = UserFactory.create_batch(3)
    FollowFactory(follower=me, followed=friend)
    boosted, own = PostFactory(author=stranger), PostFactory(author=friend)
    services.boost_post(user=friend, post=boosted)

    data = client.get("/api/feed", headers=bearer(me)).json()

    assert [(item["id"], item["boosted_by"]) for item in data["items"]] == [
        (boosted.pk, friend.username),
        (own.pk, None),
    ]
    assert data["_meta"]["total_items"] == 2


def test_an_unboosted_post_leaves_the_feed_or_goes_back_to_its_own_time(client):
    me, friend, stranger = UserFactory.create_batch(3)
    FollowFactory(follower=me, followed=friend)
    followed_post, strangers_post = PostFactory(author=friend), PostFactory(author=stranger)
    later = PostFactory(author=friend)
    for post in (followed_post, strangers_post):
        services.boost_post(user=friend, post=post)
        services.unboost_post(user=friend, post=post)

    data = client.get("/api/feed", headers=bearer(me)).json()

    assert [(item["id"], item["boosted_by"]) for item in data["items"]] == [(later.pk, None), (followed_post.pk, None)]


def test_the_feed_pages_by_offset_through_posts_and_boosts(client):
    me, friend = UserFactory.create_batch(2)
    FollowFactory(follower=me, followed=friend)
    posts = PostFactory.create_batch(3, author=friend)
    services.boost_post(user=friend, post=PostFactory())

    first = client.get("/api/feed?per_page=2", headers=bearer(me)).json()
    second = client.get(first["_links"]["next"], headers=bearer(me)).json()

    assert [item["id"] for item in first["items"] + second["items"]][1:] == [post.pk for post in reversed(posts)]
    assert first["_meta"]["total_items"] == 4
    assert second["_links"]["next"] is None


def test_a_users_posts_are_listed_with_an_exact_count(client):
    me, ann = UserFactory.create_batch(2)
    PostFactory.create_batch(3, author=ann)
    PostFactory(author=me)

    data = client.get(f"/api/users/{ann.pk}/posts?per_page=2", headers=bearer(me)).json()

    assert {item["author"]["id"] for item in data["items"]} == {ann.pk}
    assert data["_meta"] == {"page": 1, "per_page": 2, "total_pages": 2, "total_items": 3}
    assert data["_links"]["next"] == f"/api/users/{ann.pk}/posts?page=2&per_page=2"


def test_posts_of_an_unknown_user_is_a_404(client):
    me = UserFactory()

    response = client.get("/api/users/999999/posts", headers=bearer(me))

    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


def test_explore_stops_counting_at_the_cap_but_next_links_keep_going(client, monkeypatch):
    monkeypatch.setattr(CappedCountPagination, "count_cap", 3)
    me = UserFactory()
    PostFactory.create_batch(5, author=me)

    first = client.get("/api/posts?per_page=2", headers=bearer(me)).json()
    third = client.get("/api/posts?page=3&per_page=2", headers=bearer(me)).json()

    assert first["_meta"]["total_items"] == 3
    assert first["_links"]["next"] == "/api/posts?page=2&per_page=2"
    assert len(third["items"]) == 1
    assert third["_links"]["next"] is None


def test_the_feed_stops_counting_at_its_own_cap_but_next_links_keep_going(client):
    from posts.api import TimelinePagination

    me = UserFactory()
    PostFactory.create_batch(TimelinePagination.count_cap + 1, author=me)

    last = client.get(f"/api/feed?page={TimelinePagination.count_cap}&per_page=1", headers=bearer(me)).json()

    assert TimelinePagination.count_cap < CappedCountPagination.count_cap
    assert last["_meta"]["total_items"] == TimelinePagination.count_cap
    assert last["_links"]["next"] == f"/api/feed?page={TimelinePagination.count_cap + 1}&per_page=1"


def test_publishing_answers_201_with_location_and_the_post(client):
    me = UserFactory()

    response = publish(client, me, "  The quick brown fox jumps over the lazy dog.  ")

    post = Post.objects.get()
    assert response.status_code == 201
    assert response["Location"] == f"/api/posts/{post.pk}"
    assert response.json()["body"] == "The quick brown fox jumps over the lazy dog."
    assert response.json()["language"] == "en"
    assert post.author == me


@pytest.mark.parametrize("body", ["", "   ", "x" * 141])
def test_publishing_an_empty_or_too_long_post_is_a_400(client, body):
    me = UserFactory()

    response = publish(client, me, body)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert not Post.objects.exists()


def test_publishing_needs_a_token(client):
    response = client.post("/api/posts", {"body": "hi"}, content_type="application/json")

    assert response.status_code == 401


def test_you_can_delete_your_own_post(client):
    me = UserFactory()
    post = PostFactory(author=me)

    response = client.delete(f"/api/posts/{post.pk}", headers=bearer(me))

    assert response.status_code == 204
    assert not Post.objects.exists()


def test_deleting_someone_elses_post_is_403(client):
    me = UserFactory()
    post = PostFactory()

    response = client.delete(f"/api/posts/{post.pk}", headers=bearer(me))

    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert Post.objects.exists()


def _queries(client, path, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/api/posts", "/api/feed", "/api/users/{pk}/posts"])
def test_post_collections_cost_the_same_queries_at_any_page_size(client, path):
    me = UserFactory()
    for author in UserFactory.create_batch(13):
        FollowFactory(follower=me, followed=author)
        PostFactory.create_batch(2, author=author)
    PostFactory.create_batch(26, author=me)
    headers = bearer(me)
    path = path.format(pk=me.pk)

    small = _queries(client, f"{path}?per_page=1", headers)
    large = _queries(client, f"{path}?per_page=25", headers)

    assert small == large
    # token, blocks and mutes, (author,) count, page (the feed: its posts, its boosts)
    assert large <= (6 if path == "/api/feed" else 5)
