"""The phone layout and the page chrome: the bottom bar and the compose button on a phone
(none on a desktop), the colour mode and the language in the user menu, the export's
progress in sight on a phone, the user popup from the keyboard, and the API reference."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Follow
from accounts.services import follow_user
from accounts.tests.factories import UserFactory
from posts.models import Post
from posts.services import send_message
from posts.tests.factories import PostFactory

from .conftest import VIEWPORTS, save_screenshot
from .test_accessibility import tab_to

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = ["Home", "Explore", "Search", "Notifications", "Messages", "Profile"]


def phone_tab(open_tab, log_in, user, viewport="phone"):
    return log_in(open_tab(viewport=VIEWPORTS[viewport]), user)


def bottom_bar(page):
    return page.get_by_role("navigation", name="Sections")


def test_a_phone_has_the_bottom_bar_and_no_menu_button(open_tab, log_in):
    page = phone_tab(open_tab, log_in, UserFactory(username="walker"))
    PostFactory.create_batch(25)
    page.goto("/explore/")

    bar = bottom_bar(page)
    expect(bar).to_be_visible()
    for name in SECTIONS:
        expect(bar.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(bar.get_by_role("link", name="Explore", exact=True)).to_have_attribute("aria-current", "page")
    expect(bar.locator("[aria-current]")).to_have_count(1)
    # The top bar: the brand and the user menu, no hamburger.
    navbar = page.get_by_role("navigation", name="Main navigation")
    expect(navbar.get_by_role("button", name="walker")).to_be_visible()
    expect(navbar.get_by_role("link", name="Explore", exact=True)).to_be_hidden()
    expect(page.locator(".navbar-toggler")).to_have_count(0)
    save_screenshot(page, "phone-bottom-bar")

    # Scrolled to its end, the page's last line is above the bar, not under it.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    footer, bar_box = page.locator("footer").bounding_box(), bar.bounding_box()
    assert footer["y"] + footer["height"] <= bar_box["y"] + 1
    bar.get_by_role("link", name="Profile", exact=True).click()
    expect(page).to_have_url(re.compile(r"/user/walker/$"))
    expect(bottom_bar(page).get_by_role("link", name="Profile", exact=True)).to_have_attribute("aria-current", "page")


def test_the_bottom_bar_s_badges_follow_the_poll(open_tab, log_in, fast_polling):
    reader, writer = UserFactory(username="reader"), UserFactory(username="writer")
    page = phone_tab(open_tab, log_in, reader)
    page.goto("/explore/")
    bar = bottom_bar(page)
    messages = bar.get_by_role("link", name=re.compile("^Messages"))
    notifications = bar.get_by_role("link", name=re.compile("^Notifications"))
    expect(messages).to_have_accessible_name("Messages")
    expect(messages.locator("[data-unread-badge]")).to_be_hidden()

    send_message(sender=writer, recipient=reader, body="Lunch on Friday?")
    follow_user(follower=writer, followed=reader)

    expect(messages.locator("[data-unread-badge]")).to_have_text("1")
    expect(messages).to_have_accessible_name("Messages 1 unread")
    expect(notifications.locator("[data-activity-badge]")).to_have_text("1")
    expect(notifications).to_have_accessible_name("Notifications 1 unread")
    save_screenshot(page, "phone-bottom-bar-badges")


@pytest.mark.parametrize("start", ["/explore/", "/"])
def test_the_compose_button_lands_in_the_focused_post_box(open_tab, log_in, start):
    page = phone_tab(open_tab, log_in, UserFactory())
    PostFactory.create_batch(25)
    page.goto(start)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")

    page.get_by_role("link", name="Write a post").click()

    expect(page).to_have_url(re.compile(r"/#id_body$"))
    field = page.get_by_label("Say something")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    page.keyboard.type("Written from the phone")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Your post is now live!")
    assert Post.objects.filter(body="Written from the phone").exists()


def test_the_compose_button_works_without_javascript(open_tab, log_in):
    page = log_in(open_tab(viewport=VIEWPORTS["phone"], java_script_enabled=False), UserFactory())
    PostFactory.create_batch(25)
    page.goto("/explore/")

    page.get_by_role("link", name="Write a post").click()

    expect(page).to_have_url(re.compile(r"/#id_body$"))
    expect(page.get_by_label("Say something")).to_be_focused()
    expect(page.get_by_label("Say something")).to_be_in_viewport()


def test_a_desktop_has_no_bottom_bar(page, log_in):
    log_in(page, UserFactory(username="wide"))
    page.goto("/")

    expect(page.locator(".bottom-nav")).to_be_hidden()
    expect(page.get_by_role("link", name="Write a post")).to_be_hidden()
    navbar = page.get_by_role("navigation", name="Main navigation")
    for name in ("Home", "Explore"):
        expect(navbar.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(navbar.get_by_role("searchbox", name="Search posts")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).paddingBottom") == "0px"


def test_a_visitor_on_a_phone_gets_no_bottom_bar_and_can_sign_in_or_up(open_tab):
    page = open_tab(viewport=VIEWPORTS["phone"])
    page.goto("/explore/")

    expect(page.locator(".bottom-nav")).to_have_count(0)
    navbar = page.get_by_role("navigation", name="Main navigation")
    expect(navbar.get_by_role("link", name="Log in")).to_be_visible()
    expect(navbar.get_by_role("link", name="Register")).to_be_visible()
    navbar.get_by_role("link", name="Register").click()
    expect(page).to_have_url(re.compile(r"/auth/register/$"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_dark_mode_and_spanish_from_the_user_menu(open_tab, log_in, viewport):
    page = phone_tab(open_tab, log_in, UserFactory(username="chooser"), viewport)
    page.emulate_media(color_scheme="light")
    page.goto("/explore/")
    menu = page.get_by_role("button", name="chooser")

    menu.click()
    dark = page.get_by_role("button", name="Dark mode")
    expect(dark).to_have_attribute("aria-pressed", "false")
    dark.click()

    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    expect(dark).to_have_attribute("aria-pressed", "true")
    expect(dark).to_be_visible()  # the menu stays open for a second choice
    save_screenshot(page, f"user-menu-{viewport}-dark")
    page.get_by_role("button", name="Español").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(re.compile(r"/explore/$"))
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")  # remembered
    page.get_by_role("button", name="chooser").click()
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-current", "true")
    page.locator("#theme-toggle").click()  # "Dark mode", in Spanish once the catalogue has it
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")


def test_the_user_menu_s_choices_work_from_the_keyboard(open_tab, log_in):
    page = phone_tab(open_tab, log_in, UserFactory(username="keys"))
    page.emulate_media(color_scheme="light")
    page.goto("/explore/")
    menu = page.get_by_role("button", name="keys")
    tab_to(page, menu)

    page.keyboard.press("Enter")
    dark = page.get_by_role("button", name="Dark mode")
    for _press in range(10):
        page.keyboard.press("ArrowDown")
        if dark.evaluate("element => element === document.activeElement"):
            break
    expect(dark).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("button", name="Español")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_an_export_shows_its_progress_on_a_phone(open_tab, log_in, fast_polling, run_worker):
    me = UserFactory(username="exporter")
    PostFactory.create_batch(3, author=me)
    page = phone_tab(open_tab, log_in, me)
    page.goto("/")

    page.get_by_role("button", name="exporter").click()
    page.get_by_role("button", name="Export my posts").click()

    progress = page.locator("#export-progress")
    expect(progress).to_be_visible()
    expect(progress).to_contain_text("waiting for a worker")
    expect(progress).to_be_in_viewport()
    save_screenshot(page, "phone-export-progress")
    run_worker()
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(progress).to_contain_text("100%")
    expect(page.get_by_role("alert").filter(has_text="exported and emailed")).to_be_visible()


@pytest.fixture
def popup_page(page, log_in):
    """Explore, signed in, with a post by "poppy" followed by one more link in its article."""
    PostFactory(author=UserFactory(username="poppy"), body="Follow me from the keyboard")
    log_in(page, UserFactory(username="typist"))
    page.goto("/explore/")
    return page


def test_the_popup_s_follow_button_is_reached_and_pressed_from_the_keyboard(popup_page):
    page = popup_page
    name = page.locator("#main article a.user-popup", has_text="poppy")
    tab_to(page, name)
    popup = page.get_by_role("dialog", name="poppy")
    expect(popup).to_be_visible()

    follow = popup.get_by_role("button", name="Follow")
    tab_to(page, follow, max_presses=5)
    save_screenshot(page, "popup-keyboard-follow")
    page.keyboard.press("Enter")

    expect(page.locator("#page-status")).to_contain_text("poppy")  # said in place, in the live region
    assert Follow.objects.filter(follower__username="typist", followed__username="poppy").exists()


def test_escape_closes_the_popup_and_gives_the_focus_back(popup_page):
    page = popup_page
    name = page.locator("#main article a.user-popup", has_text="poppy")
    tab_to(page, name)
    popup = page.get_by_role("dialog", name="poppy")
    expect(popup).to_be_visible()
    tab_to(page, popup.get_by_role("button", name="Follow"), max_presses=5)

    page.keyboard.press("Escape")

    expect(popup).to_be_hidden()
    expect(name).to_be_focused()
    page.wait_for_timeout(600)  # longer than the focus delay: the card stays shut
    expect(popup).to_be_hidden()


def test_shift_tab_leaves_the_popup_for_its_link_and_tab_past_it_goes_on(popup_page):
    page = popup_page
    name = page.locator("#main article a.user-popup", has_text="poppy")
    tab_to(page, name)
    popup = page.get_by_role("dialog", name="poppy")
    expect(popup).to_be_visible()
    page.keyboard.press("Tab")
    expect(popup.get_by_role("link", name="poppy", exact=True)).to_be_focused()

    page.keyboard.press("Shift+Tab")
    expect(name).to_be_focused()
    expect(popup).to_be_visible()

    after = page.evaluate_handle(
        """(link) => {
          const stops = [...document.querySelectorAll("a[href], button:not([disabled]), input, textarea")]
            .filter((el) => el.type !== "hidden")
            .filter((el) => el.getClientRects().length && !el.closest(".popover"));
          return stops[stops.indexOf(link) + 1];
        }""",
        name.element_handle(),
    )
    # The card's last control: the menu of Mute, Block and Report, after Follow.
    tab_to(page, popup.get_by_role("button", name="More actions for poppy"), max_presses=6)
    page.keyboard.press("Tab")

    expect(popup).to_be_hidden()
    assert after.evaluate("element => element === document.activeElement")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_api_reference_has_the_site_s_header_and_colour_mode(open_tab, log_in, viewport):
    page = phone_tab(open_tab, log_in, UserFactory(username="developer"), viewport)
    page.emulate_media(color_scheme="dark")
    page.goto("/api/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Microblog API")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark-mode\b"))
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    save_screenshot(page, f"api-docs-switched-{viewport}-dark")

    page.get_by_role("button", name="developer").click()
    page.get_by_role("button", name="Dark mode").click()
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bdark-mode\b"))
    page.keyboard.press("Escape")
    save_screenshot(page, f"api-docs-switched-{viewport}-light")

    page.get_by_role("link", name="Back to the home page").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_a_visitor_reads_the_api_reference_in_dark_mode(open_tab):
    page = open_tab(color_scheme="dark")
    page.goto("/api/docs")

    expect(page.locator("html")).to_have_class(re.compile(r"\bdark-mode\b"))
    navbar = page.get_by_role("navigation", name="Main navigation")
    expect(navbar.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")
