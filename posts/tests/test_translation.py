"""Translation adapters against a loopback HTTP server, the /translate/ endpoint and the button."""

import json
import logging
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation
from werkzeug import Response

from accounts.tests.factories import UserFactory
from posts.tests.factories import PostFactory
from posts.translation import (
    MAX_ANSWER_BYTES,
    DeepLTranslator,
    LibreTranslate,
    MicrosoftTranslator,
    TranslationError,
    TranslationTimeout,
    configuration_problem,
    get_translator,
)

pytestmark = pytest.mark.django_db

# Answers normally come at once; the generous timeout keeps a busy machine from
# turning them into timeouts. Only the slow-service tests use the short one.
TIMEOUT = 5
SHORT_TIMEOUT = 0.3


@pytest.fixture
def service_url(httpserver):
    """The loopback server's base URL, as TRANSLATOR_URL would hold it."""
    return httpserver.url_for("/").rstrip("/")


def slow_handler(request):
    time.sleep(SHORT_TIMEOUT * 3)
    return Response("{}", content_type="application/json")


# --- Each adapter speaks its service's dialect. ---

LIBRE_REQUEST = {"q": "Hello", "source": "en", "target": "es", "format": "text", "api_key": "libre-key"}
MICROSOFT_HEADERS = {"Ocp-Apim-Subscription-Key": "ms-key", "Ocp-Apim-Subscription-Region": "westeurope"}
MICROSOFT_QUERY = {"api-version": "3.0", "from": "en", "to": "es"}
DEEPL_REQUEST = {"text": ["Hello"], "source_lang": "EN", "target_lang": "ES"}


def expect_libretranslate(httpserver):
    return httpserver.expect_request("/translate", method="POST", json=LIBRE_REQUEST)


def expect_microsoft(httpserver):
    return httpserver.expect_request(
        "/translate", method="POST", headers=MICROSOFT_HEADERS, query_string=MICROSOFT_QUERY, json=[{"Text": "Hello"}]
    )


def expect_deepl(httpserver):
    return httpserver.expect_request(
        "/v2/translate", method="POST", headers={"Authorization": "DeepL-Auth-Key deepl-key"}, json=DEEPL_REQUEST
    )


ADAPTERS = {
    "libretranslate": (
        lambda url, timeout=TIMEOUT: LibreTranslate(url=url, key="libre-key", timeout=timeout),
        expect_libretranslate,
        {"translatedText": "Hola"},
    ),
    "microsoft": (
        lambda url, timeout=TIMEOUT: MicrosoftTranslator(url=url, key="ms-key", region="westeurope", timeout=timeout),
        expect_microsoft,
        [{"translations": [{"text": "Hola", "to": "es"}]}],
    ),
    "deepl": (
        lambda url, timeout=TIMEOUT: DeepLTranslator(url=url, key="deepl-key", timeout=timeout),
        expect_deepl,
        {"translations": [{"detected_source_language": "EN", "text": "Hola"}]},
    ),
}
adapter_names = pytest.mark.parametrize("provider", list(ADAPTERS))


@adapter_names
def test_adapter_sends_the_service_request_shape_and_reads_its_answer(provider, httpserver, service_url):
    build, expect, answer = ADAPTERS[provider]
    expect(httpserver).respond_with_json(answer)

    result = build(service_url).translate("Hello", "en", "es")

    assert result == "Hola"
    httpserver.check_assertions()


@adapter_names
def test_adapter_raises_translation_error_when_the_service_fails(provider, httpserver, service_url, caplog):
    build, expect, _answer = ADAPTERS[provider]
    expect(httpserver).respond_with_json({"error": "internal"}, status=500)

    with caplog.at_level(logging.WARNING, logger="posts.translation"), pytest.raises(TranslationError):
        build(service_url).translate("Hello", "en", "es")

    assert "HTTP 500" in caplog.text


@adapter_names
def test_adapter_raises_translation_timeout_when_the_service_is_slow(provider, httpserver, service_url, caplog):
    build, expect, _answer = ADAPTERS[provider]
    expect(httpserver).respond_with_handler(slow_handler)

    with caplog.at_level(logging.WARNING, logger="posts.translation"), pytest.raises(TranslationTimeout):
        build(service_url, SHORT_TIMEOUT).translate("Hello", "en", "es")

    assert "did not answer" in caplog.text


@adapter_names
@pytest.mark.parametrize(
    "body", [{"unexpected": True}, [], {"translations": []}, {"translatedText": 42}, "not json at all"]
)
def test_adapter_raises_translation_error_on_a_malformed_answer(provider, body, httpserver, service_url):
    build, expect, _answer = ADAPTERS[provider]
    if isinstance(body, str):
        expect(httpserver).respond_with_data(body, content_type="application/json")
    else:
        expect(httpserver).respond_with_json(body)

    with pytest.raises(TranslationError):
        build(service_url).translate("Hello", "en", "es")


