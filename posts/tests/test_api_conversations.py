"""The conversation endpoints of the REST API: replies, context, reactions, tags, bookmarks, notifications."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import follow_user
from accounts.tests.factories import UserFactory, bearer
from posts import services
from posts.models import Bookmark, Like, Post
from posts.tests.factories import BookmarkFactory, BoostFactory, LikeFactory, PostFactory
from posts.threads import thread_of

pytestmark = pytest.mark.django_db

HUGE_ID = 2**70


def send(client, method, path, user=None, data=None):
    headers = bearer(user) if user else {}
    return getattr(client, method)(path, data, content_type="application/json", headers=headers)


def reply(parent, author=None, body="a reply"):
    return services.publish_post(author=author or UserFactory(), body=body, in_reply_to=parent)


# --- the post's new fields -------------------------------------------------------------


def test_a_post_carries_its_reply_parent_counters_state_and_context_link(client):
    me = UserFactory()
    parent = PostFactory()
    post = reply(parent)
    reply(post)
    LikeFactory(post=post, user=me)
    BoostFactory(post=post)
    BookmarkFactory(post=post, user=me)

    data = send(client, "get", f"/api/posts/{post.pk}", me).json()

    assert data["in_reply_to"] == parent.pk
    assert (data["reply_count"], data["like_count"], data["boost_count"]) == (1, 1, 1)
    assert (data["liked"], data["boosted"], data["bookmarked"]) == (True, False, True)
    assert data["_links"] == {
        "self": f"/api/posts/{post.pk}",
        "context": f"/api/posts/{post.pk}/context",
        "history": f"/api/posts/{post.pk}/history",
    }


def test_a_first_post_has_no_parent_and_no_state(client):
    me = UserFactory()
    post = PostFactory()

    data = send(client, "get", f"/api/posts/{post.pk}", me).json()

    assert data["in_reply_to"] is None
    assert (data["reply_count"], data["like_count"], data["boost_count"]) == (0, 0, 0)
    assert (data["liked"], data["boosted"], data["bookmarked"]) == (False, False, False)


def test_viewer_state_is_each_callers_own(client):
    ann, bob = UserFactory.create_batch(2)
    post = PostFactory()
    LikeFactory(post=post, user=ann)

    as_ann = send(client, "get", "/api/posts", ann).json()["items"][0]
    as_bob = send(client, "get", "/api/posts", bob).json()["items"][0]

    assert as_ann["liked"] is True
    assert as_bob["liked"] is False
    assert as_ann["like_count"] == as_bob["like_count"] == 1


# --- publishing a reply -----------------------------------------------------------------


def test_publishing_a_reply_links_it_and_notifies_the_parents_author(client):
    me = UserFactory()
    parent = PostFactory()

    response = send(client, "post", "/api/posts", me, {"body": "I agree", "in_reply_to": parent.pk})

    assert response.status_code == 201
    post = Post.objects.get(pk=response.json()["id"])
    assert response.json()["in_reply_to"] == parent.pk
    assert post.in_reply_to == parent
    assert post.conversation == parent.pk
    assert send(client, "get", "/api/notifications", parent.author).json()["items"][0]["kind"] == "reply"


def test_publishing_with_a_null_parent_is_a_first_post(client):
    me = UserFactory()

    response = send(client, "post", "/api/posts", me, {"body": "Hello", "in_reply_to": None})

    assert response.status_code == 201
    assert response.json()["in_reply_to"] is None


@pytest.mark.parametrize("gone", ["deleted", "hidden", "unknown", "huge"])
def test_replying_to_a_post_that_is_not_there_is_a_400(client, gone):
    me = UserFactory()
    parent = PostFactory(author__is_active=gone != "hidden")
    parent_id = {"unknown": parent.pk + 1000, "huge": HUGE_ID}.get(gone, parent.pk)
    if gone == "deleted":
        parent.delete()

    response = send(client, "post", "/api/posts", me, {"body": "Hello", "in_reply_to": parent_id})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["in_reply_to"]
    assert "reply to" in response.json()["message"]
    assert not Post.objects.filter(author=me).exists()


@pytest.mark.parametrize("value", ["1", True, False, 1.5, [1], {"id": 1}, 0, -3])
def test_in_reply_to_must_be_a_post_id(client, value):
    me = UserFactory()
    PostFactory()

    response = send(client, "post", "/api/posts", me, {"body": "Hello", "in_reply_to": value})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["in_reply_to"]
    assert not Post.objects.filter(author=me).exists()


def test_a_reply_refused_by_the_service_is_a_400_on_the_field(client, monkeypatch):
    me = UserFactory()
    parent = PostFactory()

    def refuse(**kwargs):
        raise services.ReplyRefused("The post you replied to has been deleted.")

    monkeypatch.setattr(services, "publish_post", refuse)
    response = send(client, "post", "/api/posts", me, {"body": "Hello", "in_reply_to": parent.pk})

    assert response.status_code == 400
    assert response.json()["errors"] == {"in_reply_to": ["The post you replied to has been deleted."]}


@pytest.mark.parametrize(
    "raw", ['{"body": "hi", "in_reply_to": ', '{"body": "hi", "in_reply_to": ' + "[" * 100 + "]" * 100 + "}"]
)
def test_malformed_or_deeply_nested_json_is_a_400(client, raw):
    me = UserFactory()

    response = client.post("/api/posts", raw, content_type="application/json", headers=bearer(me))

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


# --- context ----------------------------------------------------------------------------


def _row(pk, parent=None, minute=0):
    created_at = datetime(2026, 1, 1) + timedelta(minutes=minute)
    return SimpleNamespace(pk=pk, in_reply_to_id=parent, is_reply=parent is not None, created_at=created_at)


def test_the_thread_walks_up_to_a_missing_parent_and_down_depth_first_oldest_first():
    post = _row(3, parent=2, minute=2)
    rows = [
        _row(2, parent=99, minute=1),  # its parent (99) is not among the rows: deleted or hidden
        post,
        _row(5, parent=3, minute=5),
        _row(4, parent=3, minute=3),
        _row(6, parent=4, minute=6),
        _row(7, parent=2, minute=7),  # a sibling of the post: in neither list
    ]

    thread = thread_of(post, rows)

    assert [row.pk if row else None for row in thread.ancestors] == [None, 2]  # None: where 99 was
    assert [row.pk for row in thread.descendants()] == [4, 6, 5]


def test_context_lists_ancestors_oldest_first_and_descendants_in_thread_order(client):
    me = UserFactory()
    root = PostFactory()
    middle = reply(root)
    post = reply(middle)
    first, second = reply(post), reply(post)
    under_first = reply(first)
    reply(root)  # a sibling branch: neither above nor below

    data = send(client, "get", f"/api/posts/{post.pk}/context", me).json()

    assert [item["id"] for item in data["ancestors"]] == [root.pk, middle.pk]
    assert [item["id"] for item in data["descendants"]] == [first.pk, under_first.pk, second.pk]
    assert data["descendants"][0]["in_reply_to"] == post.pk


def test_context_of_a_first_post_has_every_reply_and_no_ancestors(client):
    me = UserFactory()
    root = PostFactory()
    answer = reply(root)

    data = send(client, "get", f"/api/posts/{root.pk}/context", me).json()

    assert data == {"ancestors": [], "descendants": [data["descendants"][0]]}
    assert data["descendants"][0]["id"] == answer.pk


def test_context_stops_at_a_deleted_parent_and_skips_hidden_posts(client):
    me = UserFactory()
    root = PostFactory()
    gone = reply(root)
    post = reply(gone)
    hidden = reply(post)
    reply(hidden)  # under a hidden post: not shown either
    shown = reply(post)
    gone.delete()
    hidden.author.is_active = False
    hidden.author.save()

    data = send(client, "get", f"/api/posts/{post.pk}/context", me).json()

    assert data["ancestors"] == []
    assert [item["id"] for item in data["descendants"]] == [shown.pk]


def test_context_carries_the_callers_state(client):
    me = UserFactory()
    root = PostFactory()
    post = reply(root)
    LikeFactory(post=root, user=me)

    data = send(client, "get", f"/api/posts/{post.pk}/context", me).json()

    assert data["ancestors"][0]["liked"] is True


@pytest.mark.parametrize("which", ["unknown", "huge", "hidden"])
def test_context_of_a_post_that_is_not_there_is_a_404(client, which):
    me = UserFactory()
    post = PostFactory(author__is_active=False)
    post_id = {"unknown": post.pk + 1000, "huge": HUGE_ID}.get(which, post.pk)

    response = send(client, "get", f"/api/posts/{post_id}/context", me)

    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


def test_context_costs_the_same_queries_for_a_short_and_a_long_thread(client, django_assert_num_queries):
    me = UserFactory()
    short, long = PostFactory(), PostFactory()
    reply(short)
    parent = long
    for _index in range(25):
        parent = reply(parent)
        LikeFactory(post=parent)
        BoostFactory(post=parent)
    headers = bearer(me)

    # token, blocks and mutes, the post's conversation id, the conversation's shape, its posts
    with django_assert_num_queries(5):
        client.get(f"/api/posts/{short.pk}/context", headers=headers)
    with django_assert_num_queries(5):
        response = client.get(f"/api/posts/{long.pk}/context", headers=headers)
    assert len(response.json()["descendants"]) == 25


# --- like, boost, bookmark --------------------------------------------------------------

REACTIONS = [("like", "like_count", "liked"), ("boost", "boost_count", "boosted"), ("bookmark", None, "bookmarked")]


@pytest.mark.parametrize(("path", "counter", "state"), REACTIONS)
def test_a_reaction_is_idempotent_and_answers_the_fresh_post(client, path, counter, state):
    me = UserFactory()
    post = PostFactory()

    first = send(client, "post", f"/api/posts/{post.pk}/{path}", me)
    again = send(client, "post", f"/api/posts/{post.pk}/{path}", me)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()[state] is again.json()[state] is True
    if counter:
        assert first.json()[counter] == again.json()[counter] == 1

    undone = send(client, "delete", f"/api/posts/{post.pk}/{path}", me)
    undone_again = send(client, "delete", f"/api/posts/{post.pk}/{path}", me)

    assert (undone.status_code, undone_again.status_code) == (200, 200)
    assert undone.json()[state] is undone_again.json()[state] is False
    if counter:
        assert undone.json()[counter] == 0


def test_like_counts_follow_several_callers(client):
    ann, bob = UserFactory.create_batch(2)
    post = PostFactory()

    send(client, "post", f"/api/posts/{post.pk}/like", ann)
    as_bob = send(client, "post", f"/api/posts/{post.pk}/like", bob).json()
    after_unlike = send(client, "delete", f"/api/posts/{post.pk}/like", ann).json()

    assert as_bob["like_count"] == 2
    assert after_unlike["like_count"] == 1
    assert after_unlike["liked"] is False
    assert Like.objects.filter(post=post).get().user == bob


def test_a_like_notifies_the_author_and_unliking_takes_it_back(client):
    me = UserFactory()
    post = PostFactory()

    send(client, "post", f"/api/posts/{post.pk}/like", me)
    notified = send(client, "get", "/api/notifications", post.author).json()
    send(client, "delete", f"/api/posts/{post.pk}/like", me)
    after = send(client, "get", "/api/notifications", post.author).json()

    assert [(item["kind"], item["actor"]["id"], item["post"]["id"]) for item in notified["items"]] == [
        ("like", me.pk, post.pk)
    ]
    assert after["items"] == []


@pytest.mark.parametrize("path", ["like", "boost", "bookmark"])
@pytest.mark.parametrize("method", ["post", "delete"])
@pytest.mark.parametrize("which", ["unknown", "huge", "hidden"])
def test_reacting_to_a_post_that_is_not_there_is_a_404(client, path, method, which):
    me = UserFactory()
    post = PostFactory(author__is_active=False)
    post_id = {"unknown": post.pk + 1000, "huge": HUGE_ID}.get(which, post.pk)

    response = send(client, method, f"/api/posts/{post_id}/{path}", me)

    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"
    assert not Like.objects.exists()
    assert not Bookmark.objects.exists()


def test_reactions_are_throttled_like_other_writes(client, settings):
    settings.RATELIMIT_ENABLED = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "writes": "2/min"},
    }
    me = UserFactory()
    post = PostFactory()
    headers = bearer(me)

    statuses = [client.post(f"/api/posts/{post.pk}/like", headers=headers).status_code for _index in range(3)]

    assert statuses == [200, 200, 429]


def test_a_reaction_ignores_any_body(client):
    me = UserFactory()
    post = PostFactory()

    response = send(client, "post", f"/api/posts/{post.pk}/like", me, {"liked": False})

    assert response.status_code == 200
    assert response.json()["liked"] is True


# --- collections ------------------------------------------------------------------------


def test_a_tag_lists_its_posts_newest_first_in_any_letter_case(client):
    me = UserFactory()
    older = services.publish_post(author=UserFactory(), body="Learning #Django")
    newer = services.publish_post(author=UserFactory(), body="More #django today")
    services.publish_post(author=UserFactory(), body="Nothing to see #python")

    data = send(client, "get", "/api/tags/DJANGO/posts", me).json()

    assert [item["id"] for item in data["items"]] == [newer.pk, older.pk]
    assert data["_meta"]["total_items"] == 2
    assert data["_links"]["self"] == "/api/tags/DJANGO/posts?page=1&per_page=10"


@pytest.mark.parametrize("tag", ["nobody", "x" * 65, "12", "a%00b", "%F0%9F%98%80", "a-b"])
def test_an_unknown_or_impossible_tag_is_an_empty_collection(client, tag):
    me = UserFactory()
    services.publish_post(author=me, body="#django")

    response = send(client, "get", f"/api/tags/{tag}/posts", me)

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["_meta"]["total_items"] == 0


def test_a_tag_page_leaves_out_hidden_authors(client):
    me = UserFactory()
    services.publish_post(author=UserFactory(is_active=False), body="#django")

    assert send(client, "get", "/api/tags/django/posts", me).json()["items"] == []


def test_bookmarks_are_the_callers_own_newest_bookmark_first(client):
    me, other = UserFactory.create_batch(2)
    older_post, newer_post = PostFactory(), PostFactory()
    services.bookmark_post(user=me, post=newer_post)
    services.bookmark_post(user=me, post=older_post)  # bookmarked last: listed first
    services.bookmark_post(user=other, post=newer_post)
    BookmarkFactory(user=other)

    data = send(client, "get", "/api/bookmarks", me).json()

    assert [item["id"] for item in data["items"]] == [older_post.pk, newer_post.pk]
    assert all(item["bookmarked"] for item in data["items"])
    assert data["_meta"]["total_items"] == 2


def test_notifications_are_the_callers_newest_first_in_the_user_shape(client):
    me, fan = UserFactory.create_batch(2)
    post = PostFactory(author=me)
    follow_user(follower=fan, followed=me)
    services.like_post(user=fan, post=post)
    services.like_post(user=me, post=PostFactory())  # someone else's notification

    data = send(client, "get", "/api/notifications", me).json()

    assert [item["kind"] for item in data["items"]] == ["like", "follow"]
    like, follow = data["items"]
    assert set(like) == {"id", "kind", "created_at", "actor", "post"}
    assert like["actor"]["id"] == fan.pk
    assert like["actor"]["_links"]["self"] == f"/api/users/{fan.pk}"
    assert "email" not in like["actor"]
    assert like["post"]["id"] == post.pk
    assert like["post"]["like_count"] == 1
    assert follow["post"] is None


# --- authentication ---------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/posts/{pk}/context"),
    ("post", "/api/posts/{pk}/like"),
    ("delete", "/api/posts/{pk}/like"),
    ("post", "/api/posts/{pk}/boost"),
    ("delete", "/api/posts/{pk}/boost"),
    ("post", "/api/posts/{pk}/bookmark"),
    ("delete", "/api/posts/{pk}/bookmark"),
    ("get", "/api/tags/django/posts"),
    ("get", "/api/bookmarks"),
    ("get", "/api/notifications"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_conversation_endpoint_needs_a_token(client, method, path):
    post = PostFactory()

    response = send(client, method, path.format(pk=post.pk))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert not Like.objects.exists()


@pytest.mark.parametrize("path", ["/api/posts/{pk}/context", "/api/bookmarks", "/api/notifications"])
def test_a_read_only_endpoint_refuses_writes_with_a_405(client, path):
    me = UserFactory()
    post = PostFactory()

    response = send(client, "post", path.format(pk=post.pk), me, {})

    assert response.status_code == 405


# --- query ceilings ---------------------------------------------------------------------


def _busy_posts(count: int, me, friend):
    """Replies by `friend` (whom `me` follows) naming `me`, tagged, liked, boosted and bookmarked by `me`."""
    root = PostFactory()
    for _index in range(count):
        post = services.publish_post(author=friend, body=f"#django @{me.username}", in_reply_to=root)
        LikeFactory(post=post)
        BoostFactory(post=post, user=me)
        services.like_post(user=me, post=post)
        services.bookmark_post(user=me, post=post)


def _count_queries(client, path, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("path", "ceiling"),
    [
        # Each: the token, the caller's blocks and mutes, then
        # the tag, a capped count, the page
        ("/api/tags/django/posts", 5),
        # count, page
        ("/api/bookmarks", 4),
        # capped count, the page with the actors, the page's posts
        ("/api/notifications", 5),
        ("/api/posts", 4),
        # capped count, the home timeline's entries (its posts, its boosts), their posts
        ("/api/feed", 6),
        # the author, count, page
        ("/api/users/{friend}/posts", 5),
    ],
)
def test_conversation_collections_cost_the_same_queries_at_1_and_25_posts(client, path, ceiling):
    me, friend = UserFactory.create_batch(2)
    follow_user(follower=me, followed=friend)
    headers = bearer(me)
    path = path.format(friend=friend.pk) + "?per_page=25"

    _busy_posts(1, me, friend)
    one = _count_queries(client, path, headers)
    assert client.get(path, headers=headers).json()["items"]
    _busy_posts(24, me, friend)
    many = _count_queries(client, path, headers)

    assert one == many <= ceiling
    assert len(client.get(path, headers=headers).json()["items"]) == 25


def test_a_reaction_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    me, friend = UserFactory.create_batch(2)
    _busy_posts(1, me, friend)
    post = Post.objects.filter(author=friend).get()
    services.unlike_post(user=me, post=post)
    headers = bearer(me)

    # token, blocks and mutes, the post, the savepoint and insert of the like, whether its
    # author keeps the liker away, its notification, the post again
    with django_assert_max_num_queries(11):
        response = client.post(f"/api/posts/{post.pk}/like", headers=headers)

    assert response.json()["like_count"] == 2
    assert response.json()["liked"] is True
