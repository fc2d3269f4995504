"""Timelines: which entries each list holds, in which order, and how its pages are walked (posts/timelines.py).

Run on SQLite and on PostgreSQL: PostgreSQL cuts each source to the page inside the
UNION, SQLite sorts the whole union; both must give the same pages.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import FollowFactory, UserFactory
from posts import services, timelines
from posts.models import Tag
from posts.rendering import load_mentions, mention_names
from posts.tests.factories import (
    BookmarkFactory,
    BoostFactory,
    LikeFactory,
    MentionFactory,
    PostFactory,
    ReplyFactory,
    TagFactory,
    TaggingFactory,
)
from posts.timelines import Cursor, load_posts, timeline_page

pytestmark = pytest.mark.django_db

T0 = timezone.now() - timedelta(days=1)


def at(minute: int):
    return T0 + timedelta(minutes=minute)


def shown(timeline, viewer=None, limit=100) -> list[tuple[str, str]]:
    """(body, booster) of every entry, newest first."""
    viewer = viewer or AnonymousUser()
    return [(post.body, post.boosted_by) for post in load_posts(timeline.entries(limit=limit), viewer)]


def page_params(param: str) -> dict:
    name, value = param.split("=", 1)
    return {name: value}


def walk(timeline, per_page, viewer=None):
    """Follow the "Older" links from the first page; return the pages' (post id, booster) lists."""
    viewer = viewer or AnonymousUser()
    page, pages = timeline_page(timeline, {}, viewer, per_page), []
    while True:
        pages.append([(post.pk, post.boosted_by) for post in page])
        if not page.has_next():
            return pages, page
        page = timeline_page(timeline, page_params(page.next_param), viewer, per_page)


@pytest.fixture
def me():
    return UserFactory(username="me")


@pytest.fixture
def friend(me):
    friend = UserFactory(username="friend")
    FollowFactory(follower=me, followed=friend)
    return friend


@pytest.fixture
def pal(me):
    pal = UserFactory(username="pal")
    FollowFactory(follower=me, followed=pal)
    return pal


@pytest.fixture
def stranger():
    return UserFactory(username="stranger")


# Home ------------------------------------------------------------------------------------------


def test_home_holds_own_and_followed_posts_and_the_boosts_of_self_and_followed(me, friend, stranger):
    PostFactory(author=me, body="mine", created_at=at(1))
    PostFactory(author=friend, body="friend's", created_at=at(2))
    elsewhere = PostFactory(author=stranger, body="stranger's", created_at=at(3))
    other = PostFactory(author=stranger, body="another stranger's", created_at=at(4))
    BoostFactory(user=friend, post=elsewhere, created_at=at(5))
    BoostFactory(user=me, post=other, created_at=at(6))
    BoostFactory(user=stranger, post=PostFactory(author=stranger, body="unseen", created_at=at(7)), created_at=at(8))

    assert shown(timelines.home(me)) == [
        ("another stranger's", "me"),
        ("stranger's", "friend"),
        ("friend's", ""),
        ("mine", ""),
    ]


def test_a_post_appears_once_at_its_newest_boost_by_someone_followed(me, friend, pal, stranger):
    post = PostFactory(author=friend, body="boosted twice", created_at=at(1))
    PostFactory(author=me, body="between", created_at=at(3))
    BoostFactory(user=pal, post=post, created_at=at(2))
    BoostFactory(user=me, post=post, created_at=at(4))
    BoostFactory(user=stranger, post=post, created_at=at(5))  # not followed: not the newest that counts

    assert shown(timelines.home(me)) == [("boosted twice", "me"), ("between", "")]


def test_two_boosts_at_the_same_time_show_the_post_once(me, friend, pal, stranger):
    post = PostFactory(author=stranger, body="same instant", created_at=at(1))
    BoostFactory(user=friend, post=post, created_at=at(2))
    later = BoostFactory(user=pal, post=post, created_at=at(2))

    assert shown(timelines.home(me)) == [("same instant", later.user.username)]


def test_unboosting_puts_a_followed_authors_post_back_at_its_own_time(me, friend, pal):
    post = PostFactory(author=friend, body="theirs", created_at=at(1))
    PostFactory(author=me, body="mine", created_at=at(2))
    services.boost_post(user=pal, post=post)
    assert shown(timelines.home(me))[0] == ("theirs", "pal")

    services.unboost_post(user=pal, post=post)

    assert shown(timelines.home(me)) == [("mine", ""), ("theirs", "")]


