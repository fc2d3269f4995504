"""Blocks and mutes: the services, the pages that make and undo them, and what they stop."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import safety, services
from accounts.models import Block, Follow, Mute
from accounts.tests.factories import BlockFactory, MuteFactory, UserFactory, bearer
from posts import services as post_services
from posts.models import Activity, Message, Post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return UserFactory(username="ana")


@pytest.fixture
def bo():
    return UserFactory(username="bo")


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


def test_blocking_removes_the_follows_both_ways_and_the_notifications_between_them(ana, bo):
    services.follow_user(follower=ana, followed=bo)
    services.follow_user(follower=bo, followed=ana)
    post_services.like_post(user=bo, post=PostFactory(author=ana))
    post_services.like_post(user=ana, post=PostFactory(author=bo))
    other = UserFactory()
    services.follow_user(follower=other, followed=ana)

    assert services.block_user(blocker=ana, blocked=bo) is True

    assert not Follow.objects.filter(follower__in=[ana, bo], followed__in=[ana, bo]).exists()
    assert not Activity.objects.filter(recipient__in=[ana, bo], actor__in=[ana, bo]).exists()
    assert Activity.objects.filter(recipient=ana, actor=other).exists()  # nobody else's
    ana.refresh_from_db()
    bo.refresh_from_db()
    assert (ana.follower_count, ana.following_count, bo.follower_count, bo.following_count) == (1, 0, 0, 0)
    assert ana.unread_activity_count == 1


def test_blocking_again_changes_nothing_and_yourself_is_refused(ana, bo):
    services.block_user(blocker=ana, blocked=bo)

    assert services.block_user(blocker=ana, blocked=bo) is False
    assert Block.objects.count() == 1
    with pytest.raises(services.ValidationError):
        services.block_user(blocker=ana, blocked=ana)


def test_unblocking_restores_no_follow(ana, bo):
    services.follow_user(follower=bo, followed=ana)
    services.block_user(blocker=ana, blocked=bo)

    assert services.unblock_user(blocker=ana, blocked=bo) is True
    assert services.unblock_user(blocker=ana, blocked=bo) is False
    assert not Follow.objects.exists()
    assert not safety.blocked_between(ana, bo)


def test_muting_again_sets_the_new_end_and_the_past_is_refused(ana, bo):
    soon = timezone.now() + timedelta(hours=1)
    services.mute_user(muter=ana, muted=bo, until=soon)
    services.mute_user(muter=ana, muted=bo)

    assert Mute.objects.get().expires_at is None
    with pytest.raises(services.ValidationError):
        services.mute_user(muter=ana, muted=bo, until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.ValidationError):
        services.mute_user(muter=ana, muted=ana)


def test_a_mute_ends_by_itself(ana, bo):
    services.mute_user(muter=ana, muted=bo, until=timezone.now() + timedelta(hours=1))
    assert safety.boundaries_of(UserFactory.build(pk=ana.pk)).muting == {bo.pk}

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        fresh = type(ana).objects.get(pk=ana.pk)
        assert not safety.boundaries_of(fresh)
        assert services.delete_expired_mutes() == 1


def test_boundaries_are_one_query_per_user_object_and_none_for_a_visitor(ana, bo, django_assert_num_queries):
    BlockFactory(blocker=ana, blocked=bo)
    carl = UserFactory()
    BlockFactory(blocker=carl, blocked=ana)
    dan = UserFactory()
    MuteFactory(muter=ana, muted=dan)
    MuteFactory(muter=ana, muted=UserFactory(), expires_at=timezone.now() - timedelta(minutes=1))

    with django_assert_num_queries(1):
        first = safety.boundaries_of(ana)
        again = safety.boundaries_of(ana)
    assert first is again
    assert (first.blocking, first.blocked_by, first.muting) == ({bo.pk}, {carl.pk}, {dan.pk})
    assert first.hidden() == {bo.pk, carl.pk, dan.pk}
    assert first.hidden(muting=False) == {bo.pk, carl.pk}
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert not safety.boundaries_of(AnonymousUser())


def test_nobody_is_notified_across_a_block_or_by_someone_they_mute(ana, bo):
    carl = UserFactory(username="carl")
    BlockFactory(blocker=ana, blocked=bo)
    MuteFactory(muter=ana, muted=carl)
    mine = PostFactory(author=ana)

    post_services.publish_post(author=bo, body="hey @ana")
    post_services.publish_post(author=carl, body="hey @ana")
    post_services.like_post(user=carl, post=mine)
    post_services.publish_post(author=carl, body="a reply", in_reply_to=mine)

    assert not Activity.objects.filter(recipient=ana).exists()
    ana.refresh_from_db()
    assert ana.unread_activity_count == 0


def test_follows_messages_and_replies_are_refused_across_a_block_either_way(ana, bo):
    BlockFactory(blocker=ana, blocked=bo)
    theirs = PostFactory(author=ana)

    for one, other in ((ana, bo), (bo, ana)):
        with pytest.raises(services.ValidationError):
            services.follow_user(follower=one, followed=other)
        with pytest.raises(services.ValidationError):
            post_services.send_message(sender=one, recipient=other, body="hello")
    with pytest.raises(post_services.ReplyRefused):
        post_services.publish_post(author=bo, body="hi", in_reply_to=theirs)
    assert not Follow.objects.exists()
    assert not Message.objects.exists()
    assert Post.objects.count() == 1


# ---------------------------------------------------------------------------
# The pages that block, mute and undo
# ---------------------------------------------------------------------------


def test_the_block_page_asks_first_then_blocks_and_the_profile_says_so(client, ana, bo):
    client.force_login(ana)
    url = reverse("accounts:block", args=["bo"])

    asked = client.get(url)
    assert asked.status_code == 200
    assert "Block @bo?" in asked.text
    assert not Block.objects.exists()

    response = client.post(url, follow=True)
    assert Block.objects.filter(blocker=ana, blocked=bo).exists()
    assert response.redirect_chain[-1][0] == reverse("posts:profile", args=["bo"])
    assert "You blocked @bo." in response.text
    assert "Unblock @bo" in response.text


def test_a_blocked_person_sees_only_that_they_are_blocked(client, ana, bo):
    ana.about_me = "ana's secret about me"
    ana.save()
    PostFactory(author=ana, body="ana's secret post")
    BlockFactory(blocker=ana, blocked=bo)
    client.force_login(bo)

    for url in (reverse("posts:profile", args=["ana"]), reverse("accounts:popup", args=["ana"])):
        response = client.get(url)
        assert response.status_code == 200
        assert "@ana has blocked you." in response.text
        assert "secret" not in response.text
        assert reverse("accounts:follow", args=["ana"]) not in response.text


def test_unblocking_from_the_list(client, ana, bo):
    BlockFactory(blocker=ana, blocked=bo)
    client.force_login(ana)

    listed = client.get(reverse("accounts:blocks"))
    assert "@bo" in listed.text

    response = client.post(reverse("accounts:unblock", args=["bo"]), {"next": reverse("accounts:blocks")})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:blocks")
    assert not Block.objects.exists()
    assert "You have not blocked anyone." in client.get(reverse("accounts:blocks")).text


def test_muting_for_a_day_from_the_mute_page(client, ana, bo):
    client.force_login(ana)
    url = reverse("accounts:mute", args=["bo"])

    assert "For how long" in client.get(url).text
    response = client.post(url, {"duration": "86400", "next": "/explore/"})

    assert response.status_code == 302
    assert response["Location"] == "/explore/"
    mute = Mute.objects.get(muter=ana, muted=bo)
    assert timedelta(hours=23) < mute.expires_at - timezone.now() <= timedelta(days=1)
    listed = client.get(reverse("accounts:mutes"))
    assert "@bo" in listed.text
    assert "Muted until" in listed.text
    client.post(reverse("accounts:unmute", args=["bo"]))
    assert not Mute.objects.exists()


@pytest.mark.parametrize("duration", ["12", "forever", "-1", "\x00", "9" * 40])
def test_a_bad_duration_is_a_form_error(client, ana, bo, duration):
    client.force_login(ana)

    response = client.post(reverse("accounts:mute", args=["bo"]), {"duration": duration})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Mute.objects.exists()


def test_muting_and_blocking_yourself_or_nobody(client, ana):
    client.force_login(ana)

    assert client.get(reverse("accounts:block", args=["nobody"])).status_code == 404
    assert client.post(reverse("accounts:mute", args=["nobody"])).status_code == 404
    assert client.post(reverse("accounts:unblock", args=["nobody"])).status_code == 404
    response = client.post(reverse("accounts:block", args=["ana"]), follow=True)
    assert "You cannot block yourself." in response.text
    response = client.post(reverse("accounts:mute", args=["ana"]), {"duration": ""})
    assert "You cannot mute yourself." in response.text
    assert not Block.objects.exists()
    assert not Mute.objects.exists()


def test_the_profile_menu_offers_mute_and_block_then_their_undo(client, ana, bo):
    client.force_login(ana)
    profile = reverse("posts:profile", args=["bo"])

    text = client.get(profile).text
    assert "Mute @bo" in text
    assert "Block @bo" in text
    MuteFactory(muter=ana, muted=bo)
    text = client.get(profile).text
    assert "Unmute @bo" in text
    assert "You mute this account" in text


def test_follow_and_message_forms_say_why_they_are_refused(client, ana, bo):
    BlockFactory(blocker=bo, blocked=ana)
    client.force_login(ana)

    response = client.post(reverse("accounts:follow", args=["bo"]), follow=True)
    assert "@bo has blocked you." in response.text
    response = client.post(reverse("posts:new_message"), {"recipient": "bo", "body": "hello there"})
    assert response.status_code == 200
    assert "@bo has blocked you." in response.text
    assert "hello there" in response.text  # the text is kept
    conversation = client.get(reverse("posts:conversation", args=["bo"]))
    assert "@bo has blocked you." in conversation.text
    assert 'name="body"' not in conversation.text
    assert not Follow.objects.exists()
    assert not Message.objects.exists()


def test_posts_across_a_block_are_not_found_and_cannot_be_liked_or_answered(client, ana, bo):
    post = PostFactory(author=ana)
    BlockFactory(blocker=ana, blocked=bo)
    client.force_login(bo)

    for name in ("posts:post", "posts:reply", "posts:likes", "posts:boosts"):
        assert client.get(reverse(name, args=[post.pk])).status_code == 404, name
    for name in ("posts:like", "posts:boost", "posts:bookmark"):
        assert client.post(reverse(name, args=[post.pk])).status_code == 404, name
    assert client.post(reverse("posts:reply", args=[post.pk]), {"body": "hi"}).status_code == 404
    assert post.likes.count() == 0
    assert Post.objects.count() == 1


# ---------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------


def test_a_thread_hides_a_blocked_persons_posts_and_folds_a_muted_ones(client, ana, bo):
    carl = UserFactory(username="carl")
    dan = UserFactory(username="dan")
    root = PostFactory(author=bo, body="bo starts")
    middle = post_services.publish_post(author=carl, body="carl answers", in_reply_to=root)
    blocked_reply = post_services.publish_post(author=bo, body="bo answers carl", in_reply_to=middle)
    post_services.publish_post(author=carl, body="carl answers bo", in_reply_to=blocked_reply)
    post_services.publish_post(author=dan, body="dan mumbles", in_reply_to=middle)
    BlockFactory(blocker=ana, blocked=bo)
    MuteFactory(muter=ana, muted=dan)
    client.force_login(ana)

    text = client.get(reverse("posts:post", args=[middle.pk])).text

    assert "This post is not available." in text  # bo's first post, above
    assert "bo starts" not in text
    assert "bo answers carl" not in text
    assert "carl answers bo" not in text  # the reply to the hidden one goes with it
    assert "A post by @dan, whom you mute" in text
    assert "dan mumbles" in text
    assert text.index("<details") < text.index("dan mumbles")


# ---------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------


def test_block_and_mute_through_the_api(client, ana, bo):
    headers = bearer(ana)

    assert client.post(f"/api/users/{bo.pk}/block", headers=headers).status_code == 204
    assert client.post(f"/api/users/{bo.pk}/block", headers=headers).status_code == 204
    listed = client.get("/api/blocks", headers=headers).json()
    assert [row["user"]["username"] for row in listed["items"]] == ["bo"]
    assert client.delete(f"/api/users/{bo.pk}/block", headers=headers).status_code == 204
    assert not Block.objects.exists()

    response = client.post(
        f"/api/users/{bo.pk}/mute", {"duration": 3600}, content_type="application/json", headers=headers
    )
    assert response.status_code == 204
    listed = client.get("/api/mutes", headers=headers).json()
    assert listed["items"][0]["expires_at"] is not None
    # No body at all (curl -X POST): until unmuted.
    assert client.post(f"/api/users/{bo.pk}/mute", content_type="application/json", headers=headers).status_code == 204
    assert Mute.objects.get().expires_at is None
    assert client.delete(f"/api/users/{bo.pk}/mute", headers=headers).status_code == 204
    assert not Mute.objects.exists()


@pytest.mark.parametrize(
    "body", ['{"duration": 5}', '{"duration": "soon"}', '{"duration": true}', "[1]", '{"duration": ' * 600, "{"]
)
def test_a_bad_mute_body_is_a_400(client, ana, bo, body):
    response = client.post(f"/api/users/{bo.pk}/mute", body, content_type="application/json", headers=bearer(ana))

    assert response.status_code == 400
    assert "message" in response.json()
    assert not Mute.objects.exists()


def test_the_api_refuses_across_a_block(client, ana, bo):
    post = PostFactory(author=bo)
    BlockFactory(blocker=bo, blocked=ana)
    headers = bearer(ana)

    assert client.get(f"/api/users/{bo.pk}", headers=headers).status_code == 404
    assert client.get(f"/api/posts/{post.pk}", headers=headers).status_code == 404
    assert client.post(f"/api/posts/{post.pk}/like", headers=headers).status_code == 404
    assert client.post(f"/api/users/{bo.pk}/follow", headers=headers).status_code == 400
    replied = client.post(
        "/api/posts", {"body": "hi", "in_reply_to": post.pk}, content_type="application/json", headers=headers
    )
    assert replied.status_code == 400
    assert client.post(f"/api/users/{ana.pk}/block", headers=headers).status_code == 400  # yourself
    assert client.post("/api/users/999999/block", headers=headers).status_code == 404


# ---------------------------------------------------------------------------
# Query counts: blocks and mutes cost the same one query, however many
# ---------------------------------------------------------------------------

LIST_PAGES = [
    ("posts:home", []),
    ("posts:explore", []),
    ("posts:profile", ["writer"]),
    ("posts:tag", ["busy"]),
    ("posts:post", ["thread"]),
    ("posts:bookmarks", []),
    ("posts:activity", []),
    ("posts:messages", []),
    ("accounts:followers", ["writer"]),
]


@pytest.mark.parametrize(("name", "arguments"), LIST_PAGES)
def test_list_pages_cost_the_same_queries_with_blocks_and_mutes(client, name, arguments):
    me, writer = UserFactory(), UserFactory(username="writer")
    services.follow_user(follower=me, followed=writer)
    root = post_services.publish_post(author=writer, body="#busy start")
    for number in range(5):
        post = post_services.publish_post(author=writer, body=f"#busy @{me.username} {number}", in_reply_to=root)
        post_services.bookmark_post(user=me, post=post)
        post_services.boost_post(user=writer, post=post)
    post_services.send_message(sender=writer, recipient=me, body="hi")
    url = reverse(name, args=[root.pk if argument == "thread" else argument for argument in arguments])
    client.force_login(me)
    client.get(url)
    client.get(url)  # marks read what the page marks, warms what a running site has warm

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    without = count()
    for other in UserFactory.create_batch(3):
        services.block_user(blocker=me, blocked=other)
        services.block_user(blocker=UserFactory(), blocked=me)
        services.mute_user(muter=me, muted=other if name != "posts:home" else UserFactory())
        post_services.publish_post(author=other, body="#busy hidden")

    assert count() == without
