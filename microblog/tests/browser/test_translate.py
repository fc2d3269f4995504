"""Journey: the Translate button in a real browser, against a stub LibreTranslate on loopback."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.tests.factories import PostFactory

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPANISH = "Hola a todos, hoy hace muy buen tiempo"


@pytest.fixture
def stub_translator(settings, httpserver):
    """Point the site at a LibreTranslate double; each test says what it answers."""
    settings.TRANSLATOR = "libretranslate"
    settings.TRANSLATOR_URL = httpserver.url_for("/").rstrip("/")
    settings.TRANSLATOR_KEY = ""
    settings.TRANSLATOR_TIMEOUT = 2
    return httpserver


@pytest.fixture
def reader_page(page, log_in):
    """A tab signed in as a reader whose language is English."""
    return log_in(page, UserFactory())


def test_clicking_translate_replaces_the_button_with_the_translation(reader_page, stub_translator):
    stub_translator.expect_request(
        "/translate", method="POST", json={"q": SPANISH, "source": "es", "target": "en", "format": "text"}
    ).respond_with_json({"translatedText": "Hello everyone, the weather is very nice today"})
    post = PostFactory(body=SPANISH, language="es")
    reader_page.goto(reverse("posts:explore"))
    article = reader_page.locator(f"#post-{post.pk}")

    article.get_by_role("button", name="Translate").click()

    expect(article.locator(".translation")).to_have_text("Hello everyone, the weather is very nice today")
    expect(article.get_by_role("button", name="Translate")).to_have_count(0)
    assert article.locator(".translation span").get_attribute("lang") == "en"
    stub_translator.check_assertions()


def test_a_translation_is_shown_as_text_never_as_markup(reader_page, stub_translator):
    stub_translator.expect_request("/translate").respond_with_json({"translatedText": "<img src=x onerror=boom()>"})
    post = PostFactory(body=SPANISH, language="es")
    reader_page.goto(reverse("posts:explore"))
    article = reader_page.locator(f"#post-{post.pk}")

    article.get_by_role("button", name="Translate").click()

    expect(article.locator(".translation")).to_have_text("<img src=x onerror=boom()>")
    expect(article.locator(".translation img")).to_have_count(0)


def test_a_failing_service_shows_a_clear_message_instead(reader_page, stub_translator, page_problems):
    # The site answers 502 when the service fails; the browser logs that, as it should.
    page_problems.allow(r"/translate/|status of 502")
    stub_translator.expect_request("/translate").respond_with_data("Internal Server Error", status=500)
    post = PostFactory(body=SPANISH, language="es")
    reader_page.goto(reverse("posts:explore"))
    article = reader_page.locator(f"#post-{post.pk}")

    article.get_by_role("button", name="Translate").click()

    expect(article.locator(".translation .text-danger")).to_contain_text("unavailable")
