"""User, Follow and Notification: the tutorial's model tests, ported, and what we added."""

import math
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.avatars import identicon_seed, identicon_svg
from accounts.models import Follow, Notification, User
from accounts.tests.factories import FollowFactory, NotificationFactory, UserFactory
from microblog.counters import COUNTERS, drift

pytestmark = pytest.mark.django_db


def test_password_hashing():
    user = User(username="susan", email="susan@example.com")

    user.set_password("cat")

    assert user.password != "cat"
    assert not user.check_password("dog")
    assert user.check_password("cat")


@override_settings(AVATAR_PROVIDER="gravatar")
def test_avatar_is_gravatar_when_configured():
    user = User(username="john", email="john@example.com")

    assert user.avatar(128) == ("https://www.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?d=identicon&s=128")


@override_settings(AVATAR_PROVIDER="gravatar")
def test_gravatar_hash_ignores_the_email_case():
    assert User(email="John@Example.COM").avatar(64) == User(email="john@example.com").avatar(64)


def test_avatar_is_a_local_identicon_by_default():
    user = User(username="john", email="john@example.com")

    url = user.avatar(128)

    assert url == reverse("accounts:identicon", args=[identicon_seed("john@example.com")]) + "?s=128"
    assert "john" not in url  # the seed is a hash: the URL does not reveal the email
    assert user.avatar_small.endswith("?s=48")
    assert user.avatar_large.endswith("?s=128")


def test_identicon_is_deterministic_and_differs_between_users():
    assert identicon_svg("abc", 64) == identicon_svg("abc", 64)
    assert identicon_svg("abc", 64) != identicon_svg("abd", 64)
    assert 'width="64"' in identicon_svg("abc", 64)


@pytest.mark.parametrize("seed", ["a", "b", "c", "john", "susan"])
def test_identicon_cells_stay_inside_the_circle_pages_crop_avatars_to(seed):
    svg = identicon_svg(seed)
    left, top, width, height = (float(n) for n in re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    centre_x, centre_y, radius = left + width / 2, top + height / 2, min(width, height) / 2

    for x, y in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="1" height="1"/>', svg):
        for corner_x, corner_y in [(0, 0), (1, 0), (0, 1), (1, 1)]:
            distance = math.hypot(float(x) + corner_x - centre_x, float(y) + corner_y - centre_y)
            assert distance <= radius


def test_follow():
    john, susan = UserFactory(username="john"), UserFactory(username="susan")
    assert john.following.count() == 0
    assert john.followers.count() == 0

    assert services.follow_user(follower=john, followed=susan) is True

    assert john.is_following(susan)
    assert not susan.is_following(john)
    assert list(john.following.all()) == [susan]
    assert list(susan.followers.all()) == [john]
    counted = {user.username: user for user in User.objects.all()}
    assert (counted["john"].following_count, counted["john"].follower_count) == (1, 0)
    assert (counted["susan"].following_count, counted["susan"].follower_count) == (0, 1)

    assert services.unfollow_user(follower=john, followed=susan) is True

    assert not john.is_following(susan)
    counted = {user.username: user for user in User.objects.all()}
    assert counted["john"].following_count == counted["susan"].follower_count == 0


def test_follow_and_unfollow_are_idempotent():
    john, susan = UserFactory.create_batch(2)

    first = services.follow_user(follower=john, followed=susan)
    second = services.follow_user(follower=john, followed=susan)

    assert (first, second) == (True, False)
    assert Follow.objects.count() == 1
    assert services.unfollow_user(follower=john, followed=susan) is True
    assert services.unfollow_user(follower=john, followed=susan) is False
    assert Follow.objects.count() == 0


def test_a_duplicate_follow_inside_a_transaction_leaves_it_usable():
    john, susan = UserFactory.create_batch(2)
    FollowFactory(follower=john, followed=susan)

    with transaction.atomic():
        assert services.follow_user(follower=john, followed=susan) is False
        # The savepoint rolled back only the failed INSERT; the transaction goes on.
        assert User.objects.count() == 2


def test_following_yourself_is_refused_by_the_service():
    john = UserFactory()

    with pytest.raises(ValidationError, match="You cannot follow yourself"):
        services.follow_user(follower=john, followed=john)

    assert not Follow.objects.exists()


def test_the_database_refuses_a_self_follow_and_a_duplicate():
    john, susan = UserFactory.create_batch(2)
    FollowFactory(follower=john, followed=susan)

    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=john, followed=john)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=john, followed=susan)


