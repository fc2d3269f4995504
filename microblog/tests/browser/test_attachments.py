"""Pictures in the browser: attaching, previewing, removing, the grid, the full view, sensitive pictures."""

import mimetypes
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.models import Attachment, Post
from posts.tests.factories import AttachmentFactory, PostFactory

from .conftest import VIEWPORTS, assert_accessible, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def serve_media(tab):
    """Answer /media/ from MEDIA_ROOT as the web server does in production (Django serves it only with DEBUG)."""

    def fulfil(route):
        path = Path(settings.MEDIA_ROOT) / route.request.url.split("/media/", 1)[1]
        if not path.is_file():
            route.fulfill(status=404, body="")
            return
        route.fulfill(body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0] or "image/webp")

    tab.route("**/media/**", fulfil)
    return tab


def photo(tmp_path, name, color, size=(900, 600)) -> str:
    path = tmp_path / name
    Image.new("RGB", size, color).save(path, "JPEG")
    return str(path)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_attach_preview_remove_post_and_open_the_full_view(open_tab, log_in, tmp_path, viewport):
    page = serve_media(log_in(open_tab(viewport=VIEWPORTS[viewport]), UserFactory()))
    page.goto("/")
    page.get_by_label("Say something").fill("Two birds")
    files = [photo(tmp_path, "kite.jpg", "firebrick"), photo(tmp_path, "heron.jpg", "slategray", (500, 800))]

    page.get_by_label("Add pictures").set_input_files(files)

    previews = page.locator(".attachment-preview")
    expect(previews).to_have_count(2)
    page.get_by_label("Description of picture 1").fill("A red kite")
    page.get_by_label("Description of picture 2").fill("A grey heron")
    save_screenshot(page, f"attachments-previews-{viewport}")
    page.get_by_role("button", name="Remove picture 1").click()
    expect(previews).to_have_count(1)
    expect(page.get_by_label("Description of picture 1")).to_have_value("A grey heron")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.get_by_role("button", name="Post", exact=True).click()

    expect(page.get_by_text("Your post is now live!")).to_be_visible()
    picture = Attachment.objects.get()
    assert (picture.alt_text, picture.width, picture.height) == ("A grey heron", 500, 800)
    image = page.locator(".post .media-grid img")
    expect(image).to_have_attribute("alt", "A grey heron")
    expect(image).to_have_attribute("width", str(picture.small["width"]))
    expect(image).to_have_js_property("complete", True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    save_screenshot(page, f"attachments-grid-{viewport}")

    link = page.locator(".post a[data-full-view]")
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.media-full-view")
    expect(dialog).to_be_visible()
    expect(dialog.locator("img")).to_have_attribute("alt", "A grey heron")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    save_screenshot(page, f"attachments-full-view-{viewport}")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()

    page.keyboard.press(" ")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()


def test_dropping_pictures_on_the_post_box_adds_them(open_tab, log_in, tmp_path):
    page = log_in(open_tab(), UserFactory())
    page.goto("/")
    data = Path(photo(tmp_path, "drop.jpg", "gold")).read_bytes()

    transfer = page.evaluate_handle(
        """(bytes) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], "drop.jpg", {type: "image/jpeg"}));
          return transfer;
        }""",
        list(data),
    )
    page.dispatch_event("form:has([data-attachments])", "drop", {"dataTransfer": transfer})

    expect(page.locator(".attachment-preview")).to_have_count(1)
    assert page.evaluate("() => document.querySelector('#id_images').files.length") == 1


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_sensitive_picture_is_blurred_until_clicked(open_tab, log_in, viewport):
    viewer = UserFactory()
    post = PostFactory(body="Careful", is_sensitive=True)
    AttachmentFactory(post=post, alt_text="A spider")
    page = serve_media(log_in(open_tab(viewport=VIEWPORTS[viewport]), viewer))
    page.goto("/explore/")

    cover = page.locator(".media-sensitive > summary")
    expect(cover).to_contain_text("Sensitive: show")
    assert "blur" in page.locator(".media-sensitive summary img").evaluate("(img) => getComputedStyle(img).filter")
    expect(page.get_by_role("img", name="A spider")).to_be_hidden()
    save_screenshot(page, f"attachments-sensitive-{viewport}")

    cover.click()

    expect(page.get_by_role("img", name="A spider")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pictures_and_the_post_box_are_accessible_in_both_colour_modes(open_tab, log_in, tmp_path, scheme):
    me = UserFactory()
    post = PostFactory(author=me, body="Grid of four")
    for number in range(4):
        AttachmentFactory(post=post, alt_text="" if number == 3 else f"Picture {number}")
    AttachmentFactory(post=PostFactory(author=me, is_sensitive=True))
    AttachmentFactory(post=PostFactory(author=me, body="One"))
    for viewport in VIEWPORTS:
        page = serve_media(log_in(open_tab(viewport=VIEWPORTS[viewport]), me))
        page.emulate_media(color_scheme=scheme)
        page.goto("/")
        page.get_by_label("Add pictures").set_input_files([photo(tmp_path, "a.jpg", "teal")])
        expect(page.locator(".attachment-preview")).to_have_count(1)
        expect(page.get_by_text("ALT missing")).to_be_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        assert_accessible(page)
        save_screenshot(page, f"attachments-home-{viewport}-{scheme}")
        page.locator("a[data-full-view]").first.click()
        expect(page.locator("dialog.media-full-view")).to_be_visible()
        assert_accessible(page)
        page.close()
    assert Post.objects.count() == 3
