"""Editing a post: the service, the edit and history pages, the "edited" mark, and what follows the text."""

import datetime
import io
import json
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from posts import services
from posts.exports import write_posts_json
from posts.models import Activity, Mention, Post, PostEdit, Tagging
from posts.search import search_posts
from posts.tests.factories import PostEditFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def mention_kinds(post):
    return sorted(Activity.objects.filter(post=post).values_list("recipient__username", "kind"))


# ---------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------


def test_an_edit_keeps_the_version_it_replaced_and_marks_the_post_edited(me):
    start = timezone.now() - datetime.timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        post = services.publish_post(author=me, body="first words", content_warning="cw one")
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        assert services.edit_post(post=post, editor=me, body="second words", content_warning="cw two")
    with time_machine.travel(start + datetime.timedelta(minutes=20), tick=False):
        assert services.edit_post(post=post, editor=me, body="third words")

    post.refresh_from_db()
    assert (post.body, post.content_warning) == ("third words", "cw two")  # None keeps the warning
    assert post.edited_at == start + datetime.timedelta(minutes=20)
    versions = list(PostEdit.objects.of(post).values_list("body", "content_warning", "created_at"))
    assert versions == [
        ("second words", "cw two", start + datetime.timedelta(minutes=10)),
        ("first words", "cw one", start),
    ]


def test_the_same_text_again_records_nothing(me):
    post = services.publish_post(author=me, body="same words", content_warning="cw")

    assert not services.edit_post(post=post, editor=me, body="  same words\r\n", content_warning=" cw ")

    post.refresh_from_db()
    assert post.edited_at is None
    assert not post.edits.exists()


def test_only_the_author_can_edit(me):
    post = services.publish_post(author=UserFactory(), body="theirs")

    with pytest.raises(services.EditRefused):
        services.edit_post(post=post, editor=me, body="mine now")

    post.refresh_from_db()
    assert post.body == "theirs"
    assert not post.edits.exists()


@pytest.mark.parametrize("body", ["", "   ", "\u200b\u200b", "x" * 141])
def test_an_edit_follows_the_140_character_rule(me, body):
    post = services.publish_post(author=me, body="kept")

    with pytest.raises(services.ValidationError):
        services.edit_post(post=post, editor=me, body=body)

    post.refresh_from_db()
    assert post.body == "kept"
    assert not post.edits.exists()


def test_a_warning_longer_than_100_characters_is_refused(me):
    post = services.publish_post(author=me, body="kept")

    with pytest.raises(services.ValidationError):
        services.edit_post(post=post, editor=me, body="kept", content_warning="w" * 101)


def test_the_language_is_detected_again(me):
    post = services.publish_post(author=me, body="The weather is lovely today and the birds are singing")
    assert post.language == "en"

    services.edit_post(post=post, editor=me, body="El tiempo es estupendo hoy y los pájaros están cantando")

    post.refresh_from_db()
    assert post.language == "es"


def test_mentions_and_tags_follow_the_new_text(me):
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    post = services.publish_post(author=me, body="#cats and #dogs for @ann")

    services.edit_post(post=post, editor=me, body="#Dogs and #birds for @bob")

    assert set(Mention.objects.filter(post=post).values_list("user__username", flat=True)) == {"bob"}
    assert set(Tagging.objects.filter(post=post).values_list("tag__key", flat=True)) == {"dogs", "birds"}
    # A removed mention takes nothing back; a new one is told once.
    assert mention_kinds(post) == [("ann", "mention"), ("bob", "mention")]
    assert {ann.pk, bob.pk} == set(Activity.objects.filter(post=post).values_list("recipient_id", flat=True))


def test_a_mention_removed_and_added_again_is_not_told_twice(me):
    UserFactory(username="ann")
    post = services.publish_post(author=me, body="hi @ann")

    services.edit_post(post=post, editor=me, body="hi")
    services.edit_post(post=post, editor=me, body="hi again @ann")

    assert mention_kinds(post) == [("ann", "mention")]
    assert Mention.objects.filter(post=post).count() == 1


def test_the_author_of_a_reply_parent_gets_no_mention_over_the_reply(me):
    parent = PostFactory(author=UserFactory(username="ann"))
    reply = services.publish_post(author=me, body="yes", in_reply_to=parent)

    services.edit_post(post=reply, editor=me, body="yes @ann")

    assert mention_kinds(reply) == [("ann", "reply")]


def test_mentioning_oneself_in_an_edit_tells_nobody(me):
    post = services.publish_post(author=me, body="hello")

    services.edit_post(post=post, editor=me, body="hello @me")

    assert mention_kinds(post) == []


