"""Notifications: every event tells its person once, /activity/ lists them grouped, the badge and the poll agree."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import deactivate_users, follow_user, unfollow_user
from accounts.tests.factories import UserFactory
from posts import services
from posts.activity import group_activities
from posts.models import Activity
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


@pytest.fixture
def ana():
    return UserFactory(username="ana")


def stored_count(user) -> int:
    """Return `user`'s unread_activity_count as the database holds it now."""
    return User.objects.values_list("unread_activity_count", flat=True).get(pk=user.pk)


def assert_counter_right(user) -> int:
    """Check the trigger-kept badge equals the unread rows; return it."""
    user = User.objects.get(pk=user.pk)
    assert stored_count(user) == Activity.objects.unread_for(user).count()
    return stored_count(user)


def kinds(user) -> list[str]:
    return list(Activity.objects.for_recipient(user).values_list("kind", flat=True))


def navbar_badge(client) -> str:
    content = client.get(reverse("posts:explore")).content.decode()
    start = content.index('id="activity-count"')
    return content[start : content.index("</span>", start)]


def polled(client) -> dict:
    return {n["name"]: n["data"] for n in client.get(reverse("accounts:notifications"), {"since": 0}).json()}


# Each kind of event --------------------------------------------------------------------------


def test_a_follow_notifies_and_an_unfollow_takes_it_back(me, ana):
    follow_user(follower=ana, followed=me)

    assert kinds(me) == ["follow"]
    assert assert_counter_right(me) == 1

    unfollow_user(follower=ana, followed=me)

    assert kinds(me) == []
    assert assert_counter_right(me) == 0


def test_a_like_notifies_and_an_unlike_takes_it_back(me, ana):
    post = PostFactory(author=me)

    assert services.like_post(user=ana, post=post)
    assert not services.like_post(user=ana, post=post)  # a double click

    assert kinds(me) == ["like"]
    assert Activity.objects.get().post == post
    assert assert_counter_right(me) == 1

    services.unlike_post(user=ana, post=post)

    assert kinds(me) == []
    assert assert_counter_right(me) == 0


def test_a_boost_notifies_and_an_unboost_takes_it_back(me, ana):
    post = PostFactory(author=me)

    services.boost_post(user=ana, post=post)
    services.boost_post(user=ana, post=post)

    assert kinds(me) == ["boost"]
    assert assert_counter_right(me) == 1

    services.unboost_post(user=ana, post=post)

    assert kinds(me) == []
    assert assert_counter_right(me) == 0


def test_a_reply_notifies_the_author_of_the_post_answered(me, ana):
    post = PostFactory(author=me)

    reply = services.publish_post(author=ana, body="I agree", in_reply_to=post)

    assert list(Activity.objects.for_recipient(me).values_list("kind", "post")) == [("reply", reply.pk)]
    assert assert_counter_right(me) == 1


def test_a_mention_notifies_the_person_named(me, ana):
    post = services.publish_post(author=ana, body="hello @me")

    assert list(Activity.objects.for_recipient(me).values_list("kind", "post")) == [("mention", post.pk)]
    assert assert_counter_right(me) == 1


def test_a_reply_that_mentions_its_parents_author_notifies_once(me, ana):
    post = PostFactory(author=me)

    services.publish_post(author=ana, body="@me yes", in_reply_to=post)

    assert kinds(me) == ["reply"]
    assert assert_counter_right(me) == 1


def test_nobody_is_notified_of_their_own_actions(me):
    post = PostFactory(author=me)

    services.like_post(user=me, post=post)
    services.boost_post(user=me, post=post)
    services.publish_post(author=me, body="a note to @me", in_reply_to=post)

    assert not Activity.objects.exists()
    assert assert_counter_right(me) == 0


def test_deleting_the_post_takes_its_notifications_back(me, ana):
    post = PostFactory(author=me)
    services.like_post(user=ana, post=post)
    reply = services.publish_post(author=ana, body="@me replied", in_reply_to=post)
    assert assert_counter_right(me) == 2

    services.delete_post(post=reply)

    assert kinds(me) == ["like"]
    assert assert_counter_right(me) == 1

    services.delete_post(post=post)

    assert kinds(me) == []
    assert assert_counter_right(me) == 0


