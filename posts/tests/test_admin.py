"""The admin for posts, messages and export jobs: query ceilings, permissions, moderation."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import deactivate_users
from accounts.tests.factories import FollowFactory, UserFactory
from microblog.pagination import EstimatedCountPaginator
from microblog.tests.queries import count_queries
from posts.models import Message, Post
from posts.tests.factories import ExportJobFactory, MessageFactory, PostFactory

pytestmark = pytest.mark.django_db

POSTS = reverse("admin:posts_post_changelist")
MESSAGES = reverse("admin:posts_message_changelist")
JOBS = reverse("admin:posts_exportjob_changelist")
FACTORIES = {"post": PostFactory, "message": MessageFactory, "exportjob": ExportJobFactory}


@pytest.fixture(params=["superuser", "moderator"])
def staff_client(request, client, moderator):
    """A client signed in once as a superuser, once as a moderator."""
    client.force_login(moderator if request.param == "moderator" else UserFactory(superuser=True))
    return client


# Query ceilings: the same count with 1 row and with 50 ----------------------------------


@pytest.mark.parametrize("name", ["post", "message"])
def test_changelists_cost_the_same_for_1_and_50_rows(staff_client, django_assert_max_num_queries, name):
    url = reverse(f"admin:posts_{name}_changelist")
    FACTORIES[name]()
    small = count_queries(staff_client, url, django_assert_max_num_queries, 8)
    FACTORIES[name].create_batch(49)
    large = count_queries(staff_client, url, django_assert_max_num_queries, 8)

    assert small == large


@pytest.mark.parametrize("name", ["post", "message"])
def test_change_pages_cost_the_same_for_1_and_50_rows(staff_client, django_assert_max_num_queries, name):
    first = FACTORIES[name]()
    small = count_queries(
        staff_client, reverse(f"admin:posts_{name}_change", args=[first.pk]), django_assert_max_num_queries, 8
    )
    last = FACTORIES[name].create_batch(49)[-1]
    large = count_queries(
        staff_client, reverse(f"admin:posts_{name}_change", args=[last.pk]), django_assert_max_num_queries, 8
    )

    assert small == large


def test_export_job_pages_cost_the_same_for_1_and_50_jobs(superuser_client, django_assert_max_num_queries):
    first = ExportJobFactory()
    small = count_queries(superuser_client, JOBS, django_assert_max_num_queries, 10)
    small_page = count_queries(
        superuser_client, reverse("admin:posts_exportjob_change", args=[first.pk]), django_assert_max_num_queries, 8
    )
    ExportJobFactory.create_batch(49)
    large = count_queries(superuser_client, JOBS, django_assert_max_num_queries, 10)
    large_page = count_queries(
        superuser_client, reverse("admin:posts_exportjob_change", args=[first.pk]), django_assert_max_num_queries, 8
    )

    assert (small, small_page) == (large, large_page)


def test_user_page_shows_the_ten_newest_posts_in_fixed_queries(staff_client, django_assert_max_num_queries):
    susan = UserFactory()
    now = timezone.now()
    PostFactory(author=susan, created_at=now - timedelta(days=100))
    url = reverse("admin:accounts_user_change", args=[susan.pk])
    small = count_queries(staff_client, url, django_assert_max_num_queries, 12)
    posts = [PostFactory(author=susan, created_at=now - timedelta(minutes=i)) for i in range(49)]

    staff_client.get(url)
    with django_assert_max_num_queries(12) as captured:
        response = staff_client.get(url)

    assert len(captured) == small
    (inline,) = response.context["inline_admin_formsets"]
    assert [form.original for form in inline] == posts[:10]
    assert not inline.has_change_permission
    assert not inline.has_add_permission
    assert not inline.has_delete_permission


def test_saving_a_user_needs_no_data_from_the_posts_inline(superuser_client):
    susan = UserFactory(username="susan", email="susan@example.com")
    PostFactory(author=susan)

    response = superuser_client.post(
        reverse("admin:accounts_user_change", args=[susan.pk]),
        {"username": "susan", "email": "susan@example.com", "is_active": "on", "about_me": "Edited."},
    )

    assert response.status_code == 302
    susan.refresh_from_db()
    assert susan.about_me == "Edited."


# Moderation -----------------------------------------------------------------------------


def test_moderators_delete_selected_posts_in_a_fixed_number_of_queries(moderator_client, django_assert_max_num_queries):
    def delete_all(ceiling):
        ids = list(Post.objects.values_list("pk", flat=True))
        data = {"action": "delete_selected", "_selected_action": ids}
        with django_assert_max_num_queries(ceiling) as confirm:
            assert moderator_client.post(POSTS, data).status_code == 200
        with django_assert_max_num_queries(ceiling) as delete:
            assert moderator_client.post(POSTS, {**data, "post": "yes"}).status_code == 302
        return len(confirm), len(delete)

    PostFactory()
    small = delete_all(16)
    PostFactory.create_batch(50)
    large = delete_all(16)

    assert small == large
    assert not Post.objects.exists()
    assert LogEntry.objects.count() == 51


def test_moderators_delete_messages(moderator_client):
    message = MessageFactory()

    response = moderator_client.post(reverse("admin:posts_message_delete", args=[message.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Message.objects.exists()


def test_moderators_cannot_edit_posts(moderator_client):
    post = PostFactory(body="original")

    response = moderator_client.post(reverse("admin:posts_post_change", args=[post.pk]), {"language": "es"})

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.language == "en"


@pytest.mark.parametrize("url", [JOBS, reverse("admin:posts_post_add"), reverse("admin:posts_message_add")])
def test_pages_out_of_a_moderators_reach(moderator_client, url):
    assert moderator_client.get(url).status_code == 403


def test_nobody_writes_posts_or_messages_in_the_admin(superuser_client):
    message = MessageFactory()

    assert superuser_client.get(reverse("admin:posts_post_add")).status_code == 403
    assert superuser_client.get(reverse("admin:posts_message_add")).status_code == 403
    page = superuser_client.get(reverse("admin:posts_message_change", args=[message.pk]))
    assert not page.context["has_change_permission"]


def test_superusers_may_correct_a_posts_language_only(superuser_client):
    post = PostFactory(body="original", language="en")

    response = superuser_client.post(
        reverse("admin:posts_post_change", args=[post.pk]), {"language": "es", "body": "forged"}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.body, post.language) == ("original", "es")


# Search and filters ---------------------------------------------------------------------


def test_at_username_finds_one_authors_posts_any_case(superuser_client):
    susan = UserFactory(username="Susan")
    hers = PostFactory(author=susan, body="nothing about anyone")
    PostFactory(body="a post that mentions susan")

    response = superuser_client.get(POSTS, {"q": "@susan"})

    assert list(response.context["cl"].result_list) == [hers]


def test_plain_search_matches_bodies(superuser_client):
    match = PostFactory(body="I saw a Quokka today")
    PostFactory(body="nothing here")

    response = superuser_client.get(POSTS, {"q": "quokka"})

    assert list(response.context["cl"].result_list) == [match]


def test_plain_search_uses_the_full_text_index_and_sees_deactivated_authors(superuser_client):
    hidden = PostFactory(body="Café con leche", author=UserFactory(is_active=False))
    phrase = PostFactory(body="the new café downtown")
    PostFactory(body="a cafeteria is not a cafe word match")

    accents = superuser_client.get(POSTS, {"q": "cafe -downtown -cafeteria"})
    quoted = superuser_client.get(POSTS, {"q": '"new cafe"'})

    assert list(accents.context["cl"].result_list) == [hidden]
    assert list(quoted.context["cl"].result_list) == [phrase]


def test_at_username_finds_messages_sent_and_received(superuser_client):
    susan = UserFactory(username="susan")
    sent, received = MessageFactory(sender=susan), MessageFactory(recipient=susan)
    MessageFactory()

    response = superuser_client.get(MESSAGES, {"q": "@susan"})

    assert set(response.context["cl"].result_list) == {sent, received}


@pytest.mark.parametrize(("params", "expected"), [({"language": "es"}, ["hola"]), ({"language": "-"}, ["?"])])
def test_language_filter_uses_fixed_choices(superuser_client, params, expected):
    PostFactory(body="hello", language="en")
    PostFactory(body="hola", language="es")
    PostFactory(body="?", language="")

    response = superuser_client.get(POSTS, params)

    assert [post.body for post in response.context["cl"].result_list] == expected


def test_posts_of_deactivated_authors_can_be_listed_for_review(superuser_client):
    hidden = PostFactory(author=UserFactory(is_active=False))
    PostFactory()

    response = superuser_client.get(POSTS, {"author__is_active__exact": "0"})

    assert list(response.context["cl"].result_list) == [hidden]


@pytest.mark.parametrize("params", [{"created_at__gte": "not a date"}, {"language": "xx"}, {"p": "999"}])
def test_bad_filter_values_are_not_server_errors(superuser_client, params):
    PostFactory()

    response = superuser_client.get(POSTS, params)

    assert response.status_code in {200, 302, 400}


# The estimated count --------------------------------------------------------------------


@pytest.mark.postgres
def test_an_unfiltered_big_table_is_counted_from_statistics(monkeypatch, django_assert_num_queries):
    PostFactory.create_batch(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE posts_post")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 10)

    with django_assert_num_queries(1) as captured:
        count = EstimatedCountPaginator(Post.objects.all(), 10).count

    assert count == 30
    assert "COUNT" not in captured[0]["sql"].upper()


def test_small_tables_are_counted_exactly():
    PostFactory.create_batch(3)

    assert EstimatedCountPaginator(Post.objects.all(), 10).count == 3


def test_filtered_lists_are_counted_exactly(monkeypatch):
    PostFactory.create_batch(3)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)

    assert EstimatedCountPaginator(Post.objects.filter(language="en"), 10).count == 3


# A deactivated author's posts leave every list -------------------------------------------


@pytest.fixture
def reader_and_gone(client):
    """A signed-in reader who follows an author a moderator then deactivated."""
    reader, gone, friend = UserFactory.create_batch(3)
    FollowFactory(follower=reader, followed=gone)
    FollowFactory(follower=reader, followed=friend)
    PostFactory(author=gone, body="hidden")
    PostFactory(author=friend, body="shown")
    MessageFactory(sender=gone, recipient=reader, body="hidden")
    deactivate_users(users=User.objects.filter(pk=gone.pk))
    client.force_login(reader)
    return reader, gone


@pytest.mark.parametrize("name", ["posts:home", "posts:explore"])
def test_deactivated_authors_posts_leave_the_lists(client, reader_and_gone, name):
    response = client.get(reverse(name))

    assert [post.body for post in response.context["posts"]] == ["shown"]


def test_deactivated_authors_profile_is_gone(client, reader_and_gone):
    _reader, gone = reader_and_gone

    assert client.get(reverse("posts:profile", args=[gone.username])).status_code == 404


def test_deactivated_senders_messages_leave_the_inbox(client, reader_and_gone):
    reader, _gone = reader_and_gone

    response = client.get(reverse("posts:messages"))

    assert list(response.context["messages_list"]) == []
    assert Message.objects.unread_for(reader).count() == 0


def test_every_post_queryset_hides_deactivated_authors(reader_and_gone):
    reader, gone = reader_and_gone

    assert [p.body for p in Post.objects.visible()] == ["shown"]
    assert [p.body for p in Post.objects.for_display()] == ["shown"]
    assert [p.body for p in Post.objects.feed_for(reader)] == ["shown"]
    assert list(Post.objects.by_author(gone)) == []
