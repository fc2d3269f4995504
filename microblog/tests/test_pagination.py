"""One look-ahead pagination for the site's lists and the API's collections."""

import pytest

from microblog.pagination import MAX_OFFSET, fetch_page
from posts.models import Post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_a_page_is_one_query_one_row_past_the_page(django_assert_num_queries):
    posts = PostFactory.create_batch(5)
    newest_first = Post.objects.order_by("-created_at", "-pk")

    with django_assert_num_queries(1):
        first, more = fetch_page(newest_first, 1, 2)
    last, no_more = fetch_page(newest_first, 3, 2)

    assert (first, more) == (sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)[:2], True)
    assert (len(last), no_more) == (1, False)


def test_a_page_beyond_any_database_offset_is_empty_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert fetch_page(Post.objects.all(), MAX_OFFSET, 10) == ([], False)
