"""reply_count, like_count, boost_count and unread_activity_count equal the rows they count, on every path.

The expected values are counted here with the ORM, independently of the SQL the
triggers run (microblog/counters.py), so a wrong declaration fails as well as a
missing trigger.
"""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count, Q
from django.urls import reverse

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import FollowFactory, UserFactory
from microblog.counters import COUNTERS, check_counter_triggers, drift, missing_triggers
from posts import services
from posts.management.commands.counter_migration import render_migration
from posts.models import Activity, Boost, Like, Post
from posts.tests.factories import BoostFactory, LikeFactory, PostFactory, ReplyFactory

pytestmark = pytest.mark.django_db

BY_NAME = {counter.name: counter for counter in COUNTERS}
CONVERSATION_COUNTERS = [
    "posts_post.reply_count",
    "posts_post.like_count",
    "posts_post.boost_count",
    "unread_activity_count",
]


def real_post_counts() -> dict[int, tuple[int, int, int]]:
    """Each post's (replies, likes, boosts) by active people, counted by the ORM."""
    replies = dict(
        Post.objects.annotate(n=Count("replies", filter=Q(replies__author__is_active=True))).values_list("pk", "n")
    )
    likes = dict(Post.objects.annotate(n=Count("likes", filter=Q(likes__user__is_active=True))).values_list("pk", "n"))
    boosts = dict(
        Post.objects.annotate(n=Count("boosts", filter=Q(boosts__user__is_active=True))).values_list("pk", "n")
    )
    return {pk: (replies[pk], likes[pk], boosts[pk]) for pk in replies}


def stored_post_counts() -> dict[int, tuple[int, int, int]]:
    return {pk: counts for pk, *counts in Post.objects.values_list("pk", "reply_count", "like_count", "boost_count")}


def assert_counts_are_real() -> None:
    """Assert every stored conversation count equals the rows it counts."""
    assert {pk: tuple(counts) for pk, counts in stored_post_counts().items()} == real_post_counts()
    for user in User.objects.all():
        assert user.unread_activity_count == Activity.objects.unread_for(user).count(), user.username
    assert {name: drift(connection, BY_NAME[name]) for name in CONVERSATION_COUNTERS} == dict.fromkeys(
        CONVERSATION_COUNTERS, 0
    )


def deactivate(user):
    account_services.deactivate_users(users=User.objects.filter(pk=user.pk))


def reactivate(user):
    account_services.reactivate_users(users=User.objects.filter(pk=user.pk))


