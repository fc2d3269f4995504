"""Uploading an avatar on the edit-profile page, at desktop and phone width, in both colour modes."""

import io
import re

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory

from .conftest import VIEWPORTS, assert_accessible, save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAVBAR_AVATAR = "nav img.rounded-circle"
IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"
IDENTICON = re.compile(r"^/avatar/\w+\.svg\?s=\d+$")
UPLOADED = re.compile(rf"^{re.escape(settings.MEDIA_URL)}avatars/\w+/\d+\.webp$")


def photo() -> bytes:
    """A 900x600 JPEG: a blue square in the middle of orange sides, which the crop cuts off."""
    image = Image.new("RGB", (900, 600), "darkorange")
    image.paste(Image.new("RGB", (600, 600), "royalblue"), (150, 0))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def serve_media(page):
    """Serve MEDIA_ROOT under MEDIA_URL as the production web server does (Django serves it only with DEBUG)."""

    def fulfill(route):
        relative = route.request.url.split(settings.MEDIA_URL, 1)[1].split("?", 1)[0]
        path = settings.MEDIA_ROOT / relative
        if not path.is_file():
            route.fulfill(status=404)
            return
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=31536000, immutable"}
        route.fulfill(path=str(path), content_type="image/webp", headers=headers)

    page.route(f"**{settings.MEDIA_URL}**", fulfill)
    return page


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_uploading_an_avatar_shows_it_in_the_navbar_and_on_the_form(serve_media, log_in, viewport):
    page = serve_media
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, UserFactory(username="ana"))
    page.goto("/edit_profile/")
    expect(page.locator(NAVBAR_AVATAR).first).to_have_attribute("src", IDENTICON)

    page.get_by_label("Picture").set_input_files(
        files=[{"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
    )
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your changes have been saved.")).to_be_visible()
    navbar_avatar = page.locator(NAVBAR_AVATAR).first
    expect(navbar_avatar).to_have_attribute("src", UPLOADED)
    assert navbar_avatar.evaluate(IMAGE_LOADED), "the navbar's new avatar did not load"
    preview = page.locator("form img.rounded-circle")
    expect(preview).to_have_attribute("src", UPLOADED)
    assert preview.evaluate(IMAGE_LOADED)
    expect(page.get_by_label("Remove your picture and show the generated one")).not_to_be_checked()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the edit-profile page scrolls sideways by {overflow}px at {viewport} size"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.reload()
        assert_accessible(page)
        save_screenshot(page, f"edit-profile-avatar-{viewport}-{scheme}")


def test_a_file_that_is_no_picture_is_an_error_under_the_field(serve_media, log_in):
    page = serve_media
    log_in(page, UserFactory(username="ana"))
    page.goto("/edit_profile/")
    page.get_by_label("About me").fill("Kept after the error.")

    page.get_by_label("Picture").set_input_files(
        files=[{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"these are my notes, not a photo" * 10}]
    )
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("This file is not a picture we can read")).to_be_visible()
    expect(page.get_by_label("About me")).to_have_value("Kept after the error.")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page)
    save_screenshot(page, "edit-profile-avatar-error-desktop")
