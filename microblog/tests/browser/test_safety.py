"""Blocking someone from their popup, in a real browser against the live server."""

import pytest
from playwright.sync_api import expect

from accounts.models import Block, Follow
from accounts.tests.factories import UserFactory
from posts.tests.factories import PostFactory

from .conftest import assert_accessible, save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reader_blocks_someone_from_their_popup(page, log_in):
    troll = UserFactory(username="troll", about_me="Always angry")
    reader = UserFactory(username="reader")
    Follow.objects.create(follower=reader, followed=troll)
    Follow.objects.create(follower=troll, followed=reader)
    PostFactory(author=troll, body="Another angry post")
    log_in(page, reader)
    page.goto("/")

    page.locator("#main article a.user-popup", has_text="troll").hover()
    popup = page.locator(".popover")
    expect(popup).to_contain_text("Always angry")
    popup.get_by_role("button", name="More actions for troll").click()
    popup.get_by_role("link", name="Block @troll").click()

    expect(page.get_by_role("heading", name="Block @troll?")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "block-confirm")
    page.get_by_role("button", name="Block @troll").click()

    expect(page.get_by_role("alert")).to_contain_text("You blocked @troll.")
    expect(page.locator(".blocked-notice")).to_contain_text("You do not see each other's posts or profile.")
    expect(page.get_by_role("button", name="Unblock @troll")).to_be_visible()
    expect(page.get_by_text("Always angry")).to_have_count(0)
    assert Block.objects.filter(blocker=reader, blocked=troll).exists()
    assert not Follow.objects.exists()
    page.goto("/")
    expect(page.get_by_text("Another angry post")).to_have_count(0)