def test_unboosting_a_strangers_post_takes_it_away(me, friend, stranger):
    post = PostFactory(author=stranger, body="theirs", created_at=at(1))
    services.boost_post(user=friend, post=post)
    assert shown(timelines.home(me)) == [("theirs", "friend")]

    services.unboost_post(user=friend, post=post)

    assert shown(timelines.home(me)) == []


def deactivate(user):
    account_services.deactivate_users(users=User.objects.filter(pk=user.pk))


def test_boosts_by_deactivated_people_and_of_deactivated_authors_are_hidden(me, friend, pal, stranger):
    spammers_pick = PostFactory(author=stranger, body="picked by a spammer", created_at=at(1))
    BoostFactory(user=pal, post=spammers_pick, created_at=at(2))
    hidden_author = UserFactory()
    BoostFactory(user=friend, post=PostFactory(author=hidden_author, body="by a spammer", created_at=at(3)))

    deactivate(pal)
    deactivate(hidden_author)

    assert shown(timelines.home(me)) == []


def test_a_deactivated_boosters_boost_does_not_hide_the_post_or_an_older_boost(me, friend, pal, stranger):
    """The post stays at its own time (author followed) or at the newest boost still shown."""
    followed_post = PostFactory(author=friend, body="friend's", created_at=at(1))
    strangers_post = PostFactory(author=stranger, body="stranger's", created_at=at(2))
    BoostFactory(user=pal, post=followed_post, created_at=at(3))
    BoostFactory(user=friend, post=strangers_post, created_at=at(4))
    BoostFactory(user=pal, post=strangers_post, created_at=at(5))

    deactivate(pal)

    assert shown(timelines.home(me)) == [("stranger's", "friend"), ("friend's", "")]


# Paging by cursor ------------------------------------------------------------------------------


@pytest.fixture
def busy_home(me, friend, pal, stranger):
    """A home feed of 11 entries: posts and boosts, several at the very same time."""
    for minute, author in [(1, me), (2, friend), (2, pal), (2, me), (3, friend), (5, pal), (5, friend)]:
        PostFactory(author=author, created_at=at(minute))
    for minute, booster in [(4, friend), (4, pal), (5, me), (6, friend)]:
        BoostFactory(user=booster, post=PostFactory(author=stranger, created_at=at(0)), created_at=at(minute))
    timeline = timelines.home(me)
    expected = [(entry["entry_post"], entry["entry_by"]) for entry in timeline.entries(limit=100)]
    assert len(expected) == 11
    return timeline, expected


@pytest.mark.parametrize("per_page", [1, 2, 3, 5, 11, 20])
def test_walking_the_cursors_visits_every_entry_once_in_order(busy_home, per_page):
    timeline, expected = busy_home

    pages, last = walk(timeline, per_page)

    assert [entry for page in pages for entry in page] == expected
    assert all(len(page) == per_page for page in pages[:-1])
    assert not last.has_next()


def test_the_newer_links_walk_back_to_the_first_page(busy_home):
    timeline, expected = busy_home
    pages, page = walk(timeline, 3)

    back = [[(post.pk, post.boosted_by) for post in page]]
    while page.has_previous() and page.previous_param.startswith("after="):
        page = timeline_page(timeline, page_params(page.previous_param), AnonymousUser(), 3)
        back.append([(post.pk, post.boosted_by) for post in page])

    assert back[::-1] == pages
    assert not page.has_previous()


def test_page_numbers_give_the_pages_of_the_walk(busy_home):
    timeline, _expected = busy_home
    pages, _last = walk(timeline, 3)

    numbered = [
        [(post.pk, post.boosted_by) for post in timeline_page(timeline, {"page": str(n)}, AnonymousUser(), 3)]
        for n in range(1, len(pages) + 1)
    ]

    assert numbered == pages
    assert timeline_page(timeline, {"page": "1"}, AnonymousUser(), 3).is_first
    assert not timeline_page(timeline, {"page": str(len(pages))}, AnonymousUser(), 3).has_next()


