"""A post's HTML is cached under posts.rendering.post_key: shared between viewers, never stale.

Each test of `test_changing_an_input_changes_the_post_html` changes one thing the post's
HTML shows, and fails if the page still serves the HTML cached before the change.
"""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.services import remove_avatar, set_avatar
from accounts.tests.factories import FollowFactory, UserFactory
from posts import services
from posts.models import Attachment, Mention, Post
from posts.rendering import _age_bucket
from posts.tests.factories import (
    AttachmentFactory,
    BookmarkFactory,
    BoostFactory,
    LikeFactory,
    MentionFactory,
    PostFactory,
    stored_picture,
)

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def article(page: str, post) -> str:
    """Return the <article> of `post` in `page`."""
    match = re.search(rf'<article [^>]*id="post-{post.pk}">.*?</article>', page, re.DOTALL)
    assert match, f"post {post.pk} is not on the page"
    return match.group(0)


def explore(client, **headers) -> str:
    return client.get(reverse("posts:explore"), headers=headers).text


def rename_author(post, client):
    User.objects.filter(pk=post.author_id).update(username="renamed")


def change_avatar(post, client):
    User.objects.filter(pk=post.author_id).update(email="someone.else@example.com")


def upload_an_avatar(post, client):
    set_avatar(user=post.author, image=Image.new("RGB", (64, 64), "orange"))


def give_the_author_an_avatar(post, viewer):
    set_avatar(user=post.author, image=Image.new("RGB", (64, 64), "orange"))


def replace_the_avatar(post, client):
    set_avatar(user=User.objects.get(pk=post.author_id), image=Image.new("RGB", (64, 64), "purple"))


def remove_the_avatar(post, client):
    remove_avatar(user=User.objects.get(pk=post.author_id))


def edit_body(post, client):
    Post.objects.filter(pk=post.pk).update(body="second words")


def change_post_language(post, client):
    Post.objects.filter(pk=post.pk).update(language="de")


def view_as_the_author(post, client):
    client.force_login(post.author)


def mention_ann(post, viewer):
    ann = UserFactory(username="ann")
    Post.objects.filter(pk=post.pk).update(body="first words @ann")
    MentionFactory(post=post, user=ann)


def rename_the_mentioned(post, client):
    User.objects.filter(username="ann").update(username="Ann")  # the link now reads and leads to @Ann


def unlink_the_mention(post, client):
    Mention.objects.filter(post=post).delete()  # @ann is plain text now


def reply_to_bob(post, viewer):
    parent = PostFactory(author=UserFactory(username="bob"), created_at=post.created_at - datetime.timedelta(minutes=1))
    Post.objects.filter(pk=post.pk).update(in_reply_to=parent, conversation=parent.pk)


def rename_the_parents_author(post, client):
    User.objects.filter(username="bob").update(username="robert")


def delete_the_parent(post, client):
    Post.objects.get(pk=Post.objects.get(pk=post.pk).in_reply_to_id).delete()


def boosted_by_carol(post, viewer):
    carol = UserFactory(username="carol")
    FollowFactory(follower=viewer, followed=carol)
    BoostFactory(user=carol, post=post)


def rename_the_booster(post, client):
    User.objects.filter(username="carol").update(username="caroline")


def the_viewer(client):
    return User.objects.get(pk=client.session["_auth_user_id"])


def like_it(post, client):
    LikeFactory(user=the_viewer(client), post=post)  # pressed, and the count moves


def someone_likes_it(post, client):
    LikeFactory(post=post)  # the count moves, the viewer's button does not


def boost_it(post, client):
    BoostFactory(user=the_viewer(client), post=post)


def bookmark_it(post, client):
    BookmarkFactory(user=the_viewer(client), post=post)


def someone_replies(post, client):
    PostFactory(in_reply_to=post, conversation=post.pk)


def add_a_picture(post, viewer):
    AttachmentFactory(post=post, alt_text="A heron")


def attach_another_picture(post, client):
    AttachmentFactory(post=post, alt_text="A second heron")


def describe_it_again(post, client):
    Attachment.objects.filter(post=post).update(alt_text="A grey heron")


def store_other_files(post, client):
    Attachment.objects.filter(post=post).update(variants=stored_picture(color="navy"))


def mark_it_sensitive(post, client):
    Post.objects.filter(pk=post.pk).update(is_sensitive=True)


def add_a_warning(post, client):
    Post.objects.filter(pk=post.pk).update(content_warning="spoilers")


def reword_the_warning(post, client):
    Post.objects.filter(pk=post.pk).update(content_warning="big spoilers")


def edit_it(post, client):
    services.edit_post(post=post, editor=post.author, body="edited words")  # the text, and "edited"


def edit_it_again(post, client):
    services.edit_post(post=Post.objects.get(pk=post.pk), editor=post.author, body="third words")


def remove_the_picture(post, client):
    Attachment.objects.filter(post=post).delete()  # attachment_count stays: one query, no picture


