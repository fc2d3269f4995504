"""User.unread_message_count, kept by database triggers, always equals unread_for(user).count().

The navbar and the notifications poll both show that one column, so they agree after
every path that changes it.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import UserFactory
from posts.models import Message
from posts.services import mark_conversation_read, mark_messages_read, send_message
from posts.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

MESSAGES = reverse("admin:posts_message_changelist")
USERS = reverse("admin:accounts_user_changelist")


def stored(user) -> int:
    """Return `user`'s unread_message_count as stored now."""
    return User.objects.values_list("unread_message_count", flat=True).get(pk=user.pk)


def counted(user) -> int:
    """Return what Message.objects.unread_for() counts for `user` as stored now."""
    return Message.objects.unread_for(User.objects.get(pk=user.pk)).count()


def assert_right(*users) -> list[int]:
    """Assert each stored count equals the counted one; return the counts."""
    pairs = [(stored(user), counted(user)) for user in users]
    assert [mine for mine, _theirs in pairs] == [theirs for _mine, theirs in pairs]
    return [mine for mine, _theirs in pairs]


@pytest.fixture
def reader():
    return UserFactory(username="reader")


# A message inserted -----------------------------------------------------------------------


def test_sending_through_the_service_counts(reader):
    send_message(sender=UserFactory(), recipient=reader, body="one")
    send_message(sender=UserFactory(), recipient=reader, body="two")

    assert assert_right(reader) == [2]
    assert not reader.notifications.exists()  # no stored copy of the count to drift


def test_factories_and_create_count(reader):
    MessageFactory(recipient=reader)
    Message.objects.create(sender=UserFactory(), recipient=reader, body="hi")

    assert assert_right(reader) == [2]


def test_bulk_create_counts_each_row(reader):
    senders = UserFactory.create_batch(3)
    Message.objects.bulk_create(Message(sender=sender, recipient=reader, body="hi") for sender in senders)

    assert assert_right(reader, *senders) == [3, 0, 0, 0]


def test_a_message_from_a_deactivated_sender_does_not_count(reader):
    gone = UserFactory(is_active=False)

    MessageFactory(sender=gone, recipient=reader)

    assert assert_right(reader) == [0]


def test_a_message_dated_before_the_last_read_does_not_count(reader):
    mark_messages_read(user=reader)

    MessageFactory(recipient=reader, created_at=timezone.now() - timedelta(days=1))
    MessageFactory(recipient=reader, created_at=timezone.now() + timedelta(seconds=1))

    assert assert_right(reader) == [1]


# A message deleted ------------------------------------------------------------------------


def test_deleting_messages_one_by_one_or_in_bulk(reader):
    first, *others = MessageFactory.create_batch(4, recipient=reader)

    first.delete()
    assert assert_right(reader) == [3]
    Message.objects.filter(pk__in=[message.pk for message in others[:2]]).delete()

    assert assert_right(reader) == [1]


def test_deleting_a_message_already_read_changes_nothing(reader):
    old = MessageFactory(recipient=reader)
    mark_messages_read(user=reader)
    MessageFactory(recipient=reader, created_at=timezone.now() + timedelta(seconds=1))

    old.delete()

    assert assert_right(reader) == [1]


def test_deleting_a_deactivated_senders_message_changes_nothing(reader):
    gone = UserFactory()
    hidden = MessageFactory(sender=gone, recipient=reader)
    MessageFactory(recipient=reader)
    account_services.deactivate_users(users=User.objects.filter(pk=gone.pk))

    hidden.delete()

    assert assert_right(reader) == [1]


def test_staff_delete_messages_from_the_admin(moderator_client, reader):
    messages = MessageFactory.create_batch(3, recipient=reader)
    data = {"action": "delete_selected", "_selected_action": [message.pk for message in messages[:2]], "post": "yes"}

    assert moderator_client.post(MESSAGES, data).status_code == 302

    assert assert_right(reader) == [1]


