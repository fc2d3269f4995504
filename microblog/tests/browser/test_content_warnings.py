"""Content warnings and edits in the browser: a folded post opens and closes, by pointer and by keyboard."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts import services
from posts.models import Post

from .conftest import VIEWPORTS, assert_accessible, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_post_behind_a_warning_is_hidden_until_opened(open_tab, log_in, viewport):
    author = UserFactory()
    page = log_in(open_tab(viewport=VIEWPORTS[viewport]), author)
    page.goto("/")
    page.get_by_label("Say something").fill("The butler did it")
    page.get_by_label("Content warning (optional)").fill("Film spoilers")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_text("Your post is now live!")).to_be_visible()
    post = Post.objects.get(author=author)
    assert post.content_warning == "Film spoilers"

    article = page.locator(f"#post-{post.pk}")
    body = article.locator(".post-body")
    toggle = article.locator("summary")
    expect(toggle).to_contain_text("Film spoilers")
    expect(body).to_be_hidden()
    save_screenshot(page, f"content-warning-closed-{viewport}")
    assert_accessible(page)

    toggle.click()
    expect(body).to_be_visible()
    expect(body).to_have_text("The butler did it")
    expect(toggle.get_by_text("Show less")).to_be_visible()
    expect(toggle.get_by_text("Show more")).to_be_hidden()
    save_screenshot(page, f"content-warning-open-{viewport}")

    toggle.focus()
    page.keyboard.press("Enter")
    expect(body).to_be_hidden()
    expect(toggle.get_by_text("Show more")).to_be_visible()


def test_edit_a_post_and_read_its_history(open_tab, log_in):
    author = UserFactory()
    post = services.publish_post(author=author, body="Fist draft")
    page = log_in(open_tab(), author)
    page.goto(post.get_absolute_url())

    page.locator(f"#post-{post.pk}").get_by_role("link", name="Edit").click()
    text = page.get_by_label("Text")
    expect(text).to_have_value("Fist draft")
    text.fill("First draft, fixed")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_text("Your post has been updated.")).to_be_visible()
    article = page.locator(f"#post-{post.pk}")
    expect(article.locator(".post-body")).to_have_text("First draft, fixed")
    article.locator(".post-edited").click()
    expect(page.get_by_role("heading", name="Edit history")).to_be_visible()
    expect(page.locator(".post-version-body")).to_have_text(["Fist draft"])
    assert_accessible(page)
