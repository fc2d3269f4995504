"""The post box and message form at desktop and phone size, the skip link, and tab stops."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.models import Post
from posts.tests.factories import PostFactory

from .conftest import VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTE = "p" * 200

ON_ONE_LINE = """([a, b]) => {
  const one = a.getBoundingClientRect(), two = b.getBoundingClientRect();
  return one.width > 0 && two.width > 0 && one.right <= two.left
    && one.top < two.bottom && two.top < one.bottom;
}"""

# The element at the centre of the focused one is that element: nothing covers it.
FOCUSED_AND_UNCOVERED = """() => {
  const el = document.activeElement, box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return box.width > 1 && box.height > 1 && (hit === el || el.contains(hit));
}"""

HERE = "() => document.activeElement.outerHTML"

# A tab stop a sighted keyboard user cannot see, or one a screen reader is told is not there.
INVISIBLE_TAB_STOP = """() => {
  const el = document.activeElement, box = el.getBoundingClientRect(), style = getComputedStyle(el);
  if (el.closest("[aria-hidden=true]")) { return "aria-hidden: " + el.outerHTML.slice(0, 120); }
  if (box.width < 2 || box.height < 2 || style.visibility === "hidden" || style.opacity === "0") {
    return "invisible: " + el.outerHTML.slice(0, 120);
  }
  return "";
}"""


def paste(field, text):
    """Put `text` in `field` as a paste does: at once, with one input event."""
    field.focus()
    field.page.keyboard.insert_text(text)


def counter_beside_button(page, button_name):
    counter = page.locator("[data-char-counter-for=id_body]")
    button = page.get_by_role("button", name=button_name, exact=True)
    expect(counter).to_have_text(re.compile(r"\S"))  # the page's script has counted (it fills the text)
    assert page.evaluate(ON_ONE_LINE, [counter.element_handle(), button.element_handle()])
    return counter


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_post_box_counts_past_140_keeps_a_paste_and_clears_its_error(open_tab, log_in, viewport):
    page = log_in(open_tab(viewport=VIEWPORTS[viewport]), UserFactory())
    page.goto("/")
    field = page.get_by_label("Say something")
    expect(field).to_have_attribute("placeholder", "What's on your mind?")
    expect(page.locator("label[for=id_body]")).not_to_contain_text("*")
    counter = counter_beside_button(page, "Post")
    expect(counter).to_have_text("140 characters left")

    field.fill("x" * 139)
    expect(counter).to_have_text("1 character left")
    expect(counter).not_to_have_class("text-danger")
    field.press_sequentially("xxxx")
    expect(counter).to_have_text("-3 characters left")
    expect(counter).to_have_class("text-danger")

    field.fill("")
    paste(field, PASTE)
    assert field.input_value() == PASTE  # nothing cut
    expect(counter).to_have_text("-60 characters left")
    page.get_by_role("button", name="Post", exact=True).click()

    field = page.get_by_label("Say something")
    expect(field).to_have_value(PASTE)
    error = page.locator("#id_body_error")
    expect(error).to_contain_text("at most 140 characters (it has 200)")
    expect(field).to_have_class("textarea form-control is-invalid")
    assert not Post.objects.exists()
    counter_beside_button(page, "Post")

    field.press("ControlOrMeta+End")
    field.press("Backspace")
    expect(error).to_have_count(0)
    expect(field).not_to_have_class("is-invalid")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-char-counter-for=id_body]")).to_have_text("-59 characters left")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_message_form_has_the_counter_beside_send(open_tab, log_in, viewport):
    UserFactory(username="bob")
    page = log_in(open_tab(viewport=VIEWPORTS[viewport]), UserFactory())
    page.goto("/send_message/bob/")
    field = page.get_by_label("Message")
    counter = counter_beside_button(page, "Send")

    paste(field, PASTE)
    expect(counter).to_have_text("-60 characters left")
    expect(counter).to_have_class("text-danger")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_label("Message")).to_have_value(PASTE)
    counter_beside_button(page, "Send")
    page.get_by_label("Message").press("ControlOrMeta+End")
    page.get_by_label("Message").press("Backspace")
    expect(page.locator("#id_body_error")).to_have_count(0)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_skip_link_shows_when_focused(open_tab, log_in, viewport):
    page = log_in(open_tab(viewport=VIEWPORTS[viewport]), UserFactory())
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to content")

    page.keyboard.press("Tab")

    expect(skip).to_be_focused()
    assert page.evaluate(FOCUSED_AND_UNCOVERED), "the focused skip link is hidden or covered"


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(
    "path", ["/", "/explore/", "/user/bob/", "/messages/", "/search/?q=hello", "/api/docs", "/auth/password_change/"]
)
def test_every_tab_stop_is_visible(open_tab, log_in, viewport, path):
    bob = UserFactory(username="bob")
    PostFactory(author=bob, body="Hello #tags and @bob https://example.com")
    me = UserFactory()
    page = log_in(open_tab(viewport=VIEWPORTS[viewport]), me)
    # Bootstrap scrolls smoothly: the check below must see where a Tab's scroll ends, not its first frame.
    page.emulate_media(reduced_motion="reduce")
    page.goto(path)

    seen = set()
    for _press in range(60):
        page.keyboard.press("Tab")
        problem = page.evaluate(INVISIBLE_TAB_STOP)
        assert not problem, f"on {path}: {problem}"
        # Nor hidden behind the phone's bottom bar or compose button.
        assert page.evaluate(FOCUSED_AND_UNCOVERED), f"on {path}: covered: {page.evaluate(HERE)}"
        here = page.evaluate(HERE)
        if here in seen or page.evaluate("() => document.activeElement === document.body"):
            break
        seen.add(here)
