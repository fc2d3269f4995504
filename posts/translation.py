"""Translate post text through the external service that settings.TRANSLATOR names.

Each adapter knows one service's request and response shapes. The base class adds what
they share: a short timeout, one cache entry per (provider, text, source, target), and a
single exception type, TranslationError, for everything that can go wrong out there:
an unreachable or slow service, an error status, and an answer that is too large, is
not JSON (decoded by microblog/jsonbody.py, like every JSON body) or has the wrong shape.
"""

import hashlib
import logging

import requests
from django.conf import settings
from django.core.cache import cache

from microblog.jsonbody import MalformedJSON, parse_json

logger = logging.getLogger(__name__)

# A translation does not go stale; the limit only keeps forgotten entries from piling up.
CACHE_SECONDS = 60 * 60 * 24 * 7

# The texts sent are at most a few hundred characters (TRANSLATE_MAX_LENGTH); their
# translations, even escaped as JSON, are a few kilobytes. Anything larger is not a
# translation, and must neither be relayed to the browser nor stored in the cache.
MAX_ANSWER_BYTES = 32 * 1024


class TranslationError(Exception):
    """The translation service is unreachable or answered something unusable."""


class TranslationTimeout(TranslationError):
    """The translation service did not answer within TRANSLATOR_TIMEOUT seconds."""


