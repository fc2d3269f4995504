"""The inbox and a conversation are served by the messages' indexes on PostgreSQL, never a table scan."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from posts.models import Message

# VACUUM (which sets the visibility map that index-only scans rely on, as autovacuum
# does in production) cannot run inside the test's transaction.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def heavy():
    """A user with 6,000 messages among 300 people, in a table of 26,000."""
    rng = random.Random(5)
    heavy = UserFactory(username="heavy")
    people = UserFactory.create_batch(300)
    others = UserFactory.create_batch(50)
    now = timezone.now()
    rows = []
    for _ in range(6_000):
        person = rng.choice(people)
        sender, recipient = (heavy, person) if rng.random() < 0.5 else (person, heavy)
        rows.append(
            Message(
                sender=sender,
                recipient=recipient,
                body="hi",
                created_at=now - timedelta(minutes=rng.randint(0, 525_600)),
            )
        )
    for _ in range(20_000):
        sender, recipient = rng.sample(others, 2)
        rows.append(
            Message(
                sender=sender,
                recipient=recipient,
                body="x",
                created_at=now - timedelta(minutes=rng.randint(0, 525_600)),
            )
        )
    Message.objects.bulk_create(rows, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE posts_message")
        cursor.execute("ANALYZE accounts_user")
    return heavy


def plan_of(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_inbox_reads_only_the_indexes_of_the_users_messages(heavy):
    with CaptureQueriesContext(connection) as queries:
        conversations = Message.objects.conversations_of(heavy)[0:26]

    plan = plan_of(queries.captured_queries[0]["sql"])
    assert len(conversations) == 26
    assert "Seq Scan on posts_message" not in plan, plan
    assert "Index Only Scan using message_sender_recipient" in plan, plan
    assert "Index Only Scan using message_recipient_sender" in plan, plan
    assert "using message_unread" in plan, plan  # the unread counts


def test_a_conversation_reads_each_direction_from_its_index(heavy):
    person = Message.objects.filter(recipient=heavy).values_list("sender", flat=True).first()

    for sender, recipient in ((heavy.pk, person), (person, heavy.pk)):
        sql, params = Message.objects.from_to(sender, recipient)[:26].query.sql_with_params()
        plan = plan_of(sql, params)

        assert "Seq Scan on posts_message" not in plan, plan
        assert "message_sender_recipient" in plan or "message_recipient_sender" in plan, plan


def test_marking_a_conversation_read_uses_the_unread_index(heavy):
    person = Message.objects.filter(recipient=heavy).values_list("sender", flat=True).first()
    unread = Message.objects.filter(recipient=heavy, sender=person, read_at__isnull=True)

    sql, params = unread.query.sql_with_params()
    plan = plan_of(sql, params)

    assert "Seq Scan on posts_message" not in plan, plan
    assert "message_unread" in plan, plan
