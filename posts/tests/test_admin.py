"""The admin for posts, messages and export jobs: query ceilings, permissions, moderation."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import deactivate_users
from accounts.tests.factories import FollowFactory, UserFactory
from microblog.pagination import EstimatedCountPaginator
from microblog.tests.queries import count_queries
from posts import services
from posts.models import Activity, Like, Message, Post, PostEdit
from posts.tests.factories import (
    ActivityFactory,
    BookmarkFactory,
    BoostFactory,
    ExportJobFactory,
    LikeFactory,
    MentionFactory,
    MessageFactory,
    PostEditFactory,
    PostFactory,
    TagFactory,
    TaggingFactory,
)

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


# The conversation models: sized for millions of rows like posts ------------------------

INTERACTIONS = {
    "tag": TagFactory,
    "like": LikeFactory,
    "boost": BoostFactory,
    "bookmark": BookmarkFactory,
    "mention": MentionFactory,
    "activity": ActivityFactory,
    "postedit": PostEditFactory,
}


def interactions(count):
    """`count` rows of every conversation model, on posts that have replies, likes and boosts."""
    rows = {}
    for name, factory in INTERACTIONS.items():
        rows[name] = factory.create_batch(count)
    for post in Post.objects.filter(in_reply_to__isnull=True)[:count]:
        PostFactory(in_reply_to=post, conversation=post.pk)
    TaggingFactory.create_batch(count)
    return rows


@pytest.mark.parametrize("name", INTERACTIONS)
def test_interaction_changelists_cost_the_same_for_1_and_50_rows(superuser_client, django_assert_max_num_queries, name):
    url = reverse(f"admin:posts_{name}_changelist")
    interactions(1)
    small = count_queries(superuser_client, url, django_assert_max_num_queries, 8)
    interactions(49)
    large = count_queries(superuser_client, url, django_assert_max_num_queries, 8)

    assert small == large


@pytest.mark.parametrize("name", INTERACTIONS)
def test_interaction_change_pages_cost_the_same_for_1_and_50_rows(
    superuser_client, django_assert_max_num_queries, name
):
    first = interactions(1)[name][0]
    small = count_queries(
        superuser_client, reverse(f"admin:posts_{name}_change", args=[first.pk]), django_assert_max_num_queries, 8
    )
    last = interactions(49)[name][-1]
    large = count_queries(
        superuser_client, reverse(f"admin:posts_{name}_change", args=[last.pk]), django_assert_max_num_queries, 8
    )

    assert small == large


def test_post_pages_cost_the_same_with_replies_tags_mentions_and_likes(superuser_client, django_assert_max_num_queries):
    interactions(1)
    post = Post.objects.filter(replies__isnull=False).first()
    url = reverse("admin:posts_post_change", args=[post.pk])
    small = (
        count_queries(superuser_client, POSTS, django_assert_max_num_queries, 8),
        count_queries(superuser_client, url, django_assert_max_num_queries, 12),
    )
    interactions(49)
    TaggingFactory.create_batch(5, post=post)
    MentionFactory.create_batch(5, post=post)
    LikeFactory.create_batch(5, post=post)
    large = (
        count_queries(superuser_client, POSTS, django_assert_max_num_queries, 8),
        count_queries(superuser_client, url, django_assert_max_num_queries, 12),
    )

    assert small == large


def test_post_page_shows_the_parent_and_the_counters_read_only(superuser_client):
    parent = PostFactory()
    reply = PostFactory(in_reply_to=parent, conversation=parent.pk)
    LikeFactory.create_batch(2, post=reply)
    TaggingFactory(post=reply, tag=TagFactory(name="Django"))

    page = superuser_client.get(reverse("admin:posts_post_change", args=[reply.pk]))

    readonly = {field for fieldset in page.context["adminform"] for line in fieldset for field in line}
    assert page.status_code == 200
    assert {"in_reply_to", "reply_count", "like_count", "boost_count"} <= {
        field.field["name"] for field in readonly if field.is_readonly
    }
    assert reverse("admin:posts_post_change", args=[parent.pk]) in page.content.decode()
    assert "Django" in page.content.decode()


def test_superusers_saving_a_post_keep_its_counters_and_parent(superuser_client):
    parent = PostFactory()
    reply = PostFactory(in_reply_to=parent, conversation=parent.pk, language="en")
    LikeFactory.create_batch(3, post=reply)

    response = superuser_client.post(
        reverse("admin:posts_post_change", args=[reply.pk]), {"language": "es", "like_count": "99"}
    )

    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.language, reply.like_count, reply.in_reply_to_id) == ("es", 3, parent.pk)


@pytest.mark.parametrize("name", ["like", "boost"])
def test_deleting_reactions_in_bulk_moves_the_counters(superuser_client, name):
    post = PostFactory()
    factory = INTERACTIONS[name]
    doomed = factory.create_batch(3, post=post)
    factory(post=post)
    data = {"action": "delete_selected", "_selected_action": [row.pk for row in doomed], "post": "yes"}

    response = superuser_client.post(reverse(f"admin:posts_{name}_changelist"), data)

    assert response.status_code == 302
    post.refresh_from_db()
    assert getattr(post, f"{name}_count") == 1


def test_deleting_a_like_takes_its_notification_with_it(superuser_client):
    activity = ActivityFactory()

    response = superuser_client.post(reverse("admin:posts_like_delete", args=[activity.like_id]), {"post": "yes"})

    assert response.status_code == 302
    assert not Like.objects.exists()
    activity.post.refresh_from_db()
    assert activity.post.like_count == 0
    assert not type(activity).objects.exists()


def test_tags_are_found_by_their_key_in_any_case(superuser_client):
    django = TagFactory(name="Django")
    TagFactory(name="DjangoCon")

    hashed = superuser_client.get(reverse("admin:posts_tag_changelist"), {"q": "#DJANGO"})
    plain = superuser_client.get(reverse("admin:posts_tag_changelist"), {"q": "django"})

    assert list(hashed.context["cl"].result_list) == [django]
    assert list(plain.context["cl"].result_list) == [django]


def test_reactions_are_found_by_user_or_post(superuser_client):
    susan = UserFactory(username="Susan")
    hers, other = LikeFactory(user=susan), LikeFactory()
    url = reverse("admin:posts_like_changelist")

    by_user = superuser_client.get(url, {"q": "@susan"})
    by_post = superuser_client.get(url, {"q": str(other.post_id)})

    assert list(by_user.context["cl"].result_list) == [hers]
    assert list(by_post.context["cl"].result_list) == [other]


def test_notifications_are_found_by_recipient(superuser_client):
    activity = ActivityFactory()
    ActivityFactory()

    response = superuser_client.get(
        reverse("admin:posts_activity_changelist"), {"q": f"@{activity.recipient.username}"}
    )

    assert list(response.context["cl"].result_list) == [activity]


@pytest.mark.parametrize("name", INTERACTIONS)
@pytest.mark.parametrize("term", ["words that match nothing", "@", "#", "99999999999999999999", "@nobody"])
def test_interaction_searches_never_fail(superuser_client, name, term):
    interactions(1)

    response = superuser_client.get(reverse(f"admin:posts_{name}_changelist"), {"q": term})

    assert response.status_code == 200


@pytest.mark.parametrize("name", INTERACTIONS)
def test_nobody_writes_interactions_in_the_admin(superuser_client, name):
    row = interactions(1)[name][0]

    assert superuser_client.get(reverse(f"admin:posts_{name}_add")).status_code == 403
    page = superuser_client.get(reverse(f"admin:posts_{name}_change", args=[row.pk]))
    assert not page.context["has_change_permission"]


# Moderation -----------------------------------------------------------------------------


def test_moderators_delete_selected_posts_in_a_fixed_number_of_queries(moderator_client, django_assert_max_num_queries):
    def delete_all(ceiling):
        # The admin's log reads the post's content type once per process: warm it first,
        # so the two runs compare alike whatever ran before.
        ContentType.objects.get_for_model(Post)
        ids = list(Post.objects.values_list("pk", flat=True))
        data = {"action": "delete_selected", "_selected_action": ids}
        with django_assert_max_num_queries(ceiling) as confirm:
            assert moderator_client.post(POSTS, data).status_code == 200
        with django_assert_max_num_queries(ceiling) as delete:
            assert moderator_client.post(POSTS, {**data, "post": "yes"}).status_code == 302
        return len(confirm), len(delete)

    PostFactory()
    # 27: a post now cascades to its taggings, mentions, likes, boosts, bookmarks,
    # notifications, pictures, earlier versions, reports' links to it and replies
    # (SET_NULL), one query each whatever the selection, and the pictures' files are
    # listed first (one query; PostgreSQL one more): 30 on SQLite, 31 on PostgreSQL.
    small = delete_all(31)
    PostFactory.create_batch(50)
    large = delete_all(31)

    assert small == large
    assert not Post.objects.exists()
    assert LogEntry.objects.count() == 51


def test_moderators_delete_a_post_with_everything_it_carries(moderator_client):
    author, fan = UserFactory.create_batch(2)
    post = services.publish_post(author=author, body=f"#django with @{fan.username}")
    services.like_post(user=fan, post=post)
    services.boost_post(user=fan, post=post)
    services.bookmark_post(user=fan, post=post)
    url = reverse("admin:posts_post_delete", args=[post.pk])

    confirm = moderator_client.get(url)
    response = moderator_client.post(url, {"post": "yes"})

    # The admin refuses (403 on the confirmation) when a cascaded row's delete permission is missing.
    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Activity.objects.exists()


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

    assert list(response.context["conversations"]) == []
    assert Message.objects.unread_for(reader).count() == 0


def test_every_post_queryset_hides_deactivated_authors(reader_and_gone):
    reader, gone = reader_and_gone

    assert [p.body for p in Post.objects.visible()] == ["shown"]
    assert [p.body for p in Post.objects.for_display()] == ["shown"]
    assert [p.body for p in Post.objects.feed_for(reader)] == ["shown"]
    assert list(Post.objects.by_author(gone)) == []


def test_an_edited_post_links_to_its_earlier_versions(superuser_client):
    post = PostFactory(edited_at=timezone.now())
    PostEditFactory(post=post, body="what it said before")
    PostEditFactory(body="another post's version")

    page = superuser_client.get(reverse("admin:posts_post_change", args=[post.pk])).text
    versions = superuser_client.get(reverse("admin:posts_postedit_changelist"), {"q": str(post.pk)}).text

    assert reverse("admin:posts_postedit_changelist") + f"?post__id__exact={post.pk}" in page.replace("&amp;", "&")
    assert "what it said before" in versions
    assert "another post&#x27;s version" not in versions


def test_moderators_delete_an_edited_post_with_its_versions(moderator_client):
    post = PostFactory()
    PostEditFactory(post=post)

    response = moderator_client.post(POSTS, {"action": "delete_selected", "_selected_action": [post.pk], "post": "yes"})

    assert response.status_code == 302
    assert not Post.objects.exists()
    assert not PostEdit.objects.exists()
