"""Tag pages, the trending tags on Explore, and #tag terms in search."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from posts import services
from posts.models import TRENDING_CACHE_KEY, Post, Tag, Tagging
from posts.search import search_posts, split_tags
from posts.tests.factories import BoostFactory, LikeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def publish(body, author=None, **fields):
    post = services.publish_post(author=author or UserFactory(), body=body)
    if fields:
        Post.objects.filter(pk=post.pk).update(**fields)
        Tagging.objects.filter(post=post).update(**fields)
    return post


# ---------------------------------------------------------------------------
# /tags/<tag>/
# ---------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in_without_public_read(client, settings):
    settings.PUBLIC_READ = False

    response = client.get(reverse("posts:tag", args=["django"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_tag_page_lists_its_posts_newest_first_in_any_letter_case(client, me):
    older = publish("first #Django post")
    newer = publish("and then #django again")
    publish("about #python only")

    response = client.get(reverse("posts:tag", args=["DJANGO"]))

    assert response.status_code == 200
    assert list(response.context["posts"]) == [newer, older]
    assert response.context["tag"] == Tag.objects.get(key="django")
    assert '<h1 class="h3 mb-3">#Django</h1>' in response.content.decode()  # the first spelling


def test_an_unknown_tag_is_an_empty_page(client, me):
    response = client.get(reverse("posts:tag", args=["nobodyusedthis"]))

    assert response.status_code == 200
    assert "No posts with #nobodyusedthis yet." in response.content.decode()


@pytest.mark.parametrize("name", ["a" * 65, "a\u200bb", "12345", "tag-with-dash", "x%00y", "%F0%9F%98%80", "a" * 5000])
def test_text_that_can_never_be_a_tag_is_a_404(client, me, name):
    response = client.get(f"/tags/{name}/")

    assert response.status_code == 404


def test_unicode_tags_work(client, me):
    post = publish("un #café s'il vous plaît")

    response = client.get(reverse("posts:tag", args=["CAFÉ"]))

    assert list(response.context["posts"]) == [post]


def test_posts_of_deactivated_authors_are_left_out(client, me):
    hidden = UserFactory()
    publish("#django from someone moderated", author=hidden)
    hidden.is_active = False
    hidden.save()

    response = client.get(reverse("posts:tag", args=["django"]))

    assert list(response.context["posts"]) == []


def test_the_tag_page_is_paged_by_cursor(client, me, settings):
    posts = [publish(f"post {n} #paged") for n in range(settings.POSTS_PER_PAGE + 2)]

    first = client.get(reverse("posts:tag", args=["paged"]))
    older_link = first.context["page_obj"].next_param
    second = client.get(reverse("posts:tag", args=["paged"]) + "?" + older_link)

    assert len(first.context["posts"]) == settings.POSTS_PER_PAGE
    assert f'href="?{older_link}"' in first.content.decode()
    assert list(second.context["posts"]) == posts[1::-1]


def test_the_tag_page_never_counts(client, me, django_assert_max_num_queries):
    publish("#django")

    with django_assert_max_num_queries(10) as queries:
        client.get(reverse("posts:tag", args=["django"]))

    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


@pytest.mark.parametrize("rows", [1, 25])
def test_the_tag_page_costs_a_fixed_number_of_queries(client, me, django_assert_num_queries, rows):
    for n in range(rows):
        post = publish(f"number {n} #django with @me")
        LikeFactory(post=post)
        LikeFactory(user=me, post=post)
        BoostFactory(post=post)
        services.publish_post(author=me, body="a reply", in_reply_to=post)
    client.get(reverse("posts:tag", args=["django"]))

    # The session, the viewer, the tag, the viewer's blocks and mutes, the entries, the
    # posts (with the viewer's state), the rows of their mentions.
    with django_assert_num_queries(7):
        response = client.get(reverse("posts:tag", args=["django"]))

    assert len(response.context["posts"]) == rows
    assert all(post.liked for post in response.context["posts"])


# ---------------------------------------------------------------------------
# Trending tags
# ---------------------------------------------------------------------------


def test_trending_counts_the_last_days_taggings_most_used_first():
    now = timezone.now()
    for _ in range(3):
        publish("#popular")
    publish("#Rare and #popular")
    publish("#old", created_at=now - timedelta(days=2))

    trending = Tagging.objects.trending(since=now - timedelta(hours=24))

    assert [(row["name"], row["uses"]) for row in trending] == [("popular", 4), ("Rare", 1)]


def test_trending_keeps_the_top_ten(django_assert_num_queries):
    for n in range(12):
        publish(f"#t{n} " + " ".join(f"#more{m}" for m in range(n)))

    with django_assert_num_queries(1):
        trending = Tagging.objects.trending(since=timezone.now() - timedelta(hours=1))

    assert len(trending) == 10
    assert trending[0]["key"] == "more0"


def test_explore_shows_the_trending_tags(client, me):
    publish("#Django is fun")

    html = client.get(reverse("posts:explore")).content.decode()

    assert "Trending tags" in html
    assert f'href="{reverse("posts:tag", args=["Django"])}"' in html
    assert "1 post" in html


def test_trending_leaves_out_moderated_authors():
    hidden = UserFactory()
    publish("#spam", author=hidden)
    hidden.is_active = False
    hidden.save()

    assert Tagging.objects.trending(since=timezone.now() - timedelta(hours=1)) == []


def test_explore_reads_the_trending_tags_once_per_few_minutes(client, me):
    publish("#first")
    client.get(reverse("posts:explore"))
    publish("#second")

    cached = client.get(reverse("posts:explore")).context["trending_tags"]
    cache.delete(TRENDING_CACHE_KEY)  # as when the five minutes are over
    fresh = client.get(reverse("posts:explore")).context["trending_tags"]

    assert [row["name"] for row in cached] == ["first"]
    assert [row["name"] for row in fresh] == ["first", "second"]


def test_explore_without_recent_tags_has_no_box(client, me):
    publish("#old", created_at=timezone.now() - timedelta(days=3))

    assert "Trending tags" not in client.get(reverse("posts:explore")).content.decode()


# ---------------------------------------------------------------------------
# #tag in search
# ---------------------------------------------------------------------------


def test_split_tags_takes_the_tag_terms_out_of_the_words():
    words, tags = split_tags("coffee #Django -#Tea a#b #123")

    assert words.split() == ["coffee", "a#b", "#123"]
    assert (tags.wanted, tags.excluded) == (("django",), ("tea",))


def test_a_tag_alone_finds_the_tagged_posts_newest_first():
    older = publish("I like #django")
    newer = publish("More #Django here")
    publish("django without the hash")

    assert list(search_posts("#DJANGO")) == [newer, older]


def test_words_and_a_tag_must_both_match():
    wanted = publish("coffee and #django")
    publish("coffee without the tag")
    publish("tea and #django")

    assert list(search_posts("coffee #django")) == [wanted]


def test_a_minus_tag_excludes_the_tagged_posts():
    kept = publish("coffee #morning")
    publish("coffee #evening")

    assert list(search_posts("coffee -#evening")) == [kept]


def test_several_tags_must_all_match():
    both = publish("#django and #python")
    publish("#django only")

    assert list(search_posts("#python #django")) == [both]


def test_an_unknown_tag_finds_nothing():
    publish("#django")

    assert list(search_posts("#nosuchtag")) == []
    assert list(search_posts("-#django")) == []


def test_the_search_page_finds_tagged_posts(client, me):
    post = publish("a #django post")

    response = client.get(reverse("posts:search"), {"q": "#django"})

    assert response.status_code == 200
    assert list(response.context["posts"]) == [post]


def test_search_results_show_the_viewers_own_state(client, me):
    post = publish("a #django post")
    LikeFactory(user=me, post=post)

    response = client.get(reverse("posts:search"), {"q": "#django post"})

    assert [found.liked for found in response.context["posts"]] == [True]