def test_with_counts_counts_posts_and_both_directions_in_one_query(django_assert_num_queries):
    john, susan, mary, david = UserFactory.create_batch(4)
    FollowFactory(follower=john, followed=susan)
    FollowFactory(follower=john, followed=david)
    FollowFactory(follower=susan, followed=mary)
    FollowFactory(follower=mary, followed=david)
    john.posts.create(body="one")
    john.posts.create(body="two")

    with django_assert_num_queries(1):
        counts = {user.pk: (user.post_count, user.follower_count, user.following_count) for user in User.objects.all()}

    assert counts == {
        john.pk: (2, 0, 2),
        susan.pk: (0, 1, 1),
        mary.pk: (0, 1, 1),
        david.pk: (0, 2, 0),
    }


def test_related_to_lists_followers_and_following_most_recent_first():
    john, susan, mary, david = UserFactory.create_batch(4)
    start = timezone.now() - timedelta(days=1)
    FollowFactory(follower=susan, followed=john, created_at=start)
    FollowFactory(follower=mary, followed=john, created_at=start + timedelta(hours=1))
    FollowFactory(follower=john, followed=david, created_at=start)
    FollowFactory(follower=john, followed=mary, created_at=start + timedelta(hours=2))

    assert list(User.objects.related_to(john, "followers")) == [mary, susan]
    assert list(User.objects.related_to(john, "following")) == [mary, david]
    assert list(User.objects.related_to(david, "following")) == []
    assert list(User.objects.related_to(david, "followers")) == [john]


def test_related_to_hides_deactivated_users():
    john = UserFactory()
    FollowFactory(follower=UserFactory(is_active=False), followed=john)

    assert not User.objects.related_to(john, "followers").exists()


def test_with_follow_state_marks_who_the_viewer_follows():
    viewer, followed, other = UserFactory.create_batch(3)
    FollowFactory(follower=viewer, followed=followed)

    state = {user.pk: user.is_followed for user in User.objects.with_follow_state(viewer)}

    assert state == {viewer.pk: False, followed.pk: True, other.pk: False}


def test_by_login_finds_a_user_by_username_or_email_in_any_case():
    susan = UserFactory(username="Susan", email="susan@example.com")

    assert list(User.objects.by_login("SUSAN")) == [susan]
    assert list(User.objects.by_login("Susan@Example.com")) == [susan]
    assert not User.objects.by_login("susan@example.org").exists()


@pytest.mark.parametrize("field", ["username", "email"])
def test_usernames_and_emails_are_unique_in_any_case(field):
    UserFactory(username="susan", email="susan@example.com")
    clash = {"username": "other", "email": "other@example.com"}
    clash[field] = "SUSAN" if field == "username" else "SUSAN@EXAMPLE.COM"

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(password="x", **clash)


def test_touch_last_seen_is_one_conditional_update():
    with time_machine.travel("2026-01-01 12:00 +0000", tick=False):
        user = UserFactory(last_seen=timezone.now() - timedelta(minutes=6))

        with CaptureQueriesContext(connection) as queries:
            assert User.objects.touch_last_seen(user) is True

        assert len(queries) == 1
        assert queries[0]["sql"].lstrip().upper().startswith("UPDATE")
        assert user.last_seen == timezone.now()
        user.refresh_from_db()
        assert user.last_seen == timezone.now()


def test_touch_last_seen_skips_a_recent_visit():
    with time_machine.travel("2026-01-01 12:00 +0000", tick=False):
        seen = timezone.now() - timedelta(minutes=4)
        user = UserFactory(last_seen=seen)

        assert User.objects.touch_last_seen(user) is False

        user.refresh_from_db()
        assert user.last_seen == seen


def test_touch_last_seen_sets_a_first_visit():
    user = UserFactory(last_seen=None)

    assert User.objects.touch_last_seen(user) is True

    user.refresh_from_db()
    assert user.last_seen is not None


