from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services import follow_user
from accounts.tests.factories import FollowFactory, UserFactory
from posts.language import detect_language
from posts.models import Post
from posts.services import publish_post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_follow_posts_gives_the_tutorials_feeds():
    """The Flask Mega Tutorial's test_follow_posts scenario, ported."""
    john, susan, mary, david = (UserFactory(username=name) for name in ["john", "susan", "mary", "david"])
    now = timezone.now()
    p1 = PostFactory(body="post from john", author=john, created_at=now + timedelta(seconds=1))
    p2 = PostFactory(body="post from susan", author=susan, created_at=now + timedelta(seconds=4))
    p3 = PostFactory(body="post from mary", author=mary, created_at=now + timedelta(seconds=3))
    p4 = PostFactory(body="post from david", author=david, created_at=now + timedelta(seconds=2))
    follow_user(follower=john, followed=susan)
    follow_user(follower=john, followed=david)
    follow_user(follower=susan, followed=mary)
    follow_user(follower=mary, followed=david)

    assert list(Post.objects.feed_for(john)) == [p2, p4, p1]
    assert list(Post.objects.feed_for(susan)) == [p2, p3]
    assert list(Post.objects.feed_for(mary)) == [p3, p4]
    assert list(Post.objects.feed_for(david)) == [p4]


def test_feed_hides_posts_of_deactivated_users():
    me, banned = UserFactory.create_batch(2)
    FollowFactory(follower=me, followed=banned)
    PostFactory(author=banned)
    banned.is_active = False
    banned.save()

    assert list(Post.objects.feed_for(me)) == []
    assert list(Post.objects.for_display()) == []


def test_publish_post_detects_the_language_and_strips_spaces():
    author = UserFactory()

    post = publish_post(author=author, body="  Hoy hace un día precioso en la ciudad y salgo a pasear  ")

    assert post.body == "Hoy hace un día precioso en la ciudad y salgo a pasear"
    assert post.language == "es"


@pytest.mark.parametrize("body", ["", "   ", "x" * 141])
def test_publish_post_refuses_empty_or_too_long_bodies(body):
    with pytest.raises(ValidationError):
        publish_post(author=UserFactory(), body=body)
    assert Post.objects.count() == 0


@pytest.mark.parametrize("text", ["", "ok", "lol :)", "https://example.com", "12345 678 90", "🙂🙂🙂"])
def test_short_or_ambiguous_text_has_no_language(text):
    assert detect_language(text) == ""


def test_english_text_is_detected():
    assert detect_language("The weather is lovely today and I went for a long walk") == "en"