@pytest.mark.parametrize(
    "params",
    [
        {"before": "garbage"},
        {"after": "12-"},
        {"before": "-5"},
        {"before": "1-0"},
        {"before": "99999999999999999999999-1"},
        {"page": "x"},
        {"page": "-3"},
        {"page": "0"},
    ],
)
def test_a_garbage_cursor_or_page_gives_the_first_page(busy_home, params):
    timeline, expected = busy_home

    page = timeline_page(timeline, params, AnonymousUser(), 4)

    assert [(post.pk, post.boosted_by) for post in page] == expected[:4]
    assert page.has_next()


def test_a_cursor_reads_back_as_itself():
    cursor = Cursor(at(1) + timedelta(microseconds=123457), 42)

    assert Cursor.parse(str(cursor)) == cursor


# The other timelines ---------------------------------------------------------------------------


def test_a_profile_holds_first_posts_and_own_boosts_and_replies_on_request(me, stranger):
    first = PostFactory(author=me, body="first", created_at=at(1))
    ReplyFactory(author=me, in_reply_to=PostFactory(author=stranger, created_at=at(0)), body="reply", created_at=at(2))
    BoostFactory(user=me, post=PostFactory(author=stranger, body="theirs", created_at=at(0)), created_at=at(3))
    BoostFactory(user=me, post=first, created_at=at(4))  # boosting your own post
    PostFactory(author=stranger, body="not mine", created_at=at(5))

    assert shown(timelines.profile(me, with_replies=False)) == [("first", "me"), ("theirs", "me"), ("first", "")]
    assert shown(timelines.profile(me, with_replies=True)) == [
        ("first", "me"),
        ("theirs", "me"),
        ("reply", ""),
        ("first", ""),
    ]


def test_explore_holds_everyones_visible_posts_and_replies_without_boosts(me, stranger):
    PostFactory(author=me, body="one", created_at=at(1))
    ReplyFactory(
        author=stranger, in_reply_to=PostFactory(author=me, body="zero", created_at=at(0)), body="two", created_at=at(2)
    )
    BoostFactory(user=stranger, post=PostFactory(author=me, body="three", created_at=at(3)), created_at=at(4))
    hidden = UserFactory()
    PostFactory(author=hidden, body="hidden", created_at=at(5))
    deactivate(hidden)

    assert [body for body, _booster in shown(timelines.explore())] == ["three", "two", "one", "zero"]


def test_a_tag_page_holds_the_tags_posts_newest_first(me, stranger):
    django, python = TagFactory(name="Django"), TagFactory(name="Python")
    for minute, body, tag in [(1, "old", django), (3, "new", django), (2, "other tag", python)]:
        TaggingFactory(post=PostFactory(author=me, body=body, created_at=at(minute)), tag=tag)
    TaggingFactory(post=PostFactory(author=stranger, body="hidden", created_at=at(4)), tag=django)
    deactivate(stranger)

    assert shown(timelines.tagged(django)) == [("new", ""), ("old", "")]


def test_published_tags_reach_the_tag_page():
    author = UserFactory()
    services.publish_post(author=author, body="first #Django")
    services.publish_post(author=author, body="second #django")

    (tag,) = Tag.objects.all()
    assert [body for body, _booster in shown(timelines.tagged(tag))] == ["second #django", "first #Django"]


def test_bookmarks_are_newest_bookmark_first(me, stranger):
    older_post = PostFactory(author=stranger, body="older post", created_at=at(1))
    newer_post = PostFactory(author=stranger, body="newer post", created_at=at(2))
    BookmarkFactory(user=me, post=newer_post, created_at=at(3))
    BookmarkFactory(user=me, post=older_post, created_at=at(4))
    BookmarkFactory(user=stranger, post=newer_post, created_at=at(5))

    assert shown(timelines.bookmarks(me)) == [("older post", ""), ("newer post", "")]


# Loading the posts of a page -------------------------------------------------------------------


def fill_home(me, count):
    """`count` home entries, each with a reply parent, a mention, a tag, likes and boosts on them."""
    friend, other = UserFactory.create_batch(2)
    FollowFactory(follower=me, followed=friend)
    tag = TagFactory(name="busy")
    for n in range(count):
        parent = PostFactory(author=other, created_at=at(n))
        post = ReplyFactory(
            author=friend, in_reply_to=parent, body=f"@{other.username} #busy", created_at=at(n) + timedelta(seconds=1)
        )
        MentionFactory(post=post, user=other)
        TaggingFactory(post=post, tag=tag)
        LikeFactory(post=post, user=me)
        LikeFactory(post=post)
        BookmarkFactory(post=post, user=me)
        if n % 2:  # half of the page are boosts, of strangers' posts
            BoostFactory(user=friend, post=parent, created_at=at(n) + timedelta(seconds=2))