class Translator:
    """Shared plumbing of the adapters: cache, HTTP call and error mapping."""

    name = ""
    default_url = ""
    # Settings the adapter cannot work without, checked by configuration_problem().
    required = ("url",)

    def __init__(self, *, url: str = "", key: str = "", region: str = "", timeout: float = 5.0):
        self.url = (url or self.default_url).rstrip("/")
        self.key = key
        self.region = region
        self.timeout = timeout

    def translate(self, text: str, source: str, dest: str) -> str:
        """Return `text` translated from `source` to `dest`, from the cache when possible."""
        if source.lower() == dest.lower():
            return text
        key = self.cache_key(text, source, dest)
        cached = cache.get(key)
        if cached is not None:
            return cached
        translated = self.request_translation(text, source, dest)
        cache.set(key, translated, CACHE_SECONDS)
        return translated

    def cache_key(self, text: str, source: str, dest: str) -> str:
        """Return the cache key of one translation; the text is hashed to keep keys short and safe."""
        digest = hashlib.sha256(text.encode()).hexdigest()
        return f"translation:{self.name}:{source.lower()}:{dest.lower()}:{digest}"

    def request_translation(self, text: str, source: str, dest: str) -> str:
        """Ask the service for a translation (no cache); subclasses speak its dialect."""
        raise NotImplementedError

    def post_json(self, path: str, payload, *, headers=None, params=None):
        """POST `payload` as JSON to the service and return its decoded JSON answer."""
        try:
            response = requests.post(
                f"{self.url}{path}", json=payload, headers=headers, params=params, timeout=self.timeout, stream=True
            )
            with response:
                if response.status_code != 200:
                    # The start of the body says why (bad key, quota, unsupported language).
                    start = next(response.iter_content(chunk_size=200), b"")
                    logger.warning(
                        "Translator %s answered HTTP %s: %.200s",
                        self.name,
                        response.status_code,
                        start.decode("utf-8", errors="replace"),
                    )
                    raise TranslationError(f"{self.name} answered HTTP {response.status_code}")
                body = self.read_answer(response)
        except requests.Timeout as error:
            logger.warning("Translator %s did not answer within %s s", self.name, self.timeout)
            raise TranslationTimeout(f"{self.name} timed out") from error
        except requests.RequestException as error:
            logger.warning("Translator %s is unreachable: %s", self.name, error)
            raise TranslationError(f"{self.name} is unreachable") from error
        try:
            return parse_json(body)
        except MalformedJSON as error:
            logger.warning(
                "Translator %s answered something that is not JSON (%s): %.200s",
                self.name,
                error,
                body.decode("utf-8", errors="replace"),
            )
            raise TranslationError(f"{self.name} answered something that is not JSON") from error

    def read_answer(self, response) -> bytes:
        """Return the body of `response`, refusing one over MAX_ANSWER_BYTES without reading it all."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
            self.refuse_oversized_answer()
        body = bytearray()
        # Counted after decompression, so a small gzipped answer cannot unpack into megabytes.
        for chunk in response.iter_content(chunk_size=8192):
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                self.refuse_oversized_answer()
        return bytes(body)

    def refuse_oversized_answer(self):
        logger.warning("Translator %s answered more than %d bytes", self.name, MAX_ANSWER_BYTES)
        raise TranslationError(f"{self.name} answered more than {MAX_ANSWER_BYTES} bytes")

    def pluck(self, data, *path) -> str:
        """Follow `path` (keys and indexes) into a decoded answer; the value found must be text."""
        for step in path:
            try:
                data = data[step]
            except (KeyError, IndexError, TypeError):
                data = None
                break
        if not isinstance(data, str):
            logger.warning("Translator %s answered an unexpected shape (no %s)", self.name, path)
            raise TranslationError(f"{self.name} answered an unexpected shape")
        return data


class LibreTranslate(Translator):
    """A LibreTranslate server (self-hosted or libretranslate.com): POST /translate."""

    name = "libretranslate"

    def request_translation(self, text, source, dest):
        payload = {"q": text, "source": source, "target": dest, "format": "text"}
        if self.key:
            payload["api_key"] = self.key
        return self.pluck(self.post_json("/translate", payload), "translatedText")


class MicrosoftTranslator(Translator):
    """Azure AI Translator, Text API v3 (the one the Flask tutorial uses)."""

    name = "microsoft"
    default_url = "https://api.cognitive.microsofttranslator.com"
    required = ("key",)

    def request_translation(self, text, source, dest):
        headers = {"Ocp-Apim-Subscription-Key": self.key}
        # Regional and multi-service resources must name their region; global ones need none.
        if self.region:
            headers["Ocp-Apim-Subscription-Region"] = self.region
        params = {"api-version": "3.0", "from": source, "to": dest}
        data = self.post_json("/translate", [{"Text": text}], headers=headers, params=params)
        return self.pluck(data, 0, "translations", 0, "text")


class DeepLTranslator(Translator):
    """DeepL API v2 (free keys by default; set TRANSLATOR_URL for a Pro account)."""

    name = "deepl"
    default_url = "https://api-free.deepl.com"
    required = ("key",)

    def request_translation(self, text, source, dest):
        headers = {"Authorization": f"DeepL-Auth-Key {self.key}"}
        # DeepL wants upper-case codes, and a source language without a region.
        payload = {"text": [text], "source_lang": source.split("-")[0].upper(), "target_lang": dest.upper()}
        return self.pluck(self.post_json("/v2/translate", payload, headers=headers), "translations", 0, "text")


ADAPTERS = {adapter.name: adapter for adapter in (LibreTranslate, MicrosoftTranslator, DeepLTranslator)}


def configuration_problem() -> str:
    """Say what is wrong with the TRANSLATOR settings, or return "" when usable or off."""
    name = settings.TRANSLATOR.strip().lower()
    if not name:
        return ""
    adapter = ADAPTERS.get(name)
    if adapter is None:
        return f"TRANSLATOR={settings.TRANSLATOR!r} is not one of: {', '.join(ADAPTERS)}."
    values = {"url": settings.TRANSLATOR_URL or adapter.default_url, "key": settings.TRANSLATOR_KEY}
    missing = [f"TRANSLATOR_{field.upper()}" for field in adapter.required if not values[field]]
    if missing:
        return f"TRANSLATOR={name} needs {' and '.join(missing)}."
    return ""


def get_translator() -> Translator | None:
    """Return the adapter the settings configure, or None when translation is off or misconfigured."""
    name = settings.TRANSLATOR.strip().lower()
    if not name or configuration_problem():
        return None
    return ADAPTERS[name](
        url=settings.TRANSLATOR_URL,
        key=settings.TRANSLATOR_KEY,
        region=settings.TRANSLATOR_REGION,
        timeout=settings.TRANSLATOR_TIMEOUT,
    )