def test_counters_stay_as_they_were(me):
    post = services.publish_post(author=me, body="count me")
    services.like_post(user=UserFactory(), post=post)
    services.publish_post(author=UserFactory(), body="a reply", in_reply_to=post)

    services.edit_post(post=post, editor=me, body="count me, edited")

    post.refresh_from_db()
    me.refresh_from_db()
    assert (post.like_count, post.reply_count, me.post_count) == (1, 1, 1)


def test_a_deleted_post_cannot_be_edited(me):
    post = services.publish_post(author=me, body="soon gone")
    Post.objects.filter(pk=post.pk).delete()

    with pytest.raises(services.EditRefused) as refusal:
        services.edit_post(post=post, editor=me, body="too late")

    assert refusal.value.code == "gone"


@pytest.mark.django_db(transaction=True)
def test_two_edits_at_once_both_versions_are_kept_and_the_last_wins():
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite database is one connection")
    author = UserFactory()
    post = services.publish_post(author=author, body="original")
    barrier = threading.Barrier(2)

    def edit(body):
        try:
            barrier.wait()
            services.edit_post(post=Post.objects.get(pk=post.pk), editor=author, body=body)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(body,)) for body in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    post.refresh_from_db()
    kept = list(PostEdit.objects.of(post).values_list("body", flat=True))
    assert post.body in {"one", "two"}
    assert sorted(kept) == sorted(["original", ({"one", "two"} - {post.body}).pop()])


# ---------------------------------------------------------------------------
# Search follows the text (the database's own index; both vendors)
# ---------------------------------------------------------------------------


def test_search_finds_the_new_text_and_not_the_old(me):
    post = services.publish_post(author=me, body="a quokka in the garden")

    services.edit_post(post=post, editor=me, body="a wombat in the garden")

    assert list(search_posts("wombat")) == [post]
    assert list(search_posts("quokka")) == []


def test_search_finds_the_warning_and_the_body_behind_it(me):
    post = services.publish_post(author=me, body="the ending of the film", content_warning="spoilers")

    assert list(search_posts("spoilers")) == [post]
    assert list(search_posts("ending")) == [post]

    services.edit_post(post=post, editor=me, body="the ending of the film", content_warning="plot")

    assert list(search_posts("spoilers")) == []
    assert list(search_posts("plot")) == [post]


