"""Browser journeys: one chromium per test process, a fresh context per test, and no page
may log an error, throw, or fail to load a resource unless the test expects it."""

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Served like any static file, so injecting it obeys the site's Content-Security-Policy.
AXE_URL = "/static/vendor/axe-core/axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and failed requests seen by a test's tabs."""

    found: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept problems matching `pattern` (a regular expression): the test expects them."""
        self.allowed.append(re.compile(pattern))

    def watch(self, page) -> None:
        """Record what goes wrong on `page` from now on."""
        page.on("console", lambda message: message.type == "error" and self._add(f"console: {message.text}"))
        page.on("pageerror", lambda error: self._add(f"uncaught: {error}"))
        page.on("response", self._check_response)
        page.on("requestfailed", self._check_failure)

    def unexpected(self) -> list[str]:
        """Return the problems no allow() pattern accepts."""
        return [problem for problem in self.found if not any(p.search(problem) for p in self.allowed)]

    def _add(self, problem: str) -> None:
        self.found.append(problem)

    def _check_response(self, response) -> None:
        # A page's own status (the 404 page) is the test's business; its resources are ours.
        if response.status >= 400 and response.request.resource_type != "document":
            self._add(f"HTTP {response.status}: {response.request.method} {response.url}")

    def _check_failure(self, request) -> None:
        # Leaving a page cancels its pending requests (a notifications poll): not a fault.
        if request.failure != "net::ERR_ABORTED":
            self._add(f"request failed ({request.failure}): {request.method} {request.url}")


@pytest.fixture
def page_problems():
    """What went wrong in the browser during the test; checked when the test body ends."""
    return PageProblems()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when its tabs had unexpected problems."""
    result = yield
    problems = item.funcargs.get("page_problems")
    if problems is not None:
        unexpected = problems.unexpected()
        assert not unexpected, "the browser reported problems:\n" + "\n".join(unexpected)
    return result


class ConnectionCounter:
    """Count the live server's open connections, so a test can end once they are answered."""

    def __init__(self, httpd):
        self.active = 0
        self.lock = threading.Lock()
        serve = httpd.process_request_thread

        def counted(request, client_address):
            with self.lock:
                self.active += 1
            try:
                serve(request, client_address)
            finally:
                with self.lock:
                    self.active -= 1

        httpd.process_request_thread = counted

    def wait_until_idle(self, timeout: float = 5.0) -> None:
        """Wait until every connection is closed (each thread serves one keep-alive connection)."""
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.01)


@pytest.fixture(scope="session")
def live_server_connections(live_server):
    """The live server's connection counter.

    A request still running when the test's rows are flushed holds a table lock (SQLite)
    or a row lock (PostgreSQL) and breaks the flush; closed tabs leave such requests behind.
    """
    return ConnectionCounter(live_server.thread.httpd)


@pytest.fixture
def open_tab(browser, live_server, live_server_connections, page_problems):
    """Return a function that opens a tab with its own cookies (a separate visitor)."""
    contexts = []

    def open_new(**options):
        options = {"base_url": live_server.url, "viewport": VIEWPORTS["desktop"], "locale": "en-US", **options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        page_problems.watch(tab)
        return tab

    yield open_new
    for context in contexts:
        context.close()
    live_server_connections.wait_until_idle()


@pytest.fixture
def page(open_tab):
    """A tab at desktop size whose problems fail the test; relative URLs go to the live server."""
    return open_tab()


@pytest.fixture
def log_in(live_server):
    """Return a function that signs a user in on a tab by handing it a fresh session cookie.

    Each call uses its own test client: one shared client would end the first user's
    session when it signs in the second.
    """

    def sign_in(tab, user):
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME]
        tab.context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])
        return tab

    return sign_in


@pytest.fixture
def sign_in_with_form():
    """Return a function that signs in through the login page, as a person would."""

    def sign_in(tab, login, password=DEFAULT_PASSWORD):
        tab.goto("/auth/login/")
        tab.get_by_label("Username or email").fill(login)
        tab.get_by_label("Password").fill(password)
        tab.get_by_role("button", name="Sign in").click()

    return sign_in


@pytest.fixture
def fast_polling(settings):
    """Let open tabs poll /notifications/ twice a second instead of every ten seconds."""
    settings.NOTIFICATIONS_POLL_SECONDS = 0.5


@pytest.fixture
def run_worker():
    """Return a function that runs the database task worker until the queue is empty."""

    def run():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    return run


def assert_accessible(tab) -> None:
    """Run axe-core on the page and fail on any serious or critical violation."""
    if not tab.evaluate("() => 'axe' in window"):
        tab.add_script_tag(url=AXE_URL)
    results = tab.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", AXE_RULES
    )
    serious = [v for v in results if v["impact"] in ("serious", "critical")]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(n["html"][:160] for n in v["nodes"][:5])
        for v in serious
    ]
    mode = tab.locator("html").get_attribute("data-bs-theme")
    assert not serious, f"axe found problems on {tab.url} ({mode} mode):\n" + "\n".join(report)


def save_screenshot(tab, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=path, full_page=True, animations="disabled")
    return path