# A valid answer of each service, as large as the test wants it.
def huge_answer(provider, size=5 * 1024 * 1024) -> str:
    answer = json.dumps(ADAPTERS[provider][2])
    return answer.replace("Hola", "Hola " * (size // 5))


def streamed(text):
    """A handler answering `text` in chunks without a Content-Length, as a stream would."""

    def handler(request):
        chunks = (text[start : start + 65536] for start in range(0, len(text), 65536))
        return Response(chunks, content_type="application/json")

    return handler


@adapter_names
@pytest.mark.parametrize("sent_as", ["with Content-Length", "streamed"])
def test_adapter_refuses_an_oversized_answer_and_caches_nothing(provider, sent_as, httpserver, service_url, caplog):
    build, expect, _answer = ADAPTERS[provider]
    body = huge_answer(provider)
    if sent_as == "streamed":
        expect(httpserver).respond_with_handler(streamed(body))
    else:
        expect(httpserver).respond_with_data(body, content_type="application/json")
    translator = build(service_url)

    with caplog.at_level(logging.WARNING, logger="posts.translation"), pytest.raises(TranslationError):
        translator.translate("Hello", "en", "es")

    assert "more than 32768 bytes" in caplog.text
    assert cache.get(translator.cache_key("Hello", "en", "es")) is None


def test_an_error_answer_is_logged_by_its_status_whatever_its_size(httpserver, service_url, caplog):
    expect_libretranslate(httpserver).respond_with_data("quota exceeded " * 100_000, status=429)

    with caplog.at_level(logging.WARNING, logger="posts.translation"), pytest.raises(TranslationError):
        LibreTranslate(url=service_url, key="libre-key", timeout=TIMEOUT).translate("Hello", "en", "es")

    assert "HTTP 429: quota exceeded" in caplog.text
    assert len(caplog.text) < 1000


@adapter_names
def test_adapter_accepts_an_answer_just_under_the_cap(provider, httpserver, service_url):
    build, expect, _answer = ADAPTERS[provider]
    body = huge_answer(provider, size=30_000)
    assert len(body) < MAX_ANSWER_BYTES
    expect(httpserver).respond_with_data(body, content_type="application/json")

    assert build(service_url).translate("Hello", "en", "es").startswith("Hola Hola")


@adapter_names
@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, '{"a":' * 1000 + "1" + "}" * 1000, b'{"translatedText": "\xff"}', '{"translatedText": NaN}'],
    ids=["brackets", "nested", "not utf-8", "NaN"],
)
def test_adapter_treats_a_malformed_json_answer_as_a_failure(provider, body, httpserver, service_url):
    build, expect, _answer = ADAPTERS[provider]
    expect(httpserver).respond_with_data(body, content_type="application/json")

    with pytest.raises(TranslationError):
        build(service_url).translate("Hello", "en", "es")


@adapter_names
def test_adapter_serves_a_repeated_translation_from_the_cache(provider, httpserver, service_url):
    build, expect, answer = ADAPTERS[provider]
    expect(httpserver).respond_with_json(answer)
    translator = build(service_url)

    first = translator.translate("Hello", "en", "es")
    second = translator.translate("Hello", "en", "es")

    assert first == second == "Hola"
    assert len(httpserver.log) == 1


def test_cache_keys_differ_by_provider_text_and_languages():
    libre, deepl = LibreTranslate(url="http://x"), DeepLTranslator(key="k")

    keys = {
        libre.cache_key("Hello", "en", "es"),
        libre.cache_key("Hello!", "en", "es"),
        libre.cache_key("Hello", "en", "fr"),
        libre.cache_key("Hello", "de", "es"),
        deepl.cache_key("Hello", "en", "es"),
    }

    assert len(keys) == 5
    assert all("Hello" not in key and len(key) < 200 for key in keys)


def test_failures_are_not_cached(httpserver, service_url):
    expect_libretranslate(httpserver).respond_with_json({}, status=503)
    translator = LibreTranslate(url=service_url, key="libre-key", timeout=TIMEOUT)
    with pytest.raises(TranslationError):
        translator.translate("Hello", "en", "es")
    httpserver.clear()
    expect_libretranslate(httpserver).respond_with_json({"translatedText": "Hola"})

    assert translator.translate("Hello", "en", "es") == "Hola"


def test_an_unreachable_service_raises_translation_error(httpserver, service_url):
    translator = LibreTranslate(url="http://127.0.0.1:9", timeout=TIMEOUT)

    with pytest.raises(TranslationError):
        translator.translate("Hello", "en", "es")