# One entry per input the fragment shows: a change that needs settings or another request
# header is made by `settings` or `headers` on the second request.
INPUTS = {
    "author name": {"change": rename_author},
    "avatar (author email)": {"change": change_avatar},
    "avatar provider": {"settings": {"AVATAR_PROVIDER": "gravatar"}},
    "avatar uploaded": {"change": upload_an_avatar},
    "avatar replaced": {"setup": give_the_author_an_avatar, "change": replace_the_avatar},
    "avatar removed": {"setup": give_the_author_an_avatar, "change": remove_the_avatar},
    "post body": {"change": edit_body},
    "post language": {"change": change_post_language, "translator": True},
    "viewer language": {"headers": {"accept-language": "es"}},
    "time zone": {"settings": {"TIME_ZONE": "America/New_York"}},
    "translator setting": {"settings": {"TRANSLATOR": "libretranslate", "TRANSLATOR_URL": "http://127.0.0.1:9"}},
    "viewer (own post: Delete)": {"change": view_as_the_author},
    "time passing": {"travel": datetime.timedelta(minutes=2)},
    "crossing the week line (the date)": {"travel": datetime.timedelta(days=7)},
    # The action bar: the counts, and the viewer's own state.
    "viewer's like": {"change": like_it},
    "like count": {"change": someone_likes_it},
    "viewer's boost (and the count)": {"change": boost_it},
    "viewer's bookmark": {"change": bookmark_it},
    "reply count": {"change": someone_replies},
    # What the body's links and the lines above it show: set up by `setup` before the
    # first request; `page` is where the post shows that way (explore by default).
    "mentioned username": {"setup": mention_ann, "change": rename_the_mentioned},
    "mention links": {"setup": mention_ann, "change": unlink_the_mention},
    "parent's author (replying to @x)": {"setup": reply_to_bob, "change": rename_the_parents_author},
    "parent deleted (replying to a deleted post)": {"setup": reply_to_bob, "change": delete_the_parent},
    "booster (x boosted)": {"setup": boosted_by_carol, "change": rename_the_booster, "page": "posts:home"},
    # The pictures: which there are, their files, their descriptions, their sensitivity.
    "a picture added": {"change": add_a_picture},
    "another picture added": {"setup": add_a_picture, "change": attach_another_picture},
    "picture removed": {"setup": add_a_picture, "change": remove_the_picture},
    "picture description": {"setup": add_a_picture, "change": describe_it_again},
    "picture files": {"setup": add_a_picture, "change": store_other_files},
    "sensitive pictures": {"setup": add_a_picture, "change": mark_it_sensitive},
    # Content warnings and edits.
    "content warning added": {"change": add_a_warning},
    "content warning reworded": {"setup": add_a_warning, "change": reword_the_warning},
    "an edit": {"change": edit_it},
    "another edit (the edited time)": {"setup": edit_it, "change": edit_it_again},
}
TRANSLATOR_ON = {"TRANSLATOR": "libretranslate", "TRANSLATOR_URL": "http://127.0.0.1:9"}


@pytest.mark.parametrize("name", INPUTS)
def test_changing_an_input_changes_the_post_html(client, name):
    given = INPUTS[name]
    url = reverse(given.get("page", "posts:explore"))

    def page(client, **headers):
        return client.get(url, headers=headers).text

    start = timezone.now() - datetime.timedelta(minutes=10)
    base_settings = TRANSLATOR_ON if given.get("translator") else {}
    with time_machine.travel(start, tick=False), override_settings(**base_settings):
        post = PostFactory(body="first words", language="fr", created_at=start - datetime.timedelta(minutes=5))
        viewer = UserFactory()
        client.force_login(viewer)
        if "setup" in given:
            given["setup"](post, viewer)
        before = article(page(client, **{"accept-language": "en"}), post)
    headers = {"accept-language": "en", **given.get("headers", {})}
    when = start + given.get("travel", datetime.timedelta())
    with time_machine.travel(when, tick=False), override_settings(**base_settings, **given.get("settings", {})):
        if "change" in given:
            given["change"](post, client)
        served = article(page(client, **headers), post)
        cache.clear()
        fresh = article(page(client, **headers), post)

    assert served != before, f"changing the {name} left the post's HTML as it was"
    assert served == fresh, f"after changing the {name} the page served the HTML cached before"


def test_every_tag_links_to_its_page_and_a_mention_only_to_someone_who_exists(client):
    post = PostFactory(body="#Django for @ann and @nobody")
    MentionFactory(post=post, user=UserFactory(username="ann"))
    client.force_login(UserFactory())

    html = article(explore(client), post)

    assert f'<a href="{reverse("posts:tag", args=["Django"])}" class="hashtag">#Django</a>' in html
    assert f'<a href="{reverse("posts:profile", args=["ann"])}" class="mention">@ann</a>' in html
    assert "@nobody</a>" not in html


def test_a_search_shows_its_highlights_not_the_post_cached_by_explore(client):
    post = PostFactory(body="a quokka on the beach")
    client.force_login(UserFactory())
    explore(client)

    found = article(client.get(reverse("posts:search"), {"q": "quokka"}).text, post)

    assert "<mark>quokka</mark>" in found
    assert "<mark>" not in article(explore(client), post)


