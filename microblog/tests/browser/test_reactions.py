"""Journey: the Like, Boost and Bookmark buttons in a real browser, without page reloads."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts import services
from posts.models import Boost, Like

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tagged_post():
    return services.publish_post(author=UserFactory(username="writer"), body="Worth sharing #journey")


@pytest.fixture
def reader(page, log_in):
    user = UserFactory(username="reader")
    log_in(page, user)
    return user


def test_like_and_boost_update_in_place_and_survive_a_reload(page, reader, tagged_post):
    page.goto(reverse("posts:tag", args=["journey"]))
    page.evaluate("() => { window.notReloaded = true; }")
    article = page.locator(f"#post-{tagged_post.pk}")
    like = article.get_by_role("button", name="Like")
    boost = article.get_by_role("button", name="Boost")

    # The buttons change at once; wait for the server's answers before reloading.
    with page.expect_response(f"**/post/{tagged_post.pk}/like/"):
        like.click()
    with page.expect_response(f"**/post/{tagged_post.pk}/boost/"):
        boost.click()

    expect(like).to_have_attribute("aria-pressed", "true")
    expect(boost).to_have_attribute("aria-pressed", "true")
    expect(article.get_by_role("link", name="1 like")).to_be_visible()
    expect(article.get_by_role("link", name="1 boost")).to_be_visible()
    assert page.evaluate("() => window.notReloaded") is True
    expect(like).to_have_attribute("formaction", reverse("posts:unlike", args=[tagged_post.pk]))

    page.reload()

    expect(like).to_have_attribute("aria-pressed", "true")
    expect(article.get_by_role("link", name="1 like")).to_be_visible()
    expect(article.get_by_role("link", name="1 boost")).to_be_visible()
    assert Like.objects.filter(user=reader, post=tagged_post).exists()
    assert Boost.objects.filter(user=reader, post=tagged_post).exists()

    like.click()  # and back

    expect(like).to_have_attribute("aria-pressed", "false")
    expect(article.get_by_role("link", name="0 likes")).to_be_visible()


def test_a_failed_request_puts_the_button_back_and_says_why(page, reader, tagged_post, page_problems):
    page_problems.allow(r"status of 500|HTTP 500")
    page.route("**/like/", lambda route: route.fulfill(status=500, body="Server Error"))
    page.goto(reverse("posts:tag", args=["journey"]))
    article = page.locator(f"#post-{tagged_post.pk}")
    like = article.get_by_role("button", name="Like")

    like.click()

    expect(page.locator("#page-status")).to_contain_text("did not work")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(article.get_by_role("link", name="0 likes")).to_be_visible()
    assert not Like.objects.exists()


def test_without_javascript_the_buttons_submit_the_pages_form_and_come_back(open_tab, log_in, tagged_post):
    page = log_in(open_tab(java_script_enabled=False), UserFactory(username="plain"))
    url = reverse("posts:tag", args=["journey"]) + "?page=1"
    page.goto(url)
    article = page.locator(f"#post-{tagged_post.pk}")

    article.get_by_role("button", name="Like").click()
    page.wait_for_url(f"**{url}")
    article.get_by_role("button", name="Bookmark").click()
    page.wait_for_url(f"**{url}")

    expect(article.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    expect(article.get_by_role("button", name="Bookmark")).to_have_attribute("aria-pressed", "true")
    expect(article.get_by_role("link", name="1 like")).to_be_visible()
    assert Like.objects.filter(user__username="plain", post=tagged_post).exists()