# ---------------------------------------------------------------------------
# The edit page
# ---------------------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client):
    post = PostFactory()
    url = reverse("posts:edit", args=[post.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_edit_page_holds_the_text_and_the_warning(client, me, django_assert_max_num_queries):
    post = services.publish_post(author=me, body="my words", content_warning="my warning")

    with django_assert_max_num_queries(8):
        response = client.get(reverse("posts:edit", args=[post.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert (form["body"].value(), form["content_warning"].value()) == ("my words", "my warning")
    assert "Pictures cannot be changed." in response.text


def test_saving_goes_to_the_post_and_shows_edited(client, me):
    post = services.publish_post(author=me, body="before")

    response = client.post(
        reverse("posts:edit", args=[post.pk]), {"body": "after", "content_warning": "careful"}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"{post.get_absolute_url()}#post-{post.pk}"
    page = response.text
    assert "Your post has been updated." in page
    assert "after" in page
    assert "before" not in page
    assert f'href="{reverse("posts:history", args=[post.pk])}"' in page
    assert '<details class="post-cw">' in page
    assert "careful" in page


def test_the_same_text_says_nothing_changed(client, me):
    post = services.publish_post(author=me, body="unchanged")

    response = client.post(reverse("posts:edit", args=[post.pk]), {"body": "unchanged"}, follow=True)

    assert "Nothing changed: the post is as it was." in response.text
    assert not post.edits.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": "x" * 141}, "body"),
        ({"body": ""}, "body"),
        ({"body": "\u200b"}, "body"),
        ({"body": "fine", "content_warning": "w" * 101}, "content_warning"),
    ],
)
def test_bad_input_is_a_form_error_with_the_text_kept(client, me, data, field):
    post = services.publish_post(author=me, body="kept")

    response = client.post(reverse("posts:edit", args=[post.pk]), data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["form"]["body"].value() == data["body"]
    post.refresh_from_db()
    assert post.body == "kept"


def test_someone_elses_or_a_missing_post_is_a_404(client, me):
    theirs = PostFactory(body="theirs")

    assert client.get(reverse("posts:edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("posts:edit", args=[theirs.pk]), {"body": "mine"}).status_code == 404
    assert client.get(reverse("posts:edit", args=[theirs.pk + 1000])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.body == "theirs"


def test_the_edit_control_shows_on_own_posts_only(client, me):
    mine, theirs = PostFactory(author=me), PostFactory()

    page = client.get(reverse("posts:explore")).text

    assert f'href="{reverse("posts:edit", args=[mine.pk])}"' in page
    assert f'href="{reverse("posts:edit", args=[theirs.pk])}"' not in page


def test_an_edited_post_never_shows_its_old_text_from_the_cache(client, me):
    post = services.publish_post(author=me, body="cached words")
    assert "cached words" in client.get(reverse("posts:explore")).text

    client.post(reverse("posts:edit", args=[post.pk]), {"body": "fresh words"})

    for url in (reverse("posts:explore"), post.get_absolute_url(), reverse("posts:profile", args=["me"])):
        page = client.get(url).text
        assert "fresh words" in page, url
        assert "cached words" not in page, url


# ---------------------------------------------------------------------------
# The history page
# ---------------------------------------------------------------------------


def test_the_history_lists_earlier_versions_newest_first(client, me, django_assert_max_num_queries):
    start = timezone.now() - datetime.timedelta(days=1)
    with time_machine.travel(start, tick=False):
        post = services.publish_post(author=me, body="version one")
    for number, body in enumerate(["version two", "version three"], start=1):
        with time_machine.travel(start + datetime.timedelta(hours=number), tick=False):
            services.edit_post(post=post, editor=me, body=body)
    client.logout()  # as public as the post

    with django_assert_max_num_queries(6):
        response = client.get(reverse("posts:history", args=[post.pk]))

    assert response.status_code == 200
    page = response.text
    assert page.index("version three") < page.index("version two") < page.index("version one")
    assert [version.body for version in response.context["versions"]] == ["version two", "version one"]
    assert page.count("<time") >= 3


def test_an_earlier_warning_folds_its_version_too(client, me):
    post = services.publish_post(author=me, body="hidden words", content_warning="spoilers")
    services.edit_post(post=post, editor=me, body="plain words", content_warning="")

    page = client.get(reverse("posts:history", args=[post.pk])).text

    assert page.count('<details class="post-cw">') == 1
    assert page.index("spoilers") < page.index("hidden words")


def test_a_post_never_edited_says_so(client, me):
    post = PostFactory(author=me)

    response = client.get(reverse("posts:history", args=[post.pk]))

    assert "This post has not been edited." in response.text


def test_the_history_of_a_hidden_or_missing_post_is_a_404(client, me):
    hidden = PostFactory(author=UserFactory(is_active=False))
    PostEditFactory(post=hidden)

    assert client.get(reverse("posts:history", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("posts:history", args=[hidden.pk + 1000])).status_code == 404


def test_the_history_pages_by_twenty_five(client, me, settings):
    post = PostFactory(author=me)
    PostEditFactory.create_batch(30, post=post)

    first = client.get(reverse("posts:history", args=[post.pk]))
    second = client.get(reverse("posts:history", args=[post.pk]), {"page": 2})

    assert len(first.context["versions"]) == 25
    assert len(second.context["versions"]) == 5


def test_the_export_carries_the_warning_and_the_edit_time(me):
    services.publish_post(author=me, body="plain")
    post = services.publish_post(author=me, body="folded", content_warning="cw")
    services.edit_post(post=post, editor=me, body="folded, edited")
    out = io.StringIO()

    write_posts_json(me, out)

    plain, folded = json.loads(out.getvalue())["posts"]
    assert set(plain) == {"body", "timestamp"}
    assert (folded["body"], folded["content_warning"]) == ("folded, edited", "cw")
    assert folded["edited"].endswith("Z")


# ---------------------------------------------------------------------------
# Writing a warning: the post box and the reply form
# ---------------------------------------------------------------------------


def test_the_post_box_takes_a_warning(client, me):
    response = client.post(reverse("posts:home"), {"body": "the ending", "content_warning": " film\nspoilers "})

    assert response.status_code == 302
    assert Post.objects.get(author=me).content_warning == "film spoilers"


def test_a_reply_takes_a_warning(client, me):
    parent = PostFactory()

    client.post(reverse("posts:reply", args=[parent.pk]), {"body": "no way", "content_warning": "spoilers"})

    assert Post.objects.get(author=me).content_warning == "spoilers"


def test_a_long_warning_keeps_what_was_typed(client, me):
    response = client.post(reverse("posts:home"), {"body": "my words", "content_warning": "w" * 101})

    assert response.status_code == 200
    form = response.context["form"]
    assert "content_warning" in form.errors
    assert (form["body"].value(), form["content_warning"].value()) == ("my words", "w" * 101)
    assert not Post.objects.exists()


def test_the_body_and_pictures_fold_behind_the_warning_for_every_viewer(client, me):
    post = PostFactory(body="what happens", content_warning="spoilers")

    for signed_in in (True, False):
        if not signed_in:
            client.logout()
        page = client.get(reverse("posts:explore")).text
        folded = page[page.index(f'id="post-{post.pk}"') :]
        assert folded.index('<details class="post-cw">') < folded.index("spoilers") < folded.index("what happens")
        assert folded.index("what happens") < folded.index("</details>")
