"""The home feed's boosts: who counts as a booster, and where a boosted post appears."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import FollowFactory, UserFactory
from posts import timelines
from posts.tests.factories import BoostFactory, PostFactory

pytestmark = pytest.mark.django_db


def home_entries(user):
    """Return the first page of `user`'s home feed as (post id, booster) pairs."""
    return [(entry["entry_post"], entry["entry_by"]) for entry in timelines.home(user).entries(limit=25)]


def test_a_post_appears_once_at_its_newest_boost_by_a_follow_or_by_me():
    me, friend, other, stranger = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    FollowFactory(follower=me, followed=friend)
    FollowFactory(follower=me, followed=other)
    now = timezone.now()
    old = PostFactory(author=stranger, created_at=now - timedelta(days=3))
    mine = PostFactory(author=stranger, created_at=now - timedelta(days=2))
    BoostFactory(user=friend, post=old, created_at=now - timedelta(hours=5))
    BoostFactory(user=other, post=old, created_at=now - timedelta(hours=1))
    BoostFactory(user=me, post=mine, created_at=now - timedelta(hours=3))
    BoostFactory(user=stranger, post=PostFactory(author=stranger))  # not followed: not shown

    assert home_entries(me) == [(old.pk, other.username), (mine.pk, me.username)]


def test_a_followed_authors_boosted_post_is_listed_at_the_boost_only():
    me, friend = UserFactory(), UserFactory()
    FollowFactory(follower=me, followed=friend)
    now = timezone.now()
    post = PostFactory(author=friend, created_at=now - timedelta(days=1))
    newer = PostFactory(author=friend, created_at=now - timedelta(hours=2))
    BoostFactory(user=friend, post=post, created_at=now - timedelta(hours=1))

    assert home_entries(me) == [(post.pk, friend.username), (newer.pk, "")]


def test_boosts_by_deactivated_people_or_of_their_posts_are_left_out():
    me, friend, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    FollowFactory(follower=me, followed=friend)
    FollowFactory(follower=me, followed=gone)
    BoostFactory(user=friend, post=PostFactory(author=gone))
    BoostFactory(user=gone, post=PostFactory(author=UserFactory()))

    assert home_entries(me) == []
