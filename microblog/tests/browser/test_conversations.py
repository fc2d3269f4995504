"""Journeys through conversations: replying from the home feed, following a #tag and an @mention."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import FollowFactory, UserFactory
from posts import services
from posts.models import Post

from .conftest import assert_accessible

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def writer():
    return UserFactory(username="writer")


@pytest.fixture
def reader(page, log_in, writer):
    """Signed in and following the writer, so the writer's posts are on the home feed."""
    user = UserFactory(username="reader")
    FollowFactory(follower=user, followed=writer)
    log_in(page, user)
    return user


def test_a_reply_from_the_home_feed_lands_on_its_thread_under_the_post(page, reader, writer):
    post = services.publish_post(author=writer, body="Who else is going to the harbour?")
    page.goto("/")

    page.locator(f"#post-{post.pk}").get_by_role("link", name="Reply").click()

    expect(page).to_have_url(re.compile(rf"/post/{post.pk}/reply/$"))
    box = page.get_by_label("Say something")
    expect(box).to_have_value("@writer ")
    box.press("End")
    box.type("Count me in!")
    page.locator("form.reply-form").get_by_role("button", name="Reply").click()

    reply = Post.objects.get(in_reply_to=post)
    expect(page).to_have_url(re.compile(rf"/post/{reply.pk}/#post-{reply.pk}$"))
    expect(page.get_by_text("Your reply is now live!")).to_be_visible()
    parent, shown = page.locator(f"#post-{post.pk}"), page.locator(f".thread-post #post-{reply.pk}")
    expect(parent).to_contain_text("Who else is going to the harbour?")
    expect(shown).to_contain_text("@writer Count me in!")
    expect(shown.locator(".post-reply-to")).to_have_text("replying to @writer")
    # The post comes first and its reply under it.
    assert parent.bounding_box()["y"] < shown.bounding_box()["y"]
    assert_accessible(page)


def test_a_tag_and_a_mention_in_a_post_lead_to_their_pages(page, reader, writer):
    UserFactory(username="Carmen")
    post = services.publish_post(author=writer, body="Sunset walk with @carmen #GoldenHour")
    page.goto("/")
    article = page.locator(f"#post-{post.pk}")

    article.get_by_role("link", name="#GoldenHour").click()

    expect(page).to_have_url(re.compile(r"/tags/goldenhour/$", re.IGNORECASE))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^#GoldenHour$", re.IGNORECASE))
    expect(article).to_contain_text("Sunset walk with")
    assert_accessible(page)

    article.get_by_role("link", name="@carmen").click()

    expect(page).to_have_url(re.compile(r"/user/Carmen/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carmen")
