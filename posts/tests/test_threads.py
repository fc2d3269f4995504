"""The thread page, the reply form and the reply tree (posts/threads.py)."""

import pytest
from django.urls import reverse

from accounts.services import follow_user
from accounts.tests.factories import UserFactory
from posts import services
from posts.models import Post
from posts.threads import REPLIES_PER_PAGE, read_thread

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


# --- the reply form's refusals ----------------------------------------------------------


def test_a_reply_to_a_post_deleted_meanwhile_is_a_form_error_with_the_text_kept(client, monkeypatch):
    parent = services.publish_post(author=UserFactory(), body="hello")
    client.force_login(UserFactory())
    assert client.get(reverse("posts:reply", args=[parent.pk])).status_code == 200
    publish = services.publish_post

    def deleted_meanwhile(**kwargs):
        Post.objects.filter(pk=kwargs["in_reply_to"].pk).delete()  # after the view read it
        return publish(**kwargs)

    monkeypatch.setattr(services, "publish_post", deleted_meanwhile)

    response = client.post(reverse("posts:reply", args=[parent.pk]), {"body": "my kept words"})

    assert response.status_code == 200
    assert "The post you replied to has been deleted." in response.text
    assert "my kept words" in response.text
    assert not Post.objects.filter(body="my kept words").exists()


def test_replying_to_a_deactivated_authors_post_is_404(client):
    author = UserFactory()
    post = services.publish_post(author=author, body="hello")
    author.is_active = False
    author.save()
    client.force_login(UserFactory())

    assert client.get(reverse("posts:reply", args=[post.pk])).status_code == 404
    assert client.post(reverse("posts:reply", args=[post.pk]), {"body": "hi"}).status_code == 404


@pytest.mark.parametrize("path", ["/post/{id}/", "/post/{id}/reply/"])
@pytest.mark.parametrize("post_id", [2**70, 2**63, -1])
def test_huge_and_negative_ids_are_404(client, path, post_id):
    client.force_login(UserFactory())

    assert client.get(path.format(id=post_id)).status_code == 404
    assert client.post(path.format(id=post_id), {"body": "hi"}).status_code in (404, 405)


# --- boosts on the home page and profiles ------------------------------------------------


def boosted_line(username):
    return f'<a href="{reverse("posts:profile", args=[username])}" class="link-secondary">@{username}</a> boosted'


def article_order(page, *posts):
    """Return `posts` in the order their <article>s come in `page` (absent ones left out)."""
    found = [(page.find(f'id="post-{post.pk}"'), post) for post in posts]
    return [post for at, post in sorted(found, key=lambda pair: pair[0]) if at >= 0]


def test_home_shows_who_boosted_above_the_post(client):
    me, friend = UserFactory(), UserFactory(username="friend")
    follow_user(follower=me, followed=friend)
    post = services.publish_post(author=UserFactory(), body="a strangers words")
    services.boost_post(user=friend, post=post)
    client.force_login(me)

    page = client.get(reverse("posts:home")).text

    article = page[page.index(f'id="post-{post.pk}"') :]
    assert boosted_line("friend") in page
    assert page.index(boosted_line("friend")) < page.index("a strangers words")
    assert "a strangers words" in article


def test_unboosting_a_strangers_post_takes_it_off_home(client):
    me, friend = UserFactory(), UserFactory(username="friend")
    follow_user(follower=me, followed=friend)
    post = services.publish_post(author=UserFactory(), body="a strangers words")
    services.boost_post(user=friend, post=post)
    services.unboost_post(user=friend, post=post)
    client.force_login(me)

    page = client.get(reverse("posts:home")).text

    assert f'id="post-{post.pk}"' not in page
    assert "boosted</div>" not in page


def test_unboosting_a_followed_authors_post_puts_it_back_at_its_own_time(client):
    me, friend, author = UserFactory(), UserFactory(username="friend"), UserFactory()
    follow_user(follower=me, followed=friend)
    follow_user(follower=me, followed=author)
    older = services.publish_post(author=author, body="older words")
    newer = services.publish_post(author=author, body="newer words")
    services.boost_post(user=friend, post=older)
    client.force_login(me)

    boosted = client.get(reverse("posts:home")).text
    services.unboost_post(user=friend, post=older)
    unboosted = client.get(reverse("posts:home")).text

    assert article_order(boosted, older, newer) == [older, newer]  # the boost put it on top
    assert boosted_line("friend") in boosted
    assert article_order(unboosted, older, newer) == [newer, older]
    assert boosted_line("friend") not in unboosted
    assert unboosted.count('id="post-') == 2  # once each