def test_a_deactivated_actor_is_hidden_and_not_counted(client, me, ana):
    post = PostFactory(author=me)
    services.like_post(user=ana, post=post)
    follow_user(follower=UserFactory(), followed=me)
    assert assert_counter_right(me) == 2

    deactivate_users(users=User.objects.filter(pk=ana.pk))

    assert kinds(me) == ["follow"]
    assert assert_counter_right(me) == 1
    assert polled(client)["unread_activity_count"] == 1
    response = client.get(reverse("posts:activity"))
    assert b"ana" not in response.content


# Grouping ------------------------------------------------------------------------------------


def test_consecutive_likes_of_one_post_are_one_entry(client, me):
    post = PostFactory(author=me, body="my fine post")
    likers = [UserFactory(username=name) for name in ("bo", "cy", "di", "ana")]
    for liker in likers:
        services.like_post(user=liker, post=post)

    response = client.get(reverse("posts:activity"))

    (group,) = response.context["groups"]
    assert group.kind == "like"
    assert [actor.username for actor in group.actors] == ["ana", "di", "cy", "bo"]
    assert group.post == post
    text = " ".join(response.content.decode().split())
    assert "and 3 others liked your post" in text
    assert ">ana</a> and 3 others" in text
    assert "my fine post" in text
    for liker in likers:
        assert f'href="/user/{liker.username}/"' in text


def test_likes_of_different_posts_and_other_kinds_between_are_not_grouped(me, ana):
    first, second = PostFactory(author=me), PostFactory(author=me)
    bo = UserFactory()
    services.like_post(user=ana, post=first)
    services.like_post(user=bo, post=second)
    services.like_post(user=bo, post=first)
    services.boost_post(user=ana, post=first)
    services.boost_post(user=bo, post=first)
    follow_user(follower=ana, followed=me)
    follow_user(follower=bo, followed=me)
    services.publish_post(author=ana, body="hi @me")
    services.publish_post(author=bo, body="hey @me")

    groups = group_activities(Activity.objects.for_recipient(me))

    assert [(group.kind, group.others) for group in groups] == [
        ("mention", 0),
        ("mention", 0),
        ("follow", 1),
        ("boost", 1),
        ("like", 0),
        ("like", 0),
        ("like", 0),
    ]


def test_the_sentences_name_one_person_or_several(client, me, ana):
    post = PostFactory(author=me)
    follow_user(follower=ana, followed=me)
    services.boost_post(user=ana, post=post)
    services.boost_post(user=UserFactory(), post=post)

    text = " ".join(client.get(reverse("posts:activity")).content.decode().split())

    assert "and 1 other boosted your post" in text
    assert ">ana</a> followed you" in text


def test_a_group_is_new_when_any_of_its_rows_came_after_the_last_visit(me, ana):
    post = PostFactory(author=me)
    services.like_post(user=ana, post=post)
    seen = timezone.now()
    services.like_post(user=UserFactory(), post=post)
    rows = list(Activity.objects.for_recipient(me))

    assert [group.is_new for group in group_activities(rows, last_read=seen)] == [True]
    assert [group.is_new for group in group_activities(rows[1:], last_read=seen)] == [False]
    assert [group.is_new for group in group_activities(rows[1:])] == [True]


# The page ------------------------------------------------------------------------------------


