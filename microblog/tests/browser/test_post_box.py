"""The post box and the message form at desktop and phone size."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.models import Post

from .conftest import VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTE = "p" * 200

ON_ONE_LINE = """([a, b]) => {
  const one = a.getBoundingClientRect(), two = b.getBoundingClientRect();
  return one.width > 0 && two.width > 0 && one.right <= two.left
    && one.top < two.bottom && two.top < one.bottom;
}"""


def paste(field, text):
    """Put `text` in `field` as a paste does: at once, with one input event."""
    field.focus()
    field.page.keyboard.insert_text(text)


def counter_beside_button(page, button_name):
    counter = page.locator("[data-char-counter-for=id_body]")
    button = page.get_by_role("button", name=button_name, exact=True)
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
