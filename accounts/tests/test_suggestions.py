"""People to follow (User.objects.suggested_for): who is suggested, and what the query costs."""

import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from accounts import safety
from accounts.models import SUGGESTION_ACTIVE_WITHIN, SUGGESTION_CANDIDATES, Follow, User
from accounts.services import follow_user
from accounts.tests.factories import FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


def popular(username: str, followers: int, **fields) -> User:
    """A user with `followers` followers and a post, seen just now unless `fields` say otherwise."""
    person = UserFactory(username=username, post_count=1, **fields)
    for _ in range(followers):
        FollowFactory(followed=person)
    return person


def suggested(user, **kwargs) -> list[str]:
    return [person.username for person in User.objects.suggested_for(user, **kwargs)]


def test_the_most_followed_come_first_and_the_limit_holds():
    me = UserFactory(username="me")
    popular("ana", 3)
    popular("bob", 5)
    popular("cy", 1)

    assert suggested(me) == ["bob", "ana", "cy"]
    assert suggested(me, limit=2) == ["bob", "ana"]


def test_never_yourself_nor_anyone_you_follow():
    me = popular("me", 9)
    ana, _bob = popular("ana", 3), popular("bob", 2)
    follow_user(follower=me, followed=ana)

    assert suggested(me) == ["bob"]


def test_only_people_seen_lately_who_have_posted_and_may_sign_in():
    me = UserFactory(username="me")
    popular("recent", 1)
    popular("away", 9, last_seen=timezone.now() - SUGGESTION_ACTIVE_WITHIN - timedelta(days=1))
    popular("never_seen", 9, last_seen=None)
    User.objects.filter(pk=popular("silent", 9).pk).update(post_count=0)
    popular("deactivated", 9, is_active=False)

    assert suggested(me) == ["recent"]


def test_each_suggestion_is_marked_not_followed_for_the_button():
    popular("ana", 1)

    assert [person.is_followed for person in User.objects.suggested_for(UserFactory())] == [False]


def test_visitors_get_the_same_people():
    popular("ana", 2)
    popular("bob", 1)

    assert suggested(AnonymousUser()) == ["ana", "bob"]


def test_a_site_with_fewer_people_than_candidates_suggests_them_all():
    popular("ana", 0)

    assert suggested(UserFactory()) == ["ana"]


def test_the_candidates_are_the_most_followed_accounts_only(monkeypatch):
    monkeypatch.setattr("accounts.models.SUGGESTION_CANDIDATES", 2)
    me = UserFactory(username="me")
    popular("first", 3)
    popular("second", 2, last_seen=timezone.now() - SUGGESTION_ACTIVE_WITHIN - timedelta(days=1))
    popular("third", 1)

    # "second" is a candidate but away; "third" is past the bounded candidate set.
    assert suggested(me) == ["first"]


def test_suggestions_are_one_query(django_assert_num_queries):
    me = UserFactory()
    for number in range(8):
        popular(f"p{number}", number)

    safety.boundaries_of(me)  # read once per request, by the page
    with django_assert_num_queries(1):
        assert len(suggested(me)) == 5


@pytest.mark.postgres
def test_the_plan_reads_a_bounded_slice_of_the_most_followed_index():
    """10,000 users, the reader following 150 of the 200 most followed: no scan of the table."""
    rng = random.Random(11)
    now = timezone.now()
    people = User.objects.bulk_create(
        User(
            username=f"person{number}",
            email=f"person{number}@example.com",
            follower_count=rng.randint(0, 5000),
            post_count=rng.randint(0, 300),
            last_seen=now - timedelta(days=rng.randint(0, 90)),
        )
        for number in range(10_000)
    )
    reader = people[0]
    top = sorted(people[1:], key=lambda person: -person.follower_count)[:SUGGESTION_CANDIDATES]
    Follow.objects.bulk_create(Follow(follower=reader, followed=person) for person in top[:150])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    sql, params = User.objects.suggested_for(reader).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Seq Scan" not in plan, plan
    # The threshold: a read of the candidates' entries of the index, no more.
    assert "Scan using user_most_followed" in plan, plan
    assert f"rows={SUGGESTION_CANDIDATES} loops=1" in plan, plan
    # Then the candidates' range of the same index, most followed first, each probed for a follow.
    assert "Index Cond: (follower_count >= COALESCE(" in plan, plan
    assert "Anti Join" in plan, plan
