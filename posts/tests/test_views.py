import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.tests.factories import FollowFactory, UserFactory
from posts import services
from posts.models import Post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


@pytest.mark.parametrize("name", ["posts:home", "posts:explore"])
def test_post_lists_need_a_login_without_public_read(client, settings, name):
    settings.PUBLIC_READ = False

    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_profile_needs_a_login_without_public_read(client, settings):
    settings.PUBLIC_READ = False
    user = UserFactory()

    response = client.get(reverse("posts:profile", args=[user.username]))

    assert response.status_code == 302


def test_home_lists_own_and_followed_posts_newest_first(client, me):
    friend, stranger = UserFactory.create_batch(2)
    FollowFactory(follower=me, followed=friend)
    mine = PostFactory(author=me)
    theirs = PostFactory(author=friend)
    PostFactory(author=stranger)

    response = client.get(reverse("posts:home"))

    assert list(response.context["posts"]) == [theirs, mine]


def test_posting_redirects_back_with_a_message(client, me):
    response = client.post(reverse("posts:home"), {"body": "Hello, world!"}, follow=True)

    assert response.redirect_chain == [(reverse("posts:home"), 302)]
    assert "Your post is now live!" in response.content.decode()
    assert Post.objects.get().body == "Hello, world!"


@pytest.mark.parametrize(
    ("body", "error"), [("", "it cannot be empty"), ("   ", "it cannot be empty"), ("x" * 141, "140")]
)
def test_bad_posts_show_a_form_error_and_keep_the_text(client, me, body, error):
    response = client.post(reverse("posts:home"), {"body": body})

    assert response.status_code == 200
    assert error in str(response.context["form"].errors["body"])
    assert Post.objects.count() == 0
    if body.strip():
        assert body in response.content.decode()


def test_post_bodies_are_escaped(client, me):
    PostFactory(author=me, body='<script>alert("x")</script>')

    content = client.get(reverse("posts:home")).content.decode()

    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


def test_bare_urls_become_nofollow_links(client, me):
    PostFactory(author=me, body="Read https://example.com/a?b=1&c=2. Now!")

    content = client.get(reverse("posts:home")).content.decode()

    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">'
        "https://example.com/a?b=1&amp;c=2</a>. Now!" in content
    )


def test_javascript_urls_are_not_linked(client, me):
    PostFactory(author=me, body="javascript:alert(1) and http://ok.example")

    content = client.get(reverse("posts:home")).content.decode()

    assert 'href="javascript' not in content
    assert 'href="http://ok.example"' in content


def test_posts_show_a_relative_time_element(client, me):
    PostFactory(author=me)

    content = client.get(reverse("posts:home")).content.decode()

    assert "<time datetime=" in content
    assert "now" in content or "ago" in content


def test_explore_lists_everyone_newest_first(client, me):
    first, second = PostFactory(), PostFactory()

    response = client.get(reverse("posts:explore"))

    assert list(response.context["posts"]) == [second, first]


def test_profile_shows_header_and_only_that_users_posts(client, me):
    other = UserFactory(about_me="I like <b>bold</b> claims")
    theirs = PostFactory(author=other)
    PostFactory(author=me)

    response = client.get(reverse("posts:profile", args=[other.username]))

    assert list(response.context["posts"]) == [theirs]
    content = response.content.decode()
    assert "I like &lt;b&gt;bold&lt;/b&gt; claims" in content
    assert reverse("accounts:follow", args=[other.username]) in content


def test_unknown_profile_is_404(client, me):
    assert client.get(reverse("posts:profile", args=["nobody"])).status_code == 404


def test_author_can_delete_own_post(client, me):
    post = PostFactory(author=me)

    response = client.post(reverse("posts:delete", args=[post.pk]))

    assert response.status_code == 302
    assert not Post.objects.exists()


def test_nobody_can_delete_someone_elses_post(client, me):
    post = PostFactory()

    response = client.post(reverse("posts:delete", args=[post.pk]))

    assert response.status_code == 404
    assert Post.objects.filter(pk=post.pk).exists()


def test_delete_is_post_only(client, me):
    post = PostFactory(author=me)

    assert client.get(reverse("posts:delete", args=[post.pk])).status_code == 405
    assert Post.objects.exists()


JSON = {"Accept": "application/json"}


def test_deleting_without_javascript_goes_to_your_profile_with_a_message(client, me):
    post = PostFactory(author=me)

    response = client.post(reverse("posts:delete", args=[post.pk]), {"next": f"/post/{post.pk}/"}, follow=True)

    assert response.redirect_chain == [(reverse("posts:profile", args=["me"]), 302)]
    assert [str(message) for message in response.context["messages"]] == ["Your post has been deleted."]


def test_deleting_in_place_answers_the_id_and_the_sentence(client, me, django_assert_max_num_queries):
    post = PostFactory(author=me)

    # Session, user, the post, its pictures' files, the delete with the rows that cascade from it
    # (the pictures and the earlier versions among them, and the post's place in any
    # report), the author's counts.
    with django_assert_max_num_queries(18):
        response = client.post(reverse("posts:delete", args=[post.pk]), headers=JSON)

    assert response.status_code == 200
    data = response.json()
    assert (data["id"], data["deleted"], data["message"]) == (post.pk, True, "Your post has been deleted.")
    assert "<strong>0</strong> posts" in data["counts"]["me"]["counts"]  # for the profile header
    assert not Post.objects.exists()
    # No banner waits for the next page: the script said it in the live region.
    assert not list(client.get(reverse("posts:explore")).context["messages"])


def test_deleting_twice_in_place_is_a_json_404_the_second_time(client, me):
    post = PostFactory(author=me)
    url = reverse("posts:delete", args=[post.pk])

    first, second = client.post(url, headers=JSON), client.post(url, headers=JSON)

    assert first.status_code == 200
    assert second.status_code == 404
    assert second.json() == {"error": "Not Found", "message": "This post is no longer available."}


