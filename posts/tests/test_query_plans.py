"""The feed and explore queries are served by indexes on PostgreSQL."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Follow
from accounts.tests.factories import UserFactory
from posts.models import Post

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def seeded():
    """200 authors, 40,000 posts over a year, one reader following 20 authors."""
    rng = random.Random(7)
    authors = UserFactory.create_batch(200)
    now = timezone.now()
    Post.objects.bulk_create(
        Post(author=rng.choice(authors), body=f"post {i}", created_at=now - timedelta(minutes=rng.randint(0, 525600)))
        for i in range(40_000)
    )
    reader = authors[0]
    Follow.objects.bulk_create(Follow(follower=reader, followed=author) for author in authors[1:21])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return reader


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_home_feed_uses_the_posts_indexes(seeded):
    plan = plan_of(Post.objects.feed_for(seeded)[:26])

    assert "Seq Scan on posts_post" not in plan, plan
    assert "post_author_created" in plan or "post_created" in plan, plan


def test_explore_reads_the_created_index(seeded):
    plan = plan_of(Post.objects.for_display()[:26])

    assert "Seq Scan on posts_post" not in plan, plan
    assert "post_created" in plan, plan