def test_libretranslate_sends_no_api_key_when_none_is_set(httpserver, service_url):
    request = {"q": "Hello", "source": "en", "target": "es", "format": "text"}
    httpserver.expect_request("/translate", json=request).respond_with_json({"translatedText": "Hola"})

    assert LibreTranslate(url=service_url).translate("Hello", "en", "es") == "Hola"


def test_microsoft_sends_no_region_header_for_a_global_resource(httpserver, service_url):
    httpserver.expect_request("/translate").respond_with_json([{"translations": [{"text": "Hola", "to": "es"}]}])

    MicrosoftTranslator(url=service_url, key="ms-key").translate("Hello", "en", "es")

    (request, _response), *_ = httpserver.log
    assert "Ocp-Apim-Subscription-Region" not in request.headers


# --- Choosing an adapter from the settings. ---


@pytest.mark.parametrize(
    ("name", "url", "key", "expected"),
    [
        ("libretranslate", "http://translate.local", "", LibreTranslate),
        ("microsoft", "", "k", MicrosoftTranslator),
        ("deepl", "", "k", DeepLTranslator),
        (" DeepL ", "", "k", DeepLTranslator),
    ],
)
def test_get_translator_builds_the_configured_adapter(settings, name, url, key, expected):
    settings.TRANSLATOR, settings.TRANSLATOR_URL, settings.TRANSLATOR_KEY = name, url, key
    settings.TRANSLATOR_TIMEOUT = 2.5

    translator = get_translator()

    assert type(translator) is expected
    assert translator.timeout == 2.5
    assert translator.url.startswith("http")


@pytest.mark.parametrize(
    ("name", "url", "key"),
    [("", "", ""), ("libretranslate", "", ""), ("microsoft", "", ""), ("deepl", "", ""), ("babelfish", "", "k")],
)
def test_get_translator_returns_none_when_off_or_misconfigured(settings, name, url, key):
    settings.TRANSLATOR, settings.TRANSLATOR_URL, settings.TRANSLATOR_KEY = name, url, key

    assert get_translator() is None
    assert bool(configuration_problem()) is bool(name)


def test_default_endpoints_are_the_public_services():
    assert MicrosoftTranslator(key="k").url == "https://api.cognitive.microsofttranslator.com"
    assert DeepLTranslator(key="k").url == "https://api-free.deepl.com"


# --- POST /translate/ ---


@pytest.fixture
def libretranslate(settings, httpserver, service_url):
    """Configure a LibreTranslate "server" on loopback; the test says how it answers."""
    settings.TRANSLATOR = "libretranslate"
    settings.TRANSLATOR_URL = service_url
    settings.TRANSLATOR_KEY = ""
    settings.TRANSLATOR_TIMEOUT = TIMEOUT
    return httpserver


@pytest.fixture
def user_client(client):
    client.force_login(UserFactory())
    return client


