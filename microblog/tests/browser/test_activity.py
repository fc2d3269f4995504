"""Notifications in a real browser: the bell's badge goes up live and the page lists what happened."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.tests.factories import PostFactory

from .conftest import assert_accessible, save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_follow_and_a_like_reach_the_authors_open_page_without_a_reload(open_tab, log_in, fast_polling):
    author, fan = UserFactory(username="author"), UserFactory(username="fan")
    post = PostFactory(author=author, body="Something worth liking")
    author_tab = log_in(open_tab(), author)
    author_tab.goto("/explore/")
    badge = author_tab.locator("#activity-count")
    expect(badge).to_be_hidden()
    expect(author_tab.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    author_tab.evaluate("() => { window.notReloaded = true; }")

    fan_tab = log_in(open_tab(), fan)
    fan_tab.goto("/user/author/")
    fan_tab.get_by_role("button", name="Follow author", exact=True).click()
    expect(fan_tab.get_by_role("button", name="Unfollow author")).to_be_visible()

    expect(badge).to_have_text("1")
    like = fan_tab.locator(f"#post-{post.pk}").get_by_role("button", name="Like")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(badge).to_have_text("2")
    expect(author_tab.get_by_role("link", name="Notifications 2 unread")).to_be_visible()
    assert author_tab.evaluate("() => window.notReloaded") is True

    author_tab.get_by_role("link", name=re.compile("^Notifications")).click()
    entries = author_tab.locator("#main article.activity")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("fan liked your post")
    expect(entries.nth(0)).to_contain_text("Something worth liking")
    expect(entries.nth(1)).to_contain_text("fan followed you")
    expect(author_tab.locator("#activity-count")).to_be_hidden()
    save_screenshot(author_tab, "activity-desktop")
    assert_accessible(author_tab)
