"""Conversations in the browser: a reply lands at the bottom, the page opens at the newest
message, and New message suggests usernames as you type (at desktop and phone size)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.models import Message
from posts.tests.factories import MessageFactory

from .conftest import VIEWPORTS, assert_accessible, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.fixture
def chat():
    """Ana and Bob with 30 messages between them, the newest from Bob."""
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    now = timezone.now()
    for minutes in range(30, 0, -1):
        sender, recipient = (ana, bob) if minutes % 2 else (bob, ana)
        MessageFactory(
            sender=sender,
            recipient=recipient,
            body=f"message {minutes} minutes ago",
            created_at=now - timedelta(minutes=minutes),
        )
    return ana, bob


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_reply_appears_at_the_bottom_of_the_conversation(open_tab, log_in, chat, viewport):
    ana, _bob = chat
    page = log_in(open_tab(viewport=VIEWPORTS[viewport]), ana)

    page.goto("/messages/@bob/")

    messages = page.locator("#conversation > li")
    expect(messages).to_have_count(25)
    expect(messages.last).to_contain_text("message 1 minutes ago")
    reply = page.get_by_role("button", name="Send", exact=True)
    expect(messages.last).to_be_in_viewport(ratio=1)  # the page opens at the newest message
    expect(reply).to_be_in_viewport(ratio=1)
    no_sideways_scroll(page)
    save_screenshot(page, f"conversation-{viewport}")

    page.get_by_label("Message", exact=True).fill("On my way, see you at the harbour!")
    reply.click()

    sent = Message.objects.get(body="On my way, see you at the harbour!")
    expect(page).to_have_url(f"/messages/@bob/#message-{sent.pk}")
    expect(messages.last).to_contain_text("On my way, see you at the harbour!")
    expect(page.get_by_label("Message", exact=True)).to_have_value("")
    expect(page.locator(f"#message-{sent.pk}")).to_be_in_viewport(ratio=1)
    no_sideways_scroll(page)


def test_earlier_messages_page_back_in_time(page, log_in, chat):
    ana, _bob = chat
    log_in(page, ana)
    page.goto("/messages/@bob/")

    page.get_by_role("link", name="Earlier messages").click()

    messages = page.locator("#conversation > li")
    expect(messages).to_have_count(5)
    expect(messages.first).to_contain_text("message 30 minutes ago")
    page.get_by_role("link", name="Latest messages").click()
    expect(messages).to_have_count(25)


def test_a_reply_refused_keeps_its_text(page, log_in, chat):
    ana, _bob = chat
    log_in(page, ana)
    page.goto("/messages/@bob/")

    page.get_by_label("Message", exact=True).fill("x" * 141)
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.locator("#id_body_error")).to_contain_text("at most 140 characters")
    expect(page.get_by_label("Message", exact=True)).to_have_value("x" * 141)
    assert not Message.objects.filter(body="x" * 141).exists()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_new_message_suggests_usernames_as_you_type(open_tab, log_in, viewport):
    me = UserFactory(username="me")
    for name in ("carmen", "Carla", "bob"):
        UserFactory(username=name)
    page = log_in(open_tab(viewport=VIEWPORTS[viewport]), me)
    page.goto("/messages/")
    page.get_by_role("link", name="New message").click()

    page.get_by_label("To", exact=True).press_sequentially("car")

    options = page.locator("#recipient-suggestions option")
    expect(options).to_have_count(2)
    assert [option.get_attribute("value") for option in options.all()] == ["Carla", "carmen"]
    no_sideways_scroll(page)
    save_screenshot(page, f"new-message-{viewport}")

    page.get_by_label("To", exact=True).fill("carmen")
    page.get_by_label("Message", exact=True).fill("Hi Carmen!")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page).to_have_url(f"/messages/@carmen/#message-{Message.objects.get().pk}")
    expect(page.locator("#conversation > li")).to_have_count(1)


def test_new_message_to_no_one_keeps_the_text(page, log_in):
    log_in(page, UserFactory(username="me"))
    page.goto("/messages/new/")

    page.get_by_label("To", exact=True).fill("ghost")
    page.get_by_label("Message", exact=True).fill("Hello?")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.locator("#id_recipient_error")).to_have_text("There is no one called ghost here.")
    expect(page.get_by_label("Message", exact=True)).to_have_value("Hello?")


def test_the_inbox_and_conversation_are_accessible_in_both_colour_modes(page, log_in, chat):
    ana, bob = chat
    MessageFactory(sender=UserFactory(username="carmen"), recipient=ana, body="An unread one")
    log_in(page, ana)
    for path in ("/messages/", "/messages/@carmen/", "/messages/new/"):
        page.goto(path)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.reload()
            assert_accessible(page)
    save_screenshot(page, "new-message-desktop-dark")
