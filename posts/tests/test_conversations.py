"""Replies, mentions, tags, likes, boosts, bookmarks and their notifications (posts/services.py)."""

import threading

import pytest
from django.db import connections

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import UserFactory
from posts import services
from posts.models import Activity, Bookmark, Boost, Like, Mention, Post, Tag, Tagging
from posts.services import ReplyRefused
from posts.tests.factories import ActivityFactory, PostFactory, ReplyFactory, TagFactory

pytestmark = pytest.mark.django_db


def publish(author, body, in_reply_to=None):
    return services.publish_post(author=author, body=body, in_reply_to=in_reply_to)


def notifications(user=None):
    """(actor, kind, recipient) usernames of every notification (of `user`), oldest first."""
    rows = Activity.objects.order_by("created_at", "pk").select_related("actor", "recipient")
    if user is not None:
        rows = rows.filter(recipient=user)
    return [(row.actor.username, row.kind, row.recipient.username) for row in rows]


def mentioned(post):
    return sorted(Mention.objects.filter(post=post).values_list("user__username", flat=True))


@pytest.fixture
def ana():
    return UserFactory(username="ana")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


@pytest.fixture
def cyd():
    return UserFactory(username="cyd")


# Mentions --------------------------------------------------------------------------------------


def test_mentions_store_existing_users_in_any_letter_case(ana, bob, cyd):
    post = publish(ana, "hi @BOB and @Cyd and @nobody, @bob again")

    assert mentioned(post) == ["bob", "cyd"]
    assert notifications() == [("ana", "mention", "bob"), ("ana", "mention", "cyd")]


def test_a_deactivated_user_is_not_mentioned(ana, bob):
    account_services.deactivate_users(users=User.objects.filter(pk=bob.pk))

    post = publish(ana, "hi @bob")

    assert mentioned(post) == []
    assert not Activity.objects.exists()


def test_mentioning_yourself_stores_the_mention_and_notifies_nobody(ana):
    post = publish(ana, "note to @ana")

    assert mentioned(post) == ["ana"]
    assert not Activity.objects.exists()


# Tags ------------------------------------------------------------------------------------------


def test_tags_are_created_once_with_their_first_spelling(ana, bob):
    first = publish(ana, "#Django and #django")
    second = publish(bob, "#DJANGO #Python")

    assert list(Tag.objects.order_by("key").values_list("key", "name")) == [("django", "Django"), ("python", "Python")]
    assert list(first.tags.values_list("name", flat=True)) == ["Django"]
    assert sorted(second.tags.values_list("name", flat=True)) == ["Django", "Python"]


def test_a_tag_created_meanwhile_is_reused_not_duplicated(ana):
    """The ignore_conflicts path: another post's transaction created the tag first."""
    TagFactory(name="Django")

    post = publish(ana, "#djanGO")

    assert Tag.objects.count() == 1
    assert list(post.tags.values_list("name", flat=True)) == ["Django"]
    assert Tagging.objects.get(post=post).created_at == post.created_at


def test_a_tag_at_the_length_limit_is_stored_and_a_longer_key_is_not_a_tag(ana):
    """The key is what the column limits: "ß" casefolds to "ss"."""
    post = publish(ana, "#" + "ß" * 32 + " #" + "ß" * 33 + " #" + "a" * 64)

    assert sorted(Tag.objects.values_list("key", flat=True)) == ["a" * 64, "ss" * 32]
    assert post.tags.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_a_new_tag_create_it_once():
    authors = UserFactory.create_batch(6)
    start, failures = threading.Barrier(len(authors)), []

    def write(author):
        try:
            start.wait(30)
            publish(author, "#Brandnew at once")
        except Exception as error:  # reported by the main thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=[author]) for author in authors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert Tag.objects.filter(key="brandnew").count() == 1
    assert Tagging.objects.filter(tag__key="brandnew").count() == len(authors)


# Replies ---------------------------------------------------------------------------------------


def test_a_reply_belongs_to_the_conversation_of_the_first_post_at_any_depth(ana, bob):
    root = publish(ana, "first")
    child = publish(bob, "second", in_reply_to=root)
    grandchild = publish(ana, "third", in_reply_to=child)
    deeper = publish(bob, "fourth", in_reply_to=grandchild)

    assert root.conversation is None
    assert not root.is_reply
    assert [post.conversation for post in (child, grandchild, deeper)] == [root.pk] * 3
    assert deeper.in_reply_to == grandchild
    assert set(Post.objects.in_conversation(root.pk)) == {root, child, grandchild, deeper}


def test_the_reply_factory_sets_the_conversation_as_publishing_does():
    root = PostFactory()
    deeper = ReplyFactory(in_reply_to=ReplyFactory(in_reply_to=root))

    assert deeper.conversation == root.pk


def test_replying_to_a_deleted_post_is_refused(ana, bob):
    parent = publish(ana, "soon gone")
    services.delete_post(post=Post.objects.get(pk=parent.pk))

    with pytest.raises(ReplyRefused):
        publish(bob, "too late", in_reply_to=parent)
    assert Post.objects.filter(author=bob).count() == 0


def test_replying_to_a_deactivated_authors_post_is_refused(ana, bob):
    parent = publish(ana, "hidden soon")
    account_services.deactivate_users(users=User.objects.filter(pk=ana.pk))

    with pytest.raises(ReplyRefused):
        publish(bob, "too late", in_reply_to=parent)


