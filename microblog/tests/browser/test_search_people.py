"""Journey: finding a person from the search box, at desktop and phone width."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from microblog.tests.browser.conftest import VIEWPORTS, assert_accessible, save_screenshot
from posts import services

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_people_come_above_the_posts_and_lead_to_their_profile(open_tab, log_in, viewport):
    anna = UserFactory(username="anna", about_me="Coffee, books and long walks")
    UserFactory(username="annabel", about_me="")
    UserFactory(username="gone_anna", about_me="", is_active=False)
    services.publish_post(author=UserFactory(username="writer", about_me=""), body="Reading anna karenina")
    tab = open_tab(viewport=VIEWPORTS[viewport])
    log_in(tab, UserFactory(username="reader", about_me=""))

    tab.goto(f"{reverse('posts:search')}?q=Anna")

    people = tab.get_by_role("region", name="People")
    expect(people.get_by_role("link", name="anna", exact=True)).to_be_visible()
    expect(people.get_by_role("link", name="annabel")).to_be_visible()
    expect(people.get_by_text("gone_anna")).to_have_count(0)
    expect(people.get_by_text("Coffee, books and long walks")).to_be_visible()
    expect(tab.locator("mark", has_text="anna")).to_be_visible()
    people_box = people.bounding_box()
    assert people_box["x"] + people_box["width"] <= VIEWPORTS[viewport]["width"]  # no sideways scrolling
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    help_text = tab.get_by_text("All words must appear.")
    expect(help_text).to_be_hidden()
    tab.locator(".search-help summary").click()
    expect(help_text).to_be_visible()
    assert_accessible(tab)
    save_screenshot(tab, f"search-people-{viewport}")

    tab.get_by_role("link", name="People", exact=True).click()
    expect(tab.get_by_role("link", name="People", exact=True)).to_have_attribute("aria-current", "page")
    expect(tab.locator("mark")).to_have_count(0)

    tab.get_by_role("link", name="anna", exact=True).click()
    expect(tab).to_have_url(re.compile(f"{re.escape(anna.get_absolute_url())}$"))
