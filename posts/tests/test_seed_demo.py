"""seed_demo's conversations: replies, reactions, tags, mentions, notifications, counters, sparse users."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F

from accounts.models import Follow, User
from microblog.counters import COUNTERS, drift
from posts.entities import parse, tag_key
from posts.management.commands import seed_demo
from posts.models import Activity, Bookmark, Boost, Like, Mention, Post, Tagging

pytestmark = pytest.mark.django_db

USERS, POSTS, SPARSE = 60, 600, 20


@pytest.fixture
def seeded():
    """A small demo data set: 60 users (the last 20 with uniform follows), 600 posts."""
    call_command(
        "seed_demo",
        users=USERS,
        posts=POSTS,
        follows_per_user=8,
        sparse_users=SPARSE,
        stdout=StringIO(),
        stderr=StringIO(),
    )


def test_about_a_fifth_of_the_posts_are_replies_in_threads_several_levels_deep(seeded):
    posts = {post.pk: post for post in Post.objects.only("in_reply_to", "conversation", "author", "created_at")}
    replies = [post for post in posts.values() if post.in_reply_to_id]

    def root_and_depth(post):
        depth = 0
        while post.in_reply_to_id:
            post, depth = posts[post.in_reply_to_id], depth + 1
        return post.pk, depth

    assert 0.12 * POSTS < len(replies) < 0.25 * POSTS
    assert all(root_and_depth(reply)[0] == reply.conversation for reply in replies)
    assert all(posts[reply.in_reply_to_id].created_at <= reply.created_at for reply in replies)
    assert max(root_and_depth(reply)[1] for reply in replies) >= 3
    assert all(post.conversation is None for post in posts.values() if not post.in_reply_to_id)


def test_one_long_thread_is_seeded_for_the_thread_page(seeded):
    longest = Post.objects.filter(conversation__isnull=False).values("conversation").annotate(n=Count("pk"))

    assert max(row["n"] for row in longest) >= min(seed_demo.BIG_THREAD, POSTS // 20)


def test_likes_boosts_and_bookmarks_are_spread_skewed_to_popular_posts(seeded):
    likes = Like.objects.count()
    per_post = Counter(Like.objects.values_list("post", flat=True))

    assert 2 * POSTS < likes <= seed_demo.LIKES_PER_POST * POSTS
    assert 0.1 * POSTS < Boost.objects.count() <= 0.3 * POSTS
    assert Bookmark.objects.count() > 0.05 * POSTS
    # Skewed: the tenth most liked posts hold far more than a tenth of the likes.
    top = sum(count for _post, count in per_post.most_common(POSTS // 10))
    assert top > 0.3 * likes
    assert not Like.objects.filter(user=F("post__author")).exists()


def test_tags_and_mentions_are_the_rows_the_bodies_name(seeded):
    taggings = Counter(Tagging.objects.values_list("post", "tag__key"))
    mentions = Counter(Mention.objects.values_list("post", "user__username"))
    expected_tags, expected_mentions = Counter(), Counter()
    for pk, body in Post.objects.values_list("pk", "body"):
        entities = parse(body)
        expected_tags.update((pk, tag_key(name)) for name in entities.tags)
        expected_mentions.update((pk, name) for name in entities.mentions)

    assert taggings == expected_tags
    assert mentions == expected_mentions
    assert len(taggings) > 0.05 * POSTS
    assert len(mentions) > 0.02 * POSTS
    assert all(tagging.created_at == tagging.post.created_at for tagging in Tagging.objects.select_related("post"))


def test_every_event_has_its_notification(seeded):
    kinds = Counter(Activity.objects.values_list("kind", flat=True))
    replies_to_others = Post.objects.filter(in_reply_to__isnull=False).exclude(in_reply_to__author=F("author"))
    mentions_of_others = [
        mention
        for mention in Mention.objects.select_related("post__in_reply_to")
        if mention.user_id != mention.post.author_id
        and (mention.post.in_reply_to is None or mention.user_id != mention.post.in_reply_to.author_id)
    ]

    assert kinds["follow"] == Follow.objects.count()
    assert kinds["like"] == Like.objects.count()
    assert kinds["boost"] == Boost.objects.exclude(user=F("post__author")).count()
    assert kinds["reply"] == replies_to_others.count()
    assert kinds["mention"] == len(mentions_of_others) > 0
    like = Activity.objects.filter(kind="like").select_related("like__post").first()
    assert (like.post_id, like.recipient_id, like.actor_id) == (
        like.like.post_id,
        like.like.post.author_id,
        like.like.user_id,
    )


def test_counters_equal_the_real_counts(seeded):
    assert {counter.name: drift(connection, counter) for counter in COUNTERS} == {
        counter.name: 0 for counter in COUNTERS
    }
    assert User.objects.filter(unread_activity_count__gt=0).exists()
    assert Post.objects.filter(like_count__gt=0, reply_count__gt=0, boost_count__gt=0).exists()


def test_sparse_users_follow_people_picked_uniformly(seeded):
    people = list(User.objects.order_by("pk").values_list("pk", flat=True))
    popular = set(people[: USERS // 10])
    dense, sparse = set(people[: USERS - SPARSE]), set(people[USERS - SPARSE :])

    def popular_share(followers):
        followed = list(Follow.objects.filter(follower__in=followers).values_list("followed", flat=True))
        return sum(pk in popular for pk in followed) / len(followed), len(followed)

    dense_share, _count = popular_share(dense)
    sparse_share, sparse_count = popular_share(sparse)

    # The tenth most popular get a tenth of the uniform follows, far more of the others.
    assert dense_share > 0.25
    assert sparse_share < 0.2
    assert sparse_count == SPARSE * 8


@pytest.mark.postgres
def test_postgresql_inserts_without_triggers_then_recounts():
    call_command("seed_demo", users=30, posts=300, follows_per_user=5, stdout=StringIO(), stderr=StringIO())

    assert {counter.name: drift(connection, counter) for counter in COUNTERS} == {
        counter.name: 0 for counter in COUNTERS
    }
    assert Post.objects.filter(like_count__gt=0).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
