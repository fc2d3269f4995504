"""Reporting a post from the feed, in a real browser against the live server."""

import pytest
from playwright.sync_api import expect

from accounts.models import Follow
from accounts.tests.factories import UserFactory
from posts.models import Report
from posts.tests.factories import PostFactory

from .conftest import assert_accessible, save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reader_reports_a_post_from_the_feed(page, log_in):
    spammer = UserFactory(username="spammer")
    reader = UserFactory(username="reader")
    Follow.objects.create(follower=reader, followed=spammer)
    PostFactory(author=spammer, body="An older post of theirs")
    post = PostFactory(author=spammer, body="Buy cheap watches now")
    log_in(page, reader)
    page.goto("/")

    page.locator(f"#post-{post.pk}").get_by_role("link", name="Report this post to the moderators").click()

    expect(page.get_by_role("heading", name="Report a post by @spammer")).to_be_visible()
    expect(page.get_by_label("Buy cheap watches now")).to_be_checked()
    expect(page.get_by_label("An older post of theirs")).not_to_be_checked()
    page.get_by_label("Spam").check()
    page.get_by_label("Anything the moderators should know?").fill("The same link in every post.")
    save_screenshot(page, "report-post")
    assert_accessible(page)
    page.get_by_role("button", name="Report this post").click()

    expect(page.get_by_role("alert")).to_contain_text("Thanks, our moderators will look at it.")
    report = Report.objects.get()
    assert (report.reporter, report.target, report.category) == (reader, spammer, "spam")
    assert list(report.posts.all()) == [post]
    assert report.comment == "The same link in every post."