def test_deleting_a_parent_keeps_its_replies_as_replies(ana, bob):
    root = publish(ana, "root")
    child = publish(bob, "child", in_reply_to=root)
    grandchild = publish(ana, "grandchild", in_reply_to=child)
    assert Post.objects.get(pk=root.pk).reply_count == 1

    services.delete_post(post=Post.objects.get(pk=child.pk))

    grandchild.refresh_from_db()
    assert grandchild.in_reply_to is None
    assert grandchild.is_reply
    assert grandchild.conversation == root.pk
    assert Post.objects.get(pk=root.pk).reply_count == 0  # its one reply is gone


# Likes, boosts, bookmarks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("add", "remove", "model"),
    [
        (services.like_post, services.unlike_post, Like),
        (services.boost_post, services.unboost_post, Boost),
        (services.bookmark_post, services.unbookmark_post, Bookmark),
    ],
)
def test_reactions_are_idempotent(ana, bob, add, remove, model):
    post = PostFactory(author=ana)

    assert add(user=bob, post=post) is True
    assert add(user=bob, post=post) is False  # a double click
    assert model.objects.filter(user=bob, post=post).count() == 1
    assert remove(user=bob, post=post) is True
    assert remove(user=bob, post=post) is False
    assert not model.objects.exists()


def test_counts_follow_likes_and_boosts(ana, bob, cyd):
    post = PostFactory(author=ana)
    for user in (bob, cyd):
        services.like_post(user=user, post=post)
        services.boost_post(user=user, post=post)
    services.like_post(user=bob, post=post)
    services.unboost_post(user=cyd, post=post)

    post.refresh_from_db()
    assert (post.like_count, post.boost_count) == (2, 1)


# Notifications ---------------------------------------------------------------------------------


def test_each_event_notifies_the_author_once(ana, bob):
    post = PostFactory(author=ana)

    services.like_post(user=bob, post=post)
    services.boost_post(user=bob, post=post)
    services.bookmark_post(user=bob, post=post)  # private: nobody is told
    publish(bob, "a reply", in_reply_to=post)
    publish(bob, "hey @ana")
    account_services.follow_user(follower=bob, followed=ana)

    assert notifications(ana) == [
        ("bob", "like", "ana"),
        ("bob", "boost", "ana"),
        ("bob", "reply", "ana"),
        ("bob", "mention", "ana"),
        ("bob", "follow", "ana"),
    ]
    assert User.objects.get(pk=ana.pk).unread_activity_count == 5


def test_nobody_is_notified_of_their_own_actions(ana):
    post = PostFactory(author=ana)

    services.like_post(user=ana, post=post)
    services.boost_post(user=ana, post=post)
    publish(ana, "replying to myself, @ana", in_reply_to=post)

    assert not Activity.objects.exists()


def test_a_reply_that_mentions_the_parents_author_notifies_once(ana, bob, cyd):
    post = PostFactory(author=ana)

    publish(bob, "@ana @cyd what do you think?", in_reply_to=post)

    assert notifications() == [("bob", "reply", "ana"), ("bob", "mention", "cyd")]


def test_undoing_takes_the_notification_back(ana, bob):
    post = PostFactory(author=ana)
    services.like_post(user=bob, post=post)
    services.boost_post(user=bob, post=post)
    account_services.follow_user(follower=bob, followed=ana)

    services.unlike_post(user=bob, post=post)
    assert [kind for _actor, kind, _recipient in notifications()] == ["boost", "follow"]
    services.unboost_post(user=bob, post=post)
    assert [kind for _actor, kind, _recipient in notifications()] == ["follow"]
    account_services.unfollow_user(follower=bob, followed=ana)
    assert notifications() == []
    assert User.objects.get(pk=ana.pk).unread_activity_count == 0


def test_deleting_the_reply_or_mentioning_post_takes_its_notifications_back(ana, bob, cyd):
    post = PostFactory(author=ana)
    reply = publish(bob, "hi @cyd", in_reply_to=post)
    assert len(notifications()) == 2

    services.delete_post(post=reply)

    assert notifications() == []


def test_deleting_the_liked_post_takes_its_notifications_back(ana, bob):
    post = PostFactory(author=ana)
    services.like_post(user=bob, post=post)
    services.boost_post(user=bob, post=post)

    services.delete_post(post=post)

    assert notifications() == []


def test_deleting_an_account_takes_its_notifications_back(ana, bob, cyd):
    post = PostFactory(author=ana)
    services.like_post(user=bob, post=post)
    publish(bob, "@cyd hello", in_reply_to=post)
    account_services.follow_user(follower=bob, followed=cyd)
    services.like_post(user=cyd, post=PostFactory(author=bob))

    account_services.delete_account(user=User.objects.get(pk=bob.pk))

    assert notifications() == []
    assert list(User.objects.order_by("pk").values_list("unread_activity_count", flat=True)) == [0, 0]


def test_marking_activity_read_empties_the_badge(ana, bob):
    services.like_post(user=bob, post=PostFactory(author=ana))
    assert User.objects.get(pk=ana.pk).unread_activity_count == 1

    services.mark_activity_read(user=ana)

    assert ana.unread_activity_count == 0
    assert not Activity.objects.unread_for(ana).exists()
    assert Activity.objects.for_recipient(ana).count() == 1  # read, still listed


def test_the_activity_factory_builds_a_like_notification_that_counts():
    activity = ActivityFactory()

    assert activity.like.user == activity.actor
    assert activity.post.author == activity.recipient
    assert User.objects.get(pk=activity.recipient_id).unread_activity_count == 1
    activity.like.delete()
    assert not Activity.objects.exists()
