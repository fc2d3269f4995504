"""The thread page, the reply form and the reply tree (posts/threads.py)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from posts import services
from posts.models import Post
from posts.threads import read_thread

pytestmark = pytest.mark.django_db


def reply(parent, author=None, body="a reply"):
    return services.publish_post(author=author or UserFactory(), body=body, in_reply_to=parent)


def test_the_thread_shows_ancestors_oldest_first_and_nests_replies_three_levels(client):
    root = services.publish_post(author=UserFactory(), body="first")
    middle = reply(root)
    post = reply(middle)
    one = reply(post)
    two = reply(one)
    three = reply(two)
    four = reply(three)
    client.force_login(UserFactory())

    thread = read_thread(post, UserFactory())
    assert thread.ancestors == [root, middle]
    assert [node.post for node in thread.replies] == [one]
    level_three = thread.replies[0].children[0].children
    assert [node.post for node in level_three] == [three, four]  # deeper ones flat at the third level

    response = client.get(reverse("posts:post", args=[post.pk]))
    assert response.status_code == 200


def test_a_deleted_parent_leaves_a_placeholder(client):
    root = services.publish_post(author=UserFactory(), body="first")
    child = reply(root)
    root.delete()
    client.force_login(UserFactory())

    response = client.get(reverse("posts:post", args=[child.pk]))

    assert "This post was deleted." in response.text


def test_unknown_posts_are_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("posts:post", args=[999999])).status_code == 404
    assert client.get(reverse("posts:reply", args=[999999])).status_code == 404
    assert client.post(reverse("posts:reply", args=[999999]), {"body": "hi"}).status_code == 404


def test_replying_goes_to_the_thread_of_the_reply(client):
    me, ana = UserFactory(), UserFactory(username="ana")
    post = services.publish_post(author=ana, body="hello")
    client.force_login(me)

    form = client.get(reverse("posts:reply", args=[post.pk]))
    assert form.context["form"].initial["body"] == "@ana "
    response = client.post(reverse("posts:reply", args=[post.pk]), {"body": "@ana hi"})

    new = Post.objects.get(in_reply_to=post)
    assert response.url == reverse("posts:post", args=[new.pk]) + f"#post-{new.pk}"


def test_a_too_long_reply_is_a_form_error_with_the_text_kept(client):
    post = services.publish_post(author=UserFactory(), body="hello")
    client.force_login(UserFactory())

    response = client.post(reverse("posts:reply", args=[post.pk]), {"body": "x" * 141})

    assert response.status_code == 200
    assert "x" * 141 in response.text


def test_mentions_link_only_existing_users_any_case_and_tags_link(client):
    UserFactory(username="ana")
    post = services.publish_post(author=UserFactory(), body="hi @ANA and @nobody #Django ana@example.com")
    client.force_login(UserFactory())

    page = client.get(reverse("posts:post", args=[post.pk])).text

    assert f'href="{reverse("posts:profile", args=["ana"])}" class="mention">@ANA</a>' in page
    assert "@nobody</a>" not in page
    assert f'href="{reverse("posts:tag", args=["Django"])}" class="hashtag">#Django</a>' in page
    assert "ana@example.com</a>" not in page


def test_home_shows_a_boost_once_with_who_boosted(client):
    me, friend = UserFactory(), UserFactory(username="friend")
    post = services.publish_post(author=me, body="mine")
    services.boost_post(user=friend, post=post)
    client.force_login(me)

    response = client.get(reverse("posts:home"))

    assert [shown.pk for shown in response.context["posts"]] == [post.pk]  # once, not twice


def test_profile_tabs_split_replies(client):
    ana = UserFactory(username="ana")
    first = services.publish_post(author=ana, body="first")
    answer = reply(first, author=ana)
    client.force_login(UserFactory())

    posts_tab = client.get(reverse("posts:profile", args=["ana"]))
    replies_tab = client.get(reverse("posts:profile_replies", args=["ana"]))

    assert [p.pk for p in posts_tab.context["posts"]] == [first.pk]
    assert [p.pk for p in replies_tab.context["posts"]] == [answer.pk, first.pk]
    assert 'aria-current="page"' in replies_tab.text


def test_a_garbage_cursor_is_the_first_page(client):
    client.force_login(UserFactory())
    assert client.get(reverse("posts:explore"), {"before": "garbage"}).status_code == 200


@pytest.mark.parametrize("replies", [1, 25])
def test_the_thread_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries, replies):
    me = UserFactory()
    root = services.publish_post(author=UserFactory(), body="first #tag @nobody")
    for _number in range(replies):
        services.like_post(user=me, post=reply(root, body="hi #tag"))
    client.force_login(me)

    # session and user, the post, the conversation and its 2 prefetches, the page chrome
    with django_assert_max_num_queries(10):
        client.get(reverse("posts:post", args=[root.pk]))
