"""Suite-wide fixtures, compiled catalogues and the rules for database- and browser-specific tests."""

import os
import shutil
import socket
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# What `make messages` and the catalogue checks run (see the `gettext` marker).
GETTEXT_PROGRAMS = ("msgfmt", "msgmerge", "xgettext", "make")

# Debian's browser; Playwright's own downloads are never used.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config):
    """Compile catalogues whose .po is newer than their .mo, so plain `pytest` speaks Spanish.

    `make test` compiles them with msgfmt first; this covers a bare pytest run. Only the
    main process does it (xdist workers start later), and each file is swapped in whole.
    """
    if hasattr(config, "workerinput"):
        return
    import polib

    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        os.replace(partial, mo_path)


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_runtest_setup(item):
    """Skip marked tests (postgres, redis, gettext, browser) that cannot run here, or fail them if CI demands."""
    if item.get_closest_marker("postgres") and not _on_postgres():
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://..."
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but the suite runs on SQLite ({reason})")
        pytest.skip(reason)
    if item.get_closest_marker("redis") and not _redis_reachable():
        reason = "needs Redis on 127.0.0.1:6379"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)

    if item.get_closest_marker("gettext"):
        missing = [program for program in GETTEXT_PROGRAMS if shutil.which(program) is None]
        if missing:
            reason = f"needs GNU gettext and make (missing: {', '.join(missing)}): apt-get install gettext make"
            if os.environ.get("REQUIRE_GETTEXT") == "1":
                pytest.fail(f"REQUIRE_GETTEXT=1 but {reason}")
            pytest.skip(reason)

    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        reason = f"needs Debian's chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


# An S3 API on loopback: moto's server, which .ci/run starts (`moto_server -H 127.0.0.1 -p 9156`).
S3_TEST_ENDPOINT = os.environ.get("S3_TEST_ENDPOINT", "http://127.0.0.1:9156")
S3_TEST_CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@cache
def _s3_reachable(endpoint: str) -> bool:
    address = urlsplit(endpoint)
    try:
        socket.create_connection((address.hostname, address.port or 80), timeout=1).close()
    except OSError:
        return False
    return True


@dataclass
class S3Bucket:
    """A fresh bucket on the test S3 server that the default storage writes to."""

    name: str
    endpoint_url: str
    client: object
    settings: object

    def use(self, **options) -> None:
        """Point the default storage at this bucket, with django-storages `options` over the test ones."""
        self.settings.STORAGES = {
            **self.settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": self.name,
                    "endpoint_url": self.endpoint_url,
                    **S3_TEST_CREDENTIALS,
                    "signature_version": "s3v4",
                    "object_parameters": {"CacheControl": "max-age=31536000, immutable"},
                    **options,
                },
            },
        }

    def object_keys(self) -> list[str]:
        """Return the names of every object in the bucket."""
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(entry["Key"] for entry in listing.get("Contents", ()))


@pytest.fixture
def s3_storage(settings):
    """Store uploads in a new bucket on the loopback S3 server (moto) for this test; skip without one.

    With REQUIRE_S3=1 (CI) a missing server fails the test instead. The bucket and its
    objects are deleted afterwards.
    """
    if not _s3_reachable(S3_TEST_ENDPOINT):
        reason = f"needs an S3 server at {S3_TEST_ENDPOINT}: .venv/bin/moto_server -H 127.0.0.1 -p 9156"
        if os.environ.get("REQUIRE_S3") == "1":
            pytest.fail(f"REQUIRE_S3=1 but {reason}")
        pytest.skip(reason)
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=S3_TEST_ENDPOINT,
        aws_access_key_id=S3_TEST_CREDENTIALS["access_key"],
        aws_secret_access_key=S3_TEST_CREDENTIALS["secret_key"],
        region_name=S3_TEST_CREDENTIALS["region_name"],
    )
    bucket = S3Bucket(f"test-{uuid.uuid4().hex}", S3_TEST_ENDPOINT, client, settings)
    client.create_bucket(Bucket=bucket.name)
    bucket.use()
    yield bucket
    for key in bucket.object_keys():
        client.delete_object(Bucket=bucket.name, Key=key)
    client.delete_bucket(Bucket=bucket.name)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start every test with an empty cache (throttles, translations)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    """Give every test its own MEDIA_ROOT, so uploads never land in the project or meet another test's."""
    settings.MEDIA_ROOT = tmp_path / "media"  # FileSystemStorage follows the setting_changed signal
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's chromium once per test process."""
    # Playwright's sync API runs an event loop in this thread, and Django's ORM refuses
    # to run beside one unless told the calling code is really synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """Open a tab with its own cookies; relative URLs in goto() go to the live server."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def superuser_client(client):
    """A client signed in as a superuser."""
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(username="root", superuser=True))
    return client


@pytest.fixture
def moderator():
    """A staff member of the Moderators group (created by accounts' data migration)."""
    from django.contrib.auth.models import Group

    from accounts.tests.factories import UserFactory

    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def moderator_client(client, moderator):
    """A client signed in as a moderator."""
    client.force_login(moderator)
    return client