def test_deleting_a_senders_account_takes_their_messages_out_of_the_count(reader):
    leaving, staying = UserFactory.create_batch(2)
    MessageFactory.create_batch(2, sender=leaving, recipient=reader)
    MessageFactory(sender=staying, recipient=reader)
    MessageFactory(sender=reader, recipient=leaving)

    account_services.delete_account(user=leaving)

    assert assert_right(reader, staying) == [1, 0]


def test_deleting_a_recipients_account_leaves_everyone_else_right(reader):
    leaving = UserFactory()
    MessageFactory.create_batch(2, sender=reader, recipient=leaving)
    MessageFactory(sender=leaving, recipient=reader)
    MessageFactory(recipient=reader)

    account_services.delete_account(user=leaving)

    assert not Message.objects.filter(recipient_id=leaving.pk).exists()
    assert assert_right(reader) == [1]


# A message re-pointed (a shell or a data fix: the admin cannot edit messages) -------------


def test_moving_a_message_to_another_recipient_or_time(reader):
    other = UserFactory()
    message = MessageFactory(recipient=reader)
    mark_messages_read(user=other)

    Message.objects.filter(pk=message.pk).update(recipient=other)
    assert assert_right(reader, other) == [0, 0]  # before other's last read
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() + timedelta(seconds=1))

    assert assert_right(reader, other) == [0, 1]


# The user's last_message_read_time changed -------------------------------------------------


def test_opening_a_conversation_takes_its_messages_off_the_count(client, reader):
    ana, bob = UserFactory.create_batch(2)
    MessageFactory.create_batch(2, sender=ana, recipient=reader)
    MessageFactory(sender=bob, recipient=reader)
    client.force_login(reader)

    inbox = client.get(reverse("posts:messages"))  # the inbox only lists them
    response = client.get(reverse("posts:conversation", args=[ana.username]))

    assert inbox.context["unread_message_count"] == 3
    assert response.context["unread_message_count"] == 1
    assert assert_right(reader) == [1]


def test_marking_a_conversation_read_keeps_the_count_through_every_path(reader):
    ana = UserFactory()
    old = MessageFactory(sender=ana, recipient=reader, created_at=timezone.now() - timedelta(days=2))
    mark_messages_read(user=reader)  # the old inbox's "everything so far"
    MessageFactory.create_batch(2, sender=ana, recipient=reader)
    assert assert_right(reader) == [2]

    assert mark_conversation_read(user=User.objects.get(pk=reader.pk), person=ana) == 2
    assert assert_right(reader) == [0]
    old.refresh_from_db()
    assert old.read_at is None  # read already by the time: not written again

    Message.objects.filter(recipient=reader).update(read_at=None)  # an admin's "unread" fix
    assert assert_right(reader) == [2]
    User.objects.filter(pk=reader.pk).update(last_message_read_time=None)
    assert assert_right(reader) == [3]


def test_moving_the_read_time_back_or_clearing_it_recounts(reader):
    now = timezone.now()
    MessageFactory(recipient=reader, created_at=now - timedelta(days=2))
    MessageFactory(recipient=reader, created_at=now - timedelta(hours=1))
    mark_messages_read(user=reader)
    assert assert_right(reader) == [0]

    reader.last_message_read_time = now - timedelta(days=1)
    reader.save(update_fields=["last_message_read_time"])
    assert assert_right(reader) == [1]
    User.objects.filter(pk=reader.pk).update(last_message_read_time=None)

    assert assert_right(reader) == [2]


def test_a_full_save_of_a_stale_user_keeps_the_stored_count(reader):
    stale = User.objects.get(pk=reader.pk)
    MessageFactory(recipient=reader)

    stale.about_me = "changed"
    stale.save()

    assert assert_right(reader) == [1]


# A sender's is_active changed --------------------------------------------------------------