def test_a_second_viewer_gets_the_post_html_from_the_cache(client, monkeypatch):
    post = PostFactory(body="a cafe by the sea")
    stored, store = [], cache.set
    monkeypatch.setattr(cache, "set", lambda key, *args, **kwargs: stored.append(key) or store(key, *args, **kwargs))

    def fragments_written():
        # Sessions may live in the cache too (with Redis): only fragment writes count here.
        written = [key for key in stored if key.startswith("post.")]
        stored.clear()
        return written

    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))
    assert len(fragments_written()) == 1
    client.force_login(UserFactory())

    response = client.get(reverse("posts:explore"))

    assert fragments_written() == []
    assert f'id="post-{post.pk}"' in response.text


def test_a_pages_posts_are_read_from_the_cache_at_once(client, monkeypatch):
    PostFactory.create_batch(3)
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))  # stores the three
    reads = []
    monkeypatch.setattr(cache, "get", lambda key, *args, **kwargs: reads.append(key))
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, **kwargs: reads.append(list(keys)) or get_many(keys, **kwargs))

    client.get(reverse("posts:explore"))

    post_reads = [keys for keys in reads if isinstance(keys, list) and keys and keys[0].startswith("post.")]
    assert len(post_reads) == 1
    assert len(post_reads[0]) == 3


def test_a_posts_html_holds_nothing_of_one_response(client):
    post = PostFactory()
    client.force_login(post.author)

    page = client.get(reverse("posts:explore"), {"page": 1}).text

    html = article(page, post)
    assert "csrfmiddlewaretoken" not in html
    assert "page=1" not in html  # the way back is the page form's, not the post's


def test_the_authors_delete_form_is_never_shown_to_another_viewer(client):
    post = PostFactory()
    delete_url = reverse("posts:delete", args=[post.pk])
    client.force_login(post.author)
    own = client.get(reverse("posts:explore")).text  # the author fills the cache
    client.force_login(UserFactory())

    other = client.get(reverse("posts:explore")).text

    assert delete_url in own
    assert delete_url not in other


def test_the_authors_cached_post_deletes_through_a_form_with_a_fresh_token():
    client = Client(enforce_csrf_checks=True)
    post = PostFactory()
    delete_url = reverse("posts:delete", args=[post.pk])
    client.force_login(post.author)
    pages = [client.get(reverse("posts:explore")).text for _ in range(2)]  # the second from the cache

    assert all(f'formaction="{delete_url}"' in article(page, post) for page in pages)
    forms = [re.search(r'<form id="actions-form".*?</form>', page, re.DOTALL).group(0) for page in pages]
    tokens = [TOKEN.search(form).group(1) for form in forms]
    assert tokens[0] != tokens[1]  # masked anew in each response (BREACH)
    response = client.post(delete_url, {"csrfmiddlewaretoken": tokens[1]})

    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()


def test_the_action_bar_urls_are_the_ones_reverse_gives():
    from posts.templatetags.posts_extras import ACTION_NAMES, post_action_urls

    post = PostFactory()

    urls = post_action_urls(post)

    assert urls == {name: reverse(f"posts:{name}", args=[post.pk]) for name in ACTION_NAMES}


def test_the_action_bar_words_follow_the_language():
    from django.utils import translation

    from posts.templatetags.posts_extras import post_action_labels

    with translation.override("es"):
        spanish = post_action_labels()
    with translation.override("en"):
        english = post_action_labels()

    assert english["like"] == "Like"
    with translation.override("es"):
        assert spanish["like"] == translation.gettext("Like") != "Like"


def test_past_a_week_the_html_changes_with_the_year_only():
    created = datetime.datetime(2024, 11, 20, 9, tzinfo=datetime.UTC)
    week = datetime.timedelta(weeks=1)

    with override_settings(TIME_ZONE="UTC"):
        assert _age_bucket(created, created + week - datetime.timedelta(hours=1)) != _age_bucket(
            created, created + week
        )
        assert _age_bucket(created, created + week) == _age_bucket(created, created + datetime.timedelta(days=40))
        new_year = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        assert _age_bucket(created, new_year - datetime.timedelta(seconds=1)) != _age_bucket(created, new_year)


def test_an_old_post_shows_its_date_and_next_year_its_year_too(client):
    with time_machine.travel(datetime.datetime(2024, 12, 31, 12, tzinfo=datetime.UTC), tick=False):
        post = PostFactory(created_at=datetime.datetime(2024, 11, 20, 9, tzinfo=datetime.UTC))
        client.force_login(UserFactory())
        this_year = article(client.get(reverse("posts:explore")).text, post)
    with time_machine.travel(datetime.datetime(2025, 1, 1, 12, tzinfo=datetime.UTC), tick=False):
        next_year = article(client.get(reverse("posts:explore")).text, post)

    assert ">20 Nov</time>" in this_year
    assert ">20 Nov 2024</time>" in next_year