def test_deleting_someone_elses_post_in_place_is_the_same_404_as_a_missing_one(client, me):
    theirs = PostFactory()
    missing = client.post(reverse("posts:delete", args=[theirs.pk + 1000]), headers=JSON)

    response = client.post(reverse("posts:delete", args=[theirs.pk]), headers=JSON)

    assert response.status_code == 404
    assert response.json() == missing.json()
    assert Post.objects.filter(pk=theirs.pk).exists()


def test_visitors_deleting_in_place_get_a_401(client):
    post = PostFactory()

    response = client.post(reverse("posts:delete", args=[post.pk]), headers=JSON)

    assert response.status_code == 401
    assert Post.objects.exists()


@pytest.mark.parametrize("pk", ["abc", "-1", "99999999999999999999999"])
def test_garbage_post_ids_to_delete_are_404s(client, me, pk):
    for headers in ({}, JSON):
        assert client.post(f"/post/{pk}/delete/", headers=headers).status_code == 404


def test_the_delete_button_is_marked_for_the_script_and_carries_no_response_data(client, me):
    post = PostFactory(author=me)

    content = client.get(reverse("posts:profile", args=["me"])).content.decode()

    assert f'formaction="{reverse("posts:delete", args=[post.pk])}"' in content
    assert 'data-post-action="delete"' in content
    assert 'form="actions-form"' in content


class TestPagination:
    @pytest.fixture
    def many(self, me, settings):
        return PostFactory.create_batch(30, author=me)

    def test_first_page_links_to_older_posts(self, client, many):
        response = client.get(reverse("posts:explore"))

        assert len(response.context["posts"]) == 25
        # A timeline's "Older posts" continues by cursor (posts/timelines.py), not ?page=2.
        assert "?before=" in response.content.decode()
        assert "Older posts" in response.content.decode()

    def test_last_page_has_the_rest_and_links_back(self, client, many):
        response = client.get(reverse("posts:explore"), {"page": 2})

        assert len(response.context["posts"]) == 5
        assert not response.context["page_obj"].has_next()
        assert "?after=" in response.content.decode()  # "Newer posts" after ?page=2: a cursor too

    @pytest.mark.parametrize("page", ["abc", "-1", "0", "", "1.5", "99999999999999999999"])
    def test_garbage_page_numbers_never_fail(self, client, many, page):
        response = client.get(reverse("posts:explore"), {"page": page})

        assert response.status_code == 200

    def test_a_page_past_the_end_shows_an_empty_state(self, client, many):
        response = client.get(reverse("posts:explore"), {"page": 9})

        assert response.status_code == 200
        assert "There is nothing on this page." in response.content.decode()
        assert "?page=1" in response.content.decode()


# session, user, the viewer's blocks and mutes, the page of posts (and on a profile, the
# person): the navbar reads the user row.
# Timelines: the entries (one query per source: home and profiles read posts and boosts),
# the posts, the rows of their mentions: the cost of boosts on the page and of the
# mention links, an intended change. Explore also reads the trending tags, cached for
# five minutes (measured on a cold cache), and the people of its "Who to follow" box.
POST_LIST_QUERIES = [("posts:home", 7), ("posts:explore", 8), ("profile", 8)]


@pytest.mark.parametrize(("name", "ceiling"), POST_LIST_QUERIES)
def test_post_lists_run_a_fixed_number_of_queries(client, me, django_assert_max_num_queries, name, ceiling):
    friends = UserFactory.create_batch(5)
    for friend in friends:
        FollowFactory(follower=me, followed=friend)
    url = reverse("posts:profile", args=[me.username]) if name == "profile" else reverse(name)

    services.publish_post(author=me, body=f"hello @{friends[0].username}")  # a mention: its rows are read
    cache.clear()
    with django_assert_max_num_queries(ceiling) as one:
        assert client.get(url).status_code == 200
    # 25 entries with everything a post can carry: replies, boosts, likes, bookmarks, tags,
    # mentions, content warnings, edits.
    for friend in friends:
        first = services.publish_post(author=friend, body=f"#django for @{me.username}")
        reply = services.publish_post(author=me, body=f"@{friend.username} thanks", in_reply_to=first)
        services.like_post(user=me, post=first)
        services.like_post(user=friend, post=reply)
        services.bookmark_post(user=me, post=reply)
        services.boost_post(user=friend, post=reply)
        services.boost_post(user=me, post=first)
        # Edited, behind a warning: "edited" and the fold come from the post's own row.
        services.edit_post(post=first, editor=friend, body=f"#django again @{me.username}", content_warning="cw")
        PostFactory.create_batch(2, author=friend)
    PostFactory.create_batch(20, author=me)
    cache.clear()
    with django_assert_max_num_queries(ceiling) as many:
        response = client.get(url)

    assert len(response.context["posts"]) == 25
    assert len(many.captured_queries) == len(one.captured_queries)


@pytest.mark.parametrize(("name", "ceiling"), POST_LIST_QUERIES)
def test_post_lists_never_count_the_posts_table(client, me, django_assert_max_num_queries, name, ceiling):
    PostFactory.create_batch(3, author=me)
    url = reverse("posts:profile", args=[me.username]) if name == "profile" else reverse(name)

    with django_assert_max_num_queries(ceiling) as queries:
        client.get(url)

    post_counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and 'FROM "posts_post"' in q["sql"]
    ]
    # The profile header counts one author's posts in a correlated subquery; never a table-wide COUNT.
    assert all('"posts_post"."author_id" =' in sql or "U0" in sql for sql in post_counts)