def post_json(client, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(reverse("posts:translate"), body, content_type="application/json", **extra)


GOOD_REQUEST = {"text": "Hola mundo", "source_language": "es", "dest_language": "en"}


def test_translate_answers_the_translation(user_client, libretranslate, django_assert_max_num_queries):
    libretranslate.expect_request(
        "/translate", json={"q": "Hola mundo", "source": "es", "target": "en", "format": "text"}
    ).respond_with_json({"translatedText": "Hello world"})

    with django_assert_max_num_queries(3):
        response = post_json(user_client, GOOD_REQUEST)

    assert response.status_code == 200
    assert response.json() == {"text": "Hello world"}
    assert "no-cache" in response["Cache-Control"]


def test_translate_asks_anonymous_callers_to_sign_in_with_json(client, libretranslate):
    response = post_json(client, GOOD_REQUEST)

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert not libretranslate.log


def test_translate_refuses_a_request_without_csrf_token(libretranslate):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    response = post_json(client, GOOD_REQUEST)

    assert response.status_code == 403
    assert not libretranslate.log


def test_translate_accepts_the_csrf_header_the_script_sends(libretranslate):
    libretranslate.expect_request("/translate").respond_with_json({"translatedText": "Hello world"})
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.get(reverse("posts:home"))  # the page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value

    response = post_json(client, GOOD_REQUEST, headers={"X-CSRFToken": token})

    assert response.status_code == 200


def test_translate_answers_405_json_to_get(user_client):
    response = user_client.get(reverse("posts:translate"))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"] == "Method Not Allowed"


@pytest.mark.parametrize("body", ["not json", b"\xff\xfe", "[1, 2]", '"text"', "null", ""])
def test_translate_answers_400_to_a_body_that_is_not_a_json_object(user_client, libretranslate, body):
    response = post_json(user_client, body)

    assert response.status_code == 400
    assert set(response.json()) == {"error", "message"}
    assert not libretranslate.log


@pytest.mark.parametrize(
    "payload",
    [
        {"source_language": "es", "dest_language": "en"},
        {"text": "Hola", "dest_language": "en"},
        {"text": "Hola", "source_language": "es"},
        {**GOOD_REQUEST, "text": "   "},
        {**GOOD_REQUEST, "text": "x" * 1000},
        {**GOOD_REQUEST, "text": ["Hola"]},
        {**GOOD_REQUEST, "text": 42},
        {**GOOD_REQUEST, "source_language": "spanish!"},
        {**GOOD_REQUEST, "dest_language": "en/../../admin"},
        {**GOOD_REQUEST, "dest_language": None},
    ],
)
def test_translate_answers_400_to_missing_or_invalid_fields(user_client, libretranslate, payload):
    response = post_json(user_client, payload)

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert response.json()["message"]
    assert not libretranslate.log


def test_translate_answers_503_when_no_translator_is_configured(user_client, settings):
    settings.TRANSLATOR = ""

    response = post_json(user_client, GOOD_REQUEST)

    assert response.status_code == 503
    assert "not available" in response.json()["message"]


def test_translate_answers_502_when_the_service_fails(user_client, libretranslate, caplog):
    libretranslate.expect_request("/translate").respond_with_data("Internal Server Error", status=500)

    with caplog.at_level(logging.WARNING, logger="posts.translation"):
        response = post_json(user_client, GOOD_REQUEST)

    assert response.status_code == 502
    assert "unavailable" in response.json()["message"]
    assert "HTTP 500" in caplog.text


@pytest.mark.parametrize(
    "answer",
    [huge_answer("libretranslate"), "[" * 100_000, '{"translatedText": ' * 2000],
    ids=["5 MB", "nested", "unclosed"],
)
def test_translate_answers_502_json_to_an_unusable_answer_and_caches_nothing(user_client, libretranslate, answer):
    libretranslate.expect_request("/translate").respond_with_data(answer, content_type="application/json")

    response = post_json(user_client, GOOD_REQUEST)

    assert response.status_code == 502
    assert response["Content-Type"] == "application/json"
    assert "unavailable" in response.json()["message"]
    assert len(response.content) < 1000
    libretranslate.clear()
    libretranslate.expect_request("/translate").respond_with_json({"translatedText": "Hello world"})
    assert post_json(user_client, GOOD_REQUEST).json() == {"text": "Hello world"}


def test_translate_answers_502_when_the_service_is_unreachable(user_client, libretranslate, settings):
    settings.TRANSLATOR_URL = "http://127.0.0.1:9"

    response = post_json(user_client, GOOD_REQUEST)

    assert response.status_code == 502


def test_translate_answers_504_when_the_service_is_slow(user_client, libretranslate, settings):
    settings.TRANSLATOR_TIMEOUT = SHORT_TIMEOUT
    libretranslate.expect_request("/translate").respond_with_handler(slow_handler)

    response = post_json(user_client, GOOD_REQUEST)

    assert response.status_code == 504
    assert "too slow" in response.json()["message"]


# --- The Translate button in posts/_post.html ---


@pytest.fixture
def reader(client):
    me = UserFactory()
    client.force_login(me)
    return client


def translate_buttons(response):
    return response.content.decode().count("data-translate-url=")


def test_translate_button_shows_on_posts_in_another_language(reader, libretranslate):
    PostFactory(body="Hola a todos mis amigos", language="es")

    response = reader.get(reverse("posts:explore"))

    assert translate_buttons(response) == 1
    html = response.content.decode()
    assert 'data-source-language="es"' in html
    assert 'data-dest-language="en"' in html
    assert 'data-text="Hola a todos mis amigos"' in html


@pytest.mark.parametrize("language", ["en", "en-gb", ""])
def test_translate_button_hidden_on_posts_in_the_viewer_language_or_unknown(reader, libretranslate, language):
    PostFactory(language=language)

    response = reader.get(reverse("posts:explore"))

    assert translate_buttons(response) == 0


def test_translate_button_follows_the_viewer_active_language(reader, libretranslate):
    PostFactory(language="es")
    PostFactory(language="en")

    with translation.override("es"):
        response = reader.get(reverse("posts:explore"), headers={"Accept-Language": "es"})

    assert translate_buttons(response) == 1
    assert 'data-source-language="en"' in response.content.decode()


def test_translate_button_hidden_when_no_translator_is_configured(reader, settings):
    settings.TRANSLATOR = ""
    PostFactory(language="es")

    response = reader.get(reverse("posts:explore"))

    assert translate_buttons(response) == 0


def test_translate_button_escapes_the_post_text(reader, libretranslate):
    PostFactory(body='"><script>alert(1)</script>', language="es")

    response = reader.get(reverse("posts:explore"))

    assert "<script>alert(1)" not in response.content.decode()


def test_pages_load_the_translate_script(reader):
    response = reader.get(reverse("posts:explore"))

    assert "js/translate.js" in response.content.decode()
