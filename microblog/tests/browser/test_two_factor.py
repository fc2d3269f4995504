"""Two-factor sign-in in a real browser: enrol from the profile settings, then sign in with a code."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory

from .conftest import assert_accessible, save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret_text: str, offset_steps: int = 0) -> str:
    """Return what an authenticator app shows for the secret typed from the page (or a step later)."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, drift=offset_steps):06d}"


def test_enrolling_from_the_shown_secret_then_signing_in_with_a_code(page, log_in, sign_in_with_form):
    log_in(page, UserFactory(username="careful"))
    page.goto("/edit_profile/")
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()

    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "two-factor-setup")
    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("This code is not right.")).to_be_visible()
    assert page.locator("#two-factor-secret").inner_text() == secret  # the same secret, still waiting
    page.wait_for_timeout(1200)  # a wrong code makes the next try wait a second (django-otp)
    page.get_by_role("textbox", name="Code").fill(code_for(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()

    page.get_by_role("button", name="careful").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("alert")).to_contain_text("You have been signed out.")
    sign_in_with_form(page, "careful")

    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    assert_accessible(page)
    page.goto("/bookmarks/")  # the password alone signed nobody in
    expect(page).to_have_url(re.compile(r"/auth/login/\?next=/bookmarks/$"))
    sign_in_with_form(page, "careful")
    # The code of enrolment was spent; the app's next one is accepted too (clock drift).
    page.get_by_role("textbox", name="Code").fill(code_for(secret, offset_steps=1))
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("button", name="careful")).to_be_visible()
    page.goto("/bookmarks/")
    expect(page.get_by_role("heading", name="Bookmarks")).to_be_visible()