def test_deactivating_and_reactivating_a_sender_recounts_their_recipients(reader):
    gone, friend = UserFactory.create_batch(2)
    MessageFactory.create_batch(2, sender=gone, recipient=reader)
    MessageFactory(sender=gone, recipient=friend)
    MessageFactory(sender=friend, recipient=reader)

    account_services.deactivate_users(users=User.objects.filter(pk=gone.pk))
    assert assert_right(reader, friend, gone) == [1, 0, 0]
    account_services.reactivate_users(users=User.objects.filter(pk=gone.pk))

    assert assert_right(reader, friend, gone) == [3, 1, 0]


def test_deactivating_several_senders_of_one_recipient_in_one_update(reader):
    senders = UserFactory.create_batch(3)
    for sender in senders:
        MessageFactory(sender=sender, recipient=reader)

    account_services.deactivate_users(users=User.objects.filter(pk__in=[sender.pk for sender in senders[:2]]))

    assert assert_right(reader) == [1]


def test_deactivation_keeps_the_readers_last_read_time(reader):
    gone = UserFactory()
    MessageFactory(sender=gone, recipient=reader)
    mark_messages_read(user=reader)
    MessageFactory(sender=gone, recipient=reader, created_at=timezone.now() + timedelta(seconds=1))

    account_services.deactivate_users(users=User.objects.filter(pk=gone.pk))
    account_services.reactivate_users(users=User.objects.filter(pk=gone.pk))

    assert assert_right(reader) == [1]


def test_the_admin_action_and_change_form_recount(moderator_client, reader):
    gone = UserFactory()
    MessageFactory(sender=gone, recipient=reader)

    moderator_client.post(USERS, {"action": "deactivate", "_selected_action": [gone.pk]})
    assert assert_right(reader) == [0]
    response = moderator_client.post(reverse("admin:accounts_user_change", args=[gone.pk]), {"is_active": "on"})

    assert response.status_code == 302
    assert assert_right(reader) == [1]


def test_a_save_that_changes_neither_column_recounts_nobody(reader):
    sender = UserFactory()
    MessageFactory(sender=sender, recipient=reader)
    User.objects.filter(pk=reader.pk).update(unread_message_count=7)  # a marker a recount would erase

    sender.about_me = "changed"
    sender.save()  # rewrites is_active and last_message_read_time, unchanged
    reader.save()

    assert stored(reader) == 7


# The badge ----------------------------------------------------------------------------------


def test_a_signed_in_page_shows_the_badge_without_counting_messages(client, reader, django_assert_num_queries):
    MessageFactory.create_batch(3, recipient=reader)
    client.force_login(reader)
    client.get(reverse("posts:explore"))  # last_seen is fresh now: no write below

    # session, user, blocks and mutes, the page of posts, "Who to follow"
    with django_assert_num_queries(5) as captured:
        response = client.get(reverse("posts:explore"))

    assert not any("posts_message" in query["sql"] for query in captured.captured_queries)
    content = response.content.decode()
    start = content.index('id="message-count"')
    assert content[start : content.index("</span>", start)].endswith(">3")


# The navbar and the poll show one value, on every path ---------------------------------------


def badges(client) -> tuple[int, int]:
    """Return (the navbar's badge, the poll's unread_message_count) as the signed-in reader sees them."""
    content = client.get(reverse("posts:explore")).content.decode()
    start = content.index(">", content.index('id="message-count"')) + 1
    navbar = int(content[start : content.index("</span>", start)])
    notifications = client.get(reverse("accounts:notifications"), {"since": "0"}).json()
    polled = [notification["data"] for notification in notifications if notification["name"] == "unread_message_count"]
    assert len(polled) == 1
    return navbar, polled[0]


def _send(reader, others):
    for sender in others:
        send_message(sender=sender, recipient=reader, body="hi")


def _bulk_create(reader, others):
    Message.objects.bulk_create(Message(sender=sender, recipient=reader, body="hi") for sender in others)


