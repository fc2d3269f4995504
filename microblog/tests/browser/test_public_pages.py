"""A visitor, not signed in, reads the public pages at desktop and phone size, and signs in
from the prompt to come back to the page they were reading."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from posts.models import Post

from .conftest import VIEWPORTS
from .test_pages import check_page, community  # noqa: F401 (community is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMPT = "Sign in to join the conversation"


def thread_path() -> str:
    return Post.objects.get(body__startswith="Trying the new coffee").get_absolute_url()


# (name, path or None for the thread page): what each screenshot is called and where it is.
VISITOR_PAGES = [
    ("visitor-landing", "/"),
    ("visitor-explore", "/explore/"),
    ("visitor-profile", "/user/bob/"),
    ("visitor-thread", None),
    ("visitor-tag", "/tags/coffee/"),
]


@pytest.mark.parametrize(("name", "path"), VISITOR_PAGES, ids=[name for name, _path in VISITOR_PAGES])
def test_visitor_page_is_read_only(name, path, page, community):  # noqa: F811
    path = path or thread_path()

    check_page(page, name, path)

    for size in VIEWPORTS.values():
        page.set_viewport_size(size)
        page.goto(path)
        expect(page.locator("article.post").first).to_be_visible()
        expect(page.locator(".reaction-button")).to_have_count(0)
        expect(page.locator("form.reply-form")).to_have_count(0)
        expect(page.get_by_role("button", name="Follow")).to_have_count(0)
        if name == "visitor-landing":
            expect(page.get_by_role("heading", name="Welcome to Microblog")).to_be_visible()
            expect(page.locator("#main").get_by_role("link", name="Sign up")).to_be_visible()
        else:
            expect(page.get_by_role("link", name=PROMPT)).to_have_count(1)
            expect(page.get_by_role("link", name=PROMPT)).to_be_visible()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_signing_in_from_the_prompt_comes_back_to_the_page(viewport, open_tab, community):  # noqa: F811
    tab = open_tab(viewport=VIEWPORTS[viewport])
    path = thread_path()
    tab.goto(path)

    tab.get_by_role("link", name=PROMPT).click()
    tab.get_by_label("Username or email").fill(community.username)
    tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()

    expect(tab).to_have_url(re.compile(re.escape(path) + "$"))
    expect(tab.locator("form.reply-form")).to_be_visible()
    expect(tab.get_by_role("link", name=PROMPT)).to_have_count(0)


def test_the_user_popup_opens_for_a_visitor(page, community):  # noqa: F811
    page.goto("/explore/")
    page.locator("#main article a.user-popup", has_text="carmen").first.hover()

    expect(page.locator(".popover")).to_be_visible()
    expect(page.locator(".popover").get_by_role("button", name="Follow")).to_have_count(0)