def test_a_profile_shows_the_persons_boosts(client):
    ana = UserFactory(username="ana")
    post = services.publish_post(author=UserFactory(), body="someone elses words")
    services.boost_post(user=ana, post=post)
    client.force_login(UserFactory())

    page = client.get(reverse("posts:profile", args=["ana"])).text

    assert f'id="post-{post.pk}"' in page
    assert boosted_line("ana") in page


# --- replies in lists and the reply tree -------------------------------------------------


def test_a_reply_says_whom_it_answers_and_then_that_the_parent_was_deleted(client):
    parent = services.publish_post(author=UserFactory(username="bob"), body="hello")
    answer = reply(parent)
    client.force_login(UserFactory())
    replying = f'replying to <a href="{reverse("posts:post", args=[parent.pk])}">@bob</a>'

    before = client.get(reverse("posts:explore")).text
    services.delete_post(post=parent)
    after = client.get(reverse("posts:explore")).text

    assert replying in before
    assert f'id="post-{answer.pk}"' in after
    assert replying not in after
    assert "replying to a deleted post" in after


def test_the_reply_tree_nests_at_most_three_levels(client):
    post = services.publish_post(author=UserFactory(), body="first")
    parent, chain = post, []
    for _level in range(6):
        parent = reply(parent)
        chain.append(parent)
    client.force_login(UserFactory())

    page = client.get(reverse("posts:post", args=[post.pk])).text

    assert page.count('class="thread-reply" data-depth="1"') == 1
    assert page.count('class="thread-reply" data-depth="2"') == 1
    assert page.count('class="thread-reply" data-depth="3"') == 4  # the third level and all below it, flat
    assert 'data-depth="4"' not in page
    assert page.count('<ul class="thread-replies') == 3
    for deeper in chain:
        assert f'id="post-{deeper.pk}"' in page


def test_a_long_thread_shows_its_replies_a_page_at_a_time_in_thread_order(client):
    post = services.publish_post(author=UserFactory(), body="first")
    # 30 replies to the post, each with an answer: 60 replies in thread order.
    order = []
    for number in range(30):
        answer = reply(post, body=f"reply {number}")
        order += [answer, reply(answer, body=f"answer {number}")]
    client.force_login(UserFactory())
    url = reverse("posts:post", args=[post.pk])

    first = client.get(url)
    second = client.get(url, {"page": 2})
    third = client.get(url, {"page": 3})

    def shown(response):
        return [reply for reply in order if f'id="post-{reply.pk}"' in response.text]

    assert shown(first) == order[:REPLIES_PER_PAGE]
    assert shown(second) == order[REPLIES_PER_PAGE : 2 * REPLIES_PER_PAGE]
    assert shown(third) == order[2 * REPLIES_PER_PAGE :]
    assert 'href="?page=2#replies"' in first.text
    assert 'href="?page=1#replies"' in second.text
    assert 'href="?page=4#replies"' not in third.text
    assert all(f'id="post-{post.pk}"' in page.text for page in (first, second, third))


def test_a_page_of_replies_starting_inside_a_subtree_keeps_its_depth():
    post = services.publish_post(author=UserFactory(), body="first")
    parent = reply(post)
    children = [reply(parent) for _ in range(REPLIES_PER_PAGE)]

    thread = read_thread(post, UserFactory(), page=2)

    assert [node.post for node in thread.replies] == children[-1:]
    assert thread.replies[0].depth == 2


def test_the_thread_page_costs_the_same_queries_for_a_short_and_a_long_thread(client, django_assert_num_queries):
    short, long = (
        services.publish_post(author=UserFactory(), body="short"),
        services.publish_post(author=UserFactory(), body="long"),
    )
    reply(short, body="hi @nobody")
    for _ in range(40):
        reply(long, body="hi @nobody")
    client.force_login(UserFactory())
    client.get(reverse("posts:post", args=[short.pk]))

    # session, user, blocks and mutes, the post, the conversation's shape, its posts, their mentions
    with django_assert_num_queries(7):
        client.get(reverse("posts:post", args=[short.pk]))
    with django_assert_num_queries(7):
        response = client.get(reverse("posts:post", args=[long.pk]))
    assert response.text.count('class="thread-reply"') == REPLIES_PER_PAGE


@pytest.mark.parametrize("page", ["0", "-1", "x", ""])
def test_a_bad_replies_page_shows_the_first(client, page):
    post = services.publish_post(author=UserFactory(), body="first")
    answer = reply(post)
    client.force_login(UserFactory())

    response = client.get(reverse("posts:post", args=[post.pk]), {"page": page})

    assert response.status_code == 200
    assert f'id="post-{answer.pk}"' in response.text