def _queryset_delete(reader, others):
    Message.objects.filter(recipient=reader, sender=others[0]).delete()


def _deactivate(reader, others):
    account_services.deactivate_users(users=User.objects.filter(pk__in=[others[0].pk, others[1].pk]))


def _reactivate(reader, others):
    _deactivate(reader, others)
    account_services.reactivate_users(users=User.objects.filter(pk=others[0].pk))


def _delete_sender(reader, others):
    account_services.delete_account(user=others[2])


def _read(reader, others):
    mark_messages_read(user=User.objects.get(pk=reader.pk))


def _read_then_receive(reader, others):
    _read(reader, others)
    MessageFactory(sender=others[0], recipient=reader, created_at=timezone.now() + timedelta(seconds=1))


PATHS = {
    "send": (_send, 6),
    "bulk create": (_bulk_create, 6),
    "queryset delete": (_queryset_delete, 2),
    "deactivate senders": (_deactivate, 1),
    "reactivate a sender": (_reactivate, 2),
    "delete a sender's account": (_delete_sender, 2),
    "open the inbox": (_read, 0),
    "read, then a new message": (_read_then_receive, 1),
}


@pytest.mark.parametrize("path", PATHS)
def test_the_navbar_and_the_poll_agree_after_every_path(client, reader, path):
    others = UserFactory.create_batch(3)
    for sender in others:
        MessageFactory(sender=sender, recipient=reader)
    client.force_login(reader)
    assert badges(client) == (3, 3)
    change, expected = PATHS[path]

    change(reader, others)

    assert badges(client) == (expected, expected)
    assert assert_right(reader) == [expected]


def test_the_navbar_and_the_poll_agree_after_the_admin_deletes_messages(moderator_client, reader):
    messages = MessageFactory.create_batch(3, recipient=reader)
    client = Client()  # the reader's browser, beside the moderator's
    client.force_login(reader)
    send_message(sender=UserFactory(), recipient=reader, body="a fourth")
    data = {"action": "delete_selected", "_selected_action": [message.pk for message in messages], "post": "yes"}

    assert moderator_client.post(MESSAGES, data).status_code == 302

    assert badges(client) == (1, 1)


def test_the_poll_counts_from_the_user_row_not_a_stored_notification(client, reader):
    MessageFactory(recipient=reader)
    client.force_login(reader)

    first = client.get(reverse("accounts:notifications"), {"since": "1700000000.5"}).json()

    assert first == [
        {"name": "unread_message_count", "data": 1, "timestamp": 1700000000.5},
        {"name": "unread_activity_count", "data": 0, "timestamp": 1700000000.5},
    ]


# The migration ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_messages_already_there():
    executor = MigrationExecutor(connection)
    executor.migrate([("posts", "0005_post_count_trigger")])
    reader, gone, sender = UserFactory.create_batch(3)
    # Raw rows: the model has columns (read_at) that this schema has not yet.
    with connection.cursor() as cursor:
        for author in (sender, sender, gone):
            cursor.execute(
                "INSERT INTO posts_message (sender_id, recipient_id, body, created_at) VALUES (%s, %s, 'hi', %s)",
                [author.pk, reader.pk, timezone.now()],
            )
    User.objects.filter(pk=gone.pk).update(is_active=False)
    assert stored(reader) == 0  # no trigger yet
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("posts", "0006_unread_message_count_triggers")])

        assert stored(reader) == 2
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert assert_right(reader) == [2]


@pytest.mark.django_db(transaction=True)
def test_the_migrations_can_be_undone_and_redone_with_the_counters_kept():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("accounts", "0005_user_counters"), ("posts", "0005_post_count_trigger")])
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        reader = UserFactory()
        reader.posts.create(body="hello")
        MessageFactory(recipient=reader)
        assert User.objects.values_list("post_count", "unread_message_count").get(pk=reader.pk) == (1, 1)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