def test_the_page_needs_a_login(client):
    response = client.get(reverse("posts:activity"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_empty_page_says_so(client, me):
    response = client.get(reverse("posts:activity"))

    assert response.status_code == 200
    assert b"No notifications yet." in response.content
    assert "no-cache" in response["Cache-Control"]


def test_a_page_past_the_end_and_garbage_page_numbers_are_not_errors(client, me, ana):
    follow_user(follower=ana, followed=me)

    assert client.get(reverse("posts:activity"), {"page": "999"}).status_code == 200
    assert client.get(reverse("posts:activity"), {"page": "abc"}).context["groups"][0].kind == "follow"


def test_only_my_own_notifications_are_listed(client, me, ana):
    follow_user(follower=ana, followed=UserFactory())

    response = client.get(reverse("posts:activity"))

    assert response.context["groups"] == []


def test_replies_and_mentions_show_their_post(client, me, ana):
    post = PostFactory(author=me)
    services.publish_post(author=ana, body="the reply text", in_reply_to=post)
    services.publish_post(author=ana, body="the mention text @me")

    response = client.get(reverse("posts:activity"))

    assert [group.kind for group in response.context["groups"]] == ["mention", "reply"]
    assert b"the reply text" in response.content
    assert b"the mention text" in response.content


def test_visiting_marks_read_the_badge_drops_to_zero_and_new_ones_are_marked(client, me, ana):
    services.publish_post(author=ana, body="hi @me")
    follow_user(follower=ana, followed=me)
    assert navbar_badge(client).endswith(">2")
    assert polled(client) == {"unread_message_count": 0, "unread_activity_count": 2}

    first = client.get(reverse("posts:activity"))

    assert [group.is_new for group in first.context["groups"]] == [True, True]
    assert first.context["unread_activity_count"] == 0  # this page's own badge
    assert assert_counter_right(me) == 0
    assert navbar_badge(client).endswith("hidden>0")
    assert polled(client)["unread_activity_count"] == 0

    follow_user(follower=UserFactory(), followed=me)
    assert assert_counter_right(me) == 1
    second = client.get(reverse("posts:activity"))

    assert [group.is_new for group in second.context["groups"]] == [True, False]
    assert [len(group.rows) for group in second.context["groups"]] == [2, 1]  # the two follows fold
    assert assert_counter_right(me) == 0


def test_the_navbar_bell_has_a_label_and_hides_its_badge_at_zero(client, me, ana):
    html = client.get(reverse("posts:explore")).content.decode()
    assert 'href="/activity/"' in html
    assert "Notifications" in html
    assert navbar_badge(client).endswith("hidden>0")

    follow_user(follower=ana, followed=me)

    assert navbar_badge(client).endswith(">1")


def test_the_poll_carries_both_counts_in_one_answer(client, me, ana):
    follow_user(follower=ana, followed=me)
    services.send_message(sender=ana, recipient=me, body="psst")

    answer = client.get(reverse("accounts:notifications"), {"since": "0"}).json()

    assert answer[:2] == [
        {"name": "unread_message_count", "data": 1, "timestamp": 0},
        {"name": "unread_activity_count", "data": 1, "timestamp": 0},
    ]


def _fill(me, rows: int) -> None:
    """Give `me` `rows` notifications of every kind, with likes, boosts and replies on the posts shown."""
    mine = PostFactory(author=me)
    people = UserFactory.create_batch(rows)
    for number, person in enumerate(people):
        kind = number % 5
        if kind == 0:  # first, so a page of one row shows a post too
            reply = services.publish_post(author=person, body=f"a reply #tag from @{person.username}", in_reply_to=mine)
            services.like_post(user=me, post=reply)
            services.boost_post(user=me, post=reply)
        elif kind == 1:
            services.like_post(user=person, post=PostFactory(author=me))
        elif kind == 2:
            services.boost_post(user=person, post=PostFactory(author=me))
        elif kind == 3:
            follow_user(follower=person, followed=me)
        else:
            services.publish_post(author=person, body=f"hello @me and @{people[0].username}")


@pytest.mark.parametrize("rows", [1, 40])
def test_the_page_costs_a_fixed_number_of_queries(client, me, django_assert_num_queries, rows):
    client.get(reverse("posts:activity"))  # the first visit may create what later ones reuse
    _fill(me, rows)

    # session, user, savepoint, update + recount of the read time, its refresh, release,
    # the viewer's blocks and mutes, the page of notifications, their posts, the rows of
    # the posts' mentions.
    with django_assert_num_queries(10):
        response = client.get(reverse("posts:activity"))
    # Nothing unread now: the visit after writes nothing.
    with django_assert_num_queries(6):
        again = client.get(reverse("posts:activity"))

    assert len(response.context["activities"]) == rows
    assert len(again.context["activities"]) == rows


def test_a_visit_with_nothing_unread_leaves_the_read_time_and_a_later_one_marks_new_ones(client, me):
    services.publish_post(author=UserFactory(), body=f"hello @{me.username}")
    client.get(reverse("posts:activity"))
    me.refresh_from_db()
    read_at = me.last_activity_read_time

    client.get(reverse("posts:activity"))
    me.refresh_from_db()
    assert me.last_activity_read_time == read_at
    services.publish_post(author=UserFactory(), body=f"again @{me.username}")
    me.refresh_from_db()
    assert me.unread_activity_count == 1

    page = client.get(reverse("posts:activity"))

    me.refresh_from_db()
    assert me.unread_activity_count == 0
    assert me.last_activity_read_time > read_at
    assert page.context["groups"][0].is_new