def test_the_counts_follow_every_path(moderator_client):
    ana, bob, cyd = UserFactory.create_batch(3)
    root = services.publish_post(author=ana, body="hello @" + bob.username)

    # Services.
    reply = services.publish_post(author=bob, body="hi", in_reply_to=root)
    services.publish_post(author=cyd, body="hey", in_reply_to=reply)
    for user in (bob, cyd):
        services.like_post(user=user, post=root)
        services.boost_post(user=user, post=root)
    services.like_post(user=ana, post=reply)
    account_services.follow_user(follower=cyd, followed=ana)
    assert_counts_are_real()
    assert Post.objects.values_list("reply_count", "like_count", "boost_count").get(pk=root.pk) == (1, 2, 2)
    assert User.objects.get(pk=ana.pk).unread_activity_count == 6  # reply, 2 likes, 2 boosts, follow

    # Factories, bulk inserts, queryset deletes.
    ReplyFactory.create_batch(2, in_reply_to=root, author=cyd)
    LikeFactory.create_batch(3, post=reply)
    Boost.objects.bulk_create([Boost(user=user, post=reply) for user in UserFactory.create_batch(2)])
    assert_counts_are_real()
    Like.objects.filter(post=reply).exclude(user=ana).delete()
    Boost.objects.filter(post=reply).delete()
    Post.objects.filter(in_reply_to=root, author=cyd).delete()
    assert_counts_are_real()

    # Undo through the services, and reading.
    services.unlike_post(user=bob, post=root)
    services.unboost_post(user=cyd, post=root)
    assert_counts_are_real()
    services.mark_activity_read(user=User.objects.get(pk=ana.pk))
    assert User.objects.get(pk=ana.pk).unread_activity_count == 0
    services.like_post(user=bob, post=root)  # liked again after ana read her notifications
    assert_counts_are_real()
    assert User.objects.get(pk=ana.pk).unread_activity_count == 1

    # Moderation: a deactivated person's replies, likes, boosts and notifications stop counting.
    deactivate(bob)
    assert_counts_are_real()
    assert User.objects.get(pk=ana.pk).unread_activity_count == 0  # the unread one is bob's like
    reactivate(bob)
    assert_counts_are_real()
    assert User.objects.get(pk=ana.pk).unread_activity_count == 1
    moderator_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "deactivate", "_selected_action": [cyd.pk]}
    )
    assert_counts_are_real()
    moderator_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reactivate", "_selected_action": [cyd.pk]}
    )
    assert_counts_are_real()

    # Deleting a parent (its replies stay, SET_NULL), the admin's bulk delete, cascades of an account.
    services.delete_post(post=Post.objects.get(pk=reply.pk))
    assert_counts_are_real()
    chosen = [services.publish_post(author=bob, body=f"reply {n}", in_reply_to=root).pk for n in range(2)]
    delete = {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    assert moderator_client.post(reverse("admin:posts_post_changelist"), delete).status_code == 302
    assert_counts_are_real()
    account_services.delete_account(user=User.objects.get(pk=cyd.pk))
    assert_counts_are_real()
    User.objects.filter(pk=bob.pk).delete()  # a queryset delete: Django's cascade, no service
    assert_counts_are_real()
    assert Post.objects.values_list("reply_count", "like_count", "boost_count").get(pk=root.pk) == (0, 0, 0)
    assert User.objects.get(pk=ana.pk).unread_activity_count == 0


def test_a_deactivated_actors_notifications_leave_the_badge_and_come_back(client):
    ana, spammer = UserFactory.create_batch(2)
    for post in PostFactory.create_batch(3, author=ana):
        services.like_post(user=spammer, post=post)
    FollowFactory(follower=spammer, followed=ana)  # no service: no notification
    assert User.objects.get(pk=ana.pk).unread_activity_count == 3

    deactivate(spammer)
    assert User.objects.get(pk=ana.pk).unread_activity_count == 0
    assert set(Post.objects.values_list("like_count", flat=True)) == {0}
    reactivate(spammer)

    assert User.objects.get(pk=ana.pk).unread_activity_count == 3
    assert set(Post.objects.values_list("like_count", flat=True)) == {1}
    assert_counts_are_real()


def test_no_trigger_is_missing_after_migrate():
    assert missing_triggers(connection) == []
    assert [warning.id for warning in check_counter_triggers(databases=["default"])] == []


def test_repair_counters_finds_no_drift_after_a_mixed_workload():
    people = UserFactory.create_batch(5)
    posts = [services.publish_post(author=person, body=f"#mixed post by @{people[0].username}") for person in people]
    for n, person in enumerate(people):
        for post in posts[n:]:
            services.like_post(user=person, post=post)
            if n % 2:
                services.boost_post(user=person, post=post)
        services.publish_post(author=person, body="a reply", in_reply_to=posts[-1 - n])
        account_services.follow_user(follower=person, followed=people[(n + 1) % len(people)])
    services.unlike_post(user=people[0], post=posts[0])
    services.delete_post(post=posts[2])
    deactivate(people[3])
    services.mark_activity_read(user=people[1])
    BoostFactory(post=posts[0])

    out = StringIO()
    call_command("repair_counters", "--dry-run", stdout=out)

    assert [line for line in out.getvalue().splitlines() if "would be fixed" in line] == [
        f"{counter.name}: 0 rows would be fixed" for counter in COUNTERS
    ]
    assert "Missing trigger" not in out.getvalue()
    assert_counts_are_real()


# Concurrency (PostgreSQL: real concurrent transactions) ------------------------------------------


def run_at_once(work, arguments):
    """Run work(argument) for each argument in its own thread and connection, all released together."""
    start, failures = threading.Barrier(len(arguments)), []

    def run_it(argument):
        try:
            start.wait(30)
            work(argument)
        except Exception as error:  # reported by the main thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_it, args=[argument]) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (a deadlock?)"
    return failures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_and_boosts_count_right_without_deadlock_or_integrity_error():
    author = UserFactory()
    posts = PostFactory.create_batch(2, author=author)
    people = UserFactory.create_batch(6)

    def react(job):
        person, post, action = job
        action(user=person, post=post)

    # Every person likes and boosts both posts, each twice (double clicks), all at once.
    jobs = [
        (person, post, action)
        for person in people
        for post in posts
        for action in (services.like_post, services.boost_post)
        for _twice in range(2)
    ]
    failures = run_at_once(react, jobs)

    assert failures == []
    assert list(Post.objects.order_by("pk").values_list("like_count", "boost_count")) == [(6, 6), (6, 6)]
    assert User.objects.get(pk=author.pk).unread_activity_count == 24
    assert_counts_are_real()

    # And all undone at once, doubled again.
    opposite = {services.like_post: services.unlike_post, services.boost_post: services.unboost_post}
    undo = [(person, post, opposite[action]) for person, post, action in jobs]
    failures = run_at_once(react, undo)

    assert failures == []
    assert list(Post.objects.order_by("pk").values_list("like_count", "boost_count")) == [(0, 0), (0, 0)]
    assert User.objects.get(pk=author.pk).unread_activity_count == 0
    assert_counts_are_real()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_likes_and_unlikes_of_one_post_at_once_never_deadlock():
    """A like locks the post's counts, then its author's badge; an unlike must take them in that order too.

    Django deletes the notification before the like, so an unlike moved the author's badge
    first: a like and an unlike of one post at the same moment deadlocked (found by the
    benchmark's like/unlike case).
    """
    author = UserFactory()
    post = PostFactory(author=author)
    likers, unlikers = UserFactory.create_batch(6), UserFactory.create_batch(6)
    for person in unlikers:
        services.like_post(user=person, post=post)

    def react(job):
        person, action = job
        for _round in range(5):
            action(user=person, post=post)
            opposite = services.unlike_post if action is services.like_post else services.like_post
            opposite(user=person, post=post)
            action(user=person, post=post)

    jobs = [(person, services.like_post) for person in likers] + [(person, services.unlike_post) for person in unlikers]
    failures = run_at_once(react, jobs)

    assert failures == []
    assert Post.objects.get(pk=post.pk).like_count == len(likers)
    assert User.objects.get(pk=author.pk).unread_activity_count == len(likers)
    assert_counts_are_real()


# counter_migration with a new column -------------------------------------------------------------


def test_a_generated_migration_with_a_new_column_keeps_the_sqlite_triggers_of_its_table():
    """The generated AddFieldKeepingTriggers drops and restores the triggers naming its table.

    With doubled braces in the rendered module, LIKE '%{table}%' matched no trigger:
    SQLite's rebuild of the table then lost them all without a word.
    """
    field = Post._meta.get_field("like_count")
    module = render_migration(
        [BY_NAME["posts_post.like_count"]], {("posts", "0009_conversation_counters")}, "Test.", [("post", field)]
    )

    assert 'f"%{table}%"' in module
    assert "{{" not in module.split("FORWARDS =")[0]
    assert "AddFieldKeepingTriggers(" in module
    migration = {}
    exec(compile(module, "0099_like_count_counter.py", "exec"), migration)
    if connection.vendor != "sqlite":
        return
    before = missing_triggers(connection)
    with migration["triggers_kept"](connection, "posts_post"):
        dropped = missing_triggers(connection)
    assert before == []
    assert {table for _trigger, table in dropped} >= {"posts_post", "posts_like"}
    assert missing_triggers(connection) == []
