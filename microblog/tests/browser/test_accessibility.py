"""Keyboard-only use and the colour modes (axe-core runs on every page in test_pages.py)."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.models import Post
from posts.tests.factories import PostFactory

from .conftest import save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Bootstrap shows focus with a box-shadow on buttons and nav links, our CSS with an outline.
FOCUS_IS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
}"""


def tab_to(page, target, max_presses=40):
    """Press Tab until `target` has the focus, as a keyboard user would; fail if it never does."""
    for _press in range(max_presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            assert page.evaluate(FOCUS_IS_VISIBLE), f"no visible focus on {target}"
            return
    pytest.fail(f"{target} cannot be reached with Tab")


@pytest.fixture
def member_page(page, log_in):
    """A tab signed in as "keyboard", on the home page."""
    log_in(page, UserFactory(username="keyboard"))
    page.goto("/")
    return page


def test_the_first_tab_stop_skips_to_the_content(member_page):
    member_page.keyboard.press("Tab")

    skip = member_page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()


def test_the_navbar_and_account_menu_work_from_the_keyboard(member_page):
    navbar = member_page.get_by_role("navigation", name="Main navigation")
    for name in ("Home", "Explore"):
        tab_to(member_page, navbar.get_by_role("link", name=name, exact=True))
    tab_to(member_page, navbar.get_by_role("searchbox", name="Search posts"))
    tab_to(member_page, navbar.get_by_role("link", name="Messages"))
    account = navbar.get_by_role("button", name="keyboard")
    tab_to(member_page, account)
    save_screenshot(member_page, "keyboard-focus-desktop")

    member_page.keyboard.press("Enter")
    expect(account).to_have_attribute("aria-expanded", "true")
    member_page.keyboard.press("ArrowDown")
    expect(member_page.get_by_role("link", name="Profile", exact=True)).to_be_focused()
    member_page.keyboard.press("Escape")
    expect(account).to_have_attribute("aria-expanded", "false")
    expect(account).to_be_focused()


def test_a_post_is_written_and_sent_from_the_keyboard(member_page):
    body = member_page.get_by_label("Say something")
    tab_to(member_page, body)
    member_page.keyboard.type("Typed without a mouse")
    # Past the content warning, the pictures and "sensitive" to the button.
    tab_to(member_page, member_page.get_by_role("button", name="Post", exact=True), max_presses=4)

    member_page.keyboard.press("Enter")

    expect(member_page.get_by_role("alert")).to_contain_text("Your post is now live!")
    assert Post.objects.get().body == "Typed without a mouse"


def test_focusing_a_username_opens_its_popup_and_escape_closes_it(member_page):
    PostFactory(author=UserFactory(username="focused"), body="Tab to my name")
    member_page.goto("/explore/")
    name = member_page.locator("#main article a.user-popup", has_text="focused")

    tab_to(member_page, name)

    popup = member_page.locator(".popover")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("focused")
    member_page.keyboard.press("Escape")
    expect(popup).to_be_hidden()
    expect(name).to_be_focused()


def test_a_post_is_liked_and_bookmarked_from_the_keyboard(member_page):
    post = PostFactory(author=UserFactory(username="liked"), body="Press space to like me")
    member_page.goto("/explore/")
    article = member_page.locator(f"#post-{post.pk}")
    like, bookmark = article.get_by_role("button", name="Like"), article.get_by_role("button", name="Bookmark")

    tab_to(member_page, like)
    member_page.keyboard.press("Space")
    tab_to(member_page, bookmark)
    member_page.keyboard.press("Enter")

    expect(like).to_have_attribute("aria-pressed", "true")
    expect(bookmark).to_have_attribute("aria-pressed", "true")
    expect(article.get_by_role("link", name="1 like")).to_be_visible()


def test_a_popup_opened_by_focus_closes_when_focus_moves_elsewhere(member_page):
    PostFactory(author=UserFactory(username="passing"), body="Just passing through")
    member_page.goto("/explore/")
    tab_to(member_page, member_page.locator("#main article a.user-popup", has_text="passing"))
    popup = member_page.locator(".popover")
    expect(popup).to_be_visible()

    member_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Explore").focus()

    expect(popup).to_be_hidden()


def test_shift_tab_from_the_card_goes_back_to_the_name_and_keeps_the_card(member_page):
    PostFactory(author=UserFactory(username="passing"), body="Just passing through")
    member_page.goto("/explore/")
    name = member_page.locator("#main article a.user-popup", has_text="passing")
    tab_to(member_page, name)
    popup = member_page.locator(".popover")
    expect(popup).to_be_visible()
    member_page.keyboard.press("Tab")
    expect(popup.get_by_role("link", name="passing", exact=True)).to_be_focused()

    member_page.keyboard.press("Shift+Tab")

    expect(name).to_be_focused()
    expect(popup).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_site_follows_the_systems_colour_scheme(open_tab, scheme):
    page = open_tab(color_scheme=scheme)

    page.goto("/auth/login/")

    expect(page.locator("html")).to_have_attribute("data-bs-theme", scheme)
    expect(page.locator("#theme-toggle")).to_have_attribute("aria-pressed", str(scheme == "dark").lower())


def test_the_toggle_overrides_the_system_scheme_and_is_remembered(open_tab):
    page = open_tab(color_scheme="light")
    page.goto("/auth/login/")
    light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")

    page.get_by_role("button", name="Dark mode").click()

    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    expect(page.locator("#theme-toggle")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_background
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.goto("/auth/register/")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.get_by_role("button", name="Dark mode").click()
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