@pytest.mark.parametrize("count", [1, 25])
def test_a_page_costs_five_queries_whatever_it_shows(me, count, django_assert_num_queries):
    fill_home(me, count)
    timeline = timelines.home(me)

    # the viewer's blocks and mutes, the posts source, the boosts source, the posts, their mentions
    with django_assert_num_queries(5):
        page = timeline_page(timeline, {}, me, 25)
        load_mentions(page)  # as render_posts() does
        # Everything posts/_post.html reads, without another query.
        for post in page:
            _ = (post.author.username, post.liked, post.boosted, post.bookmarked, post.like_count)
            _ = mention_names(post)
            if post.in_reply_to_id:
                _ = post.in_reply_to.author.username

    assert len(page) == min(25, count + count // 2)


# 2: the page after the first entry must hold posts (an empty page costs the entries query only).
@pytest.mark.parametrize("count", [2, 25])
def test_a_cursor_page_costs_four_queries_once_the_boundaries_are_read(me, count, django_assert_num_queries):
    fill_home(me, count)
    timeline = timelines.home(me)
    first = timeline_page(timeline, {}, me, 1)  # reads the viewer's blocks and mutes, kept on `me`

    with django_assert_num_queries(4):
        load_mentions(timeline_page(timeline, page_params(first.next_param), me, 25))


def test_each_viewer_sees_their_own_state(me, stranger):
    post = PostFactory(author=stranger)
    services.like_post(user=me, post=post)
    services.bookmark_post(user=stranger, post=post)
    services.boost_post(user=stranger, post=post)
    entries = timelines.explore().entries(limit=10)

    (mine,) = load_posts(entries, me)
    (theirs,) = load_posts(entries, stranger)
    (anonymous,) = load_posts(entries, AnonymousUser())

    assert (mine.liked, mine.boosted, mine.bookmarked) == (True, False, False)
    assert (theirs.liked, theirs.boosted, theirs.bookmarked) == (False, True, True)
    assert not hasattr(anonymous, "liked")
    assert (mine.like_count, mine.boost_count) == (1, 1)


def test_a_post_deleted_between_the_two_queries_is_left_out(me, stranger):
    kept, gone = PostFactory(author=stranger, created_at=at(1)), PostFactory(author=stranger, created_at=at(2))
    entries = timelines.explore().entries(limit=10)
    gone.delete()

    assert [post.pk for post in load_posts(entries, me)] == [kept.pk]


class RolledBack(Exception):
    """Raised to undo one generated example's rows."""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layout=st.lists(
        st.tuples(st.sampled_from(["me", "friend", "pal", "stranger"]), st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=12,
    ),
    per_page=st.integers(1, 4),
)
def test_any_mix_of_posts_and_boosts_at_equal_times_is_walked_once_in_order(layout, per_page):
    """Each example: posts (a few minutes apart, many at once), some boosted by one of the people."""
    try:
        with transaction.atomic():
            me, friend, pal, stranger = (UserFactory() for _n in range(4))
            FollowFactory(follower=me, followed=friend)
            FollowFactory(follower=me, followed=pal)
            people = {"me": me, "friend": friend, "pal": pal, "stranger": stranger}
            for n, (person, minute, boosted) in enumerate(layout):
                post = PostFactory(author=people[person], created_at=at(minute))
                if boosted:
                    booster = people[["me", "friend", "pal", "stranger"][n % 4]]
                    BoostFactory(user=booster, post=post, created_at=at(minute + n % 2))
            timeline = timelines.home(me)
            expected = [(entry["entry_post"], entry["entry_by"]) for entry in timeline.entries(limit=100)]

            pages, _last = walk(timeline, per_page)

            walked = [entry for page in pages for entry in page]
            assert walked == expected
            assert len({post_id for post_id, _booster in walked}) == len(walked)  # once each in a home feed
            raise RolledBack
    except RolledBack:
        pass