def test_notifications_since_a_time_oldest_first():
    user = UserFactory()
    old = NotificationFactory(user=user, timestamp=100.0)
    newer = NotificationFactory(user=user, timestamp=300.0)
    new = NotificationFactory(user=user, timestamp=200.0)
    NotificationFactory(timestamp=400.0)  # someone else's

    assert list(Notification.objects.for_user_since(user, 150.0)) == [new, newer]
    assert old not in Notification.objects.for_user_since(user, 100.0)


def test_deleting_an_account_takes_everything_of_the_user_with_it():
    user, friend = UserFactory.create_batch(2)
    user.posts.create(body="mine")
    friend.posts.create(body="theirs")
    user.messages_sent.create(recipient=friend, body="hi")
    friend.messages_sent.create(recipient=user, body="hello")
    FollowFactory(follower=user, followed=friend)
    FollowFactory(follower=friend, followed=user)
    NotificationFactory(user=user)

    services.delete_account(user=user)

    assert list(User.objects.all()) == [friend]
    assert [post.body for post in friend.posts.all()] == ["theirs"]
    assert not friend.messages_sent.exists()
    assert not friend.messages_received.exists()
    assert not Follow.objects.exists()
    assert not Notification.objects.exists()


def test_str_and_absolute_url():
    user = UserFactory(username="susan")

    assert str(user) == "susan"
    assert user.get_absolute_url() == "/user/susan/"


def stored_counts(user):
    """Return (post_count, follower_count, following_count) as stored now."""
    return User.objects.values_list("post_count", "follower_count", "following_count").get(pk=user.pk)


def test_counters_follow_every_insert_and_delete():
    john, susan = UserFactory.create_batch(2)
    edge = FollowFactory(follower=john, followed=susan)
    post = john.posts.create(body="one")
    john.posts.create(body="two")
    assert (stored_counts(john), stored_counts(susan)) == ((2, 0, 1), (0, 1, 0))

    edge.delete()
    post.delete()

    assert (stored_counts(john), stored_counts(susan)) == ((1, 0, 0), (0, 0, 0))


def test_counters_follow_bulk_inserts_and_queryset_deletes():
    john, susan = UserFactory.create_batch(2)
    john.posts.bulk_create([john.posts.model(author=john, body=f"post {n}") for n in range(5)])
    Follow.objects.bulk_create([Follow(follower=john, followed=susan), Follow(follower=susan, followed=john)])

    john.posts.filter(body__in=["post 0", "post 1"]).delete()

    assert (stored_counts(john), stored_counts(susan)) == ((3, 1, 1), (0, 1, 1))


def test_deleting_an_account_updates_the_counts_of_the_people_it_followed():
    john, susan = UserFactory.create_batch(2)
    FollowFactory(follower=john, followed=susan)
    FollowFactory(follower=susan, followed=john)

    john.delete()

    assert stored_counts(susan) == (0, 0, 0)


def test_saving_a_stale_user_keeps_the_stored_counts():
    john, susan = UserFactory.create_batch(2)
    stale = User.objects.get(pk=susan.pk)
    FollowFactory(follower=john, followed=susan)

    stale.about_me = "changed"
    stale.save()

    assert stored_counts(susan) == (0, 1, 0)
    assert User.objects.get(pk=susan.pk).about_me == "changed"


def test_stored_counts_match_the_rows():
    people = UserFactory.create_batch(3)
    FollowFactory(follower=people[0], followed=people[1])
    people[2].posts.create(body="hello")

    assert [drift(connection, counter) for counter in COUNTERS] == [0] * len(COUNTERS)
    assert [stored_counts(person) for person in people] == [(0, 0, 1), (0, 1, 0), (1, 0, 0)]


def test_saving_a_partly_loaded_user_writes_only_what_was_loaded(django_assert_num_queries):
    user = UserFactory(about_me="before")
    partial = User.objects.only("pk", "about_me").get(pk=user.pk)
    partial.about_me = "after"

    with django_assert_num_queries(1):
        partial.save()

    assert User.objects.get(pk=user.pk).about_me == "after"
