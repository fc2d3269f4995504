import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import User
from accounts.services import issue_api_token
from posts import demo


def page_urls(user, *, page: int, query: str, profile: str = "") -> list[tuple[str, str]]:
    """Return (name, URL) of every main page, as `user` sees it."""
    return [
        ("home", f"{reverse('posts:home')}?page={page}"),
        ("explore", reverse("posts:explore")),
        ("profile", reverse("posts:profile", args=[profile or user.username])),
        ("search", f"{reverse('posts:search')}?{urlencode({'q': query})}"),
        ("inbox", reverse("posts:messages")),
        ("notifications", f"{reverse('accounts:notifications')}?since=0"),
        ("api feed", f"{reverse('api:feed')}?page={page}"),
        ("api posts", reverse("api:posts")),
        ("api user posts", reverse("api:user_posts", args=[user.pk])),
        ("api users", reverse("api:users")),
    ]


def explain(sql: str, *, analyze: bool) -> list[str]:
    """Return the plan of one SELECT on the current database, one line per row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}{sql}")
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [detail for _id, _parent, _unused, detail in cursor.fetchall()]
    raise CommandError(f"No EXPLAIN support for the {connection.vendor} database.")


class Command(BaseCommand):
    help = (
        "Request each main page as a user and print the SQL queries it runs, in order, each "
        "SELECT with its plan on the current database (EXPLAIN; EXPLAIN QUERY PLAN on SQLite). "
        "Nothing is changed: every page runs in a transaction that is rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="username to browse as (default: the first demo user)")
        parser.add_argument("--page", type=int, default=1, help="page number of the home and API feeds (default 1)")
        parser.add_argument("--profile", default="", help="whose profile to show (default: the user's own)")
        parser.add_argument("--query", default="cafe", help="search words (default 'cafe')")
        parser.add_argument("--pages", nargs="*", help="only these pages, by name (e.g. home search 'api feed')")
        parser.add_argument("--analyze", action="store_true", help="PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)")

    def handle(self, *args, user, page, query, profile, pages, analyze, **options):
        # Each forced sign-in would log a line between the plans.
        logging.getLogger("axes").setLevel(logging.WARNING)
        viewer = self._viewer(user)
        urls = page_urls(viewer, page=max(page, 1), query=query, profile=profile)
        if pages:
            unknown = set(pages) - {name for name, _url in urls}
            if unknown:
                raise CommandError(f"Unknown page(s): {', '.join(sorted(unknown))}.")
            urls = [(name, url) for name, url in urls if name in pages]
        self.stdout.write(
            f"# {connection.vendor}, as {viewer.username} (id {viewer.pk}); "
            f"{'EXPLAIN (ANALYZE, BUFFERS)' if analyze and connection.vendor == 'postgresql' else 'EXPLAIN'}"
        )
        # The test client's host, and no HTTPS redirect, whatever settings are in force.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for name, url in urls:
                self._explain_page(viewer, name, url, analyze=analyze)

    def _viewer(self, username):
        if username:
            viewer = User.objects.named(username).first()
            if viewer is None:
                raise CommandError(f"No user called '{username}'.")
            return viewer
        viewer = User.objects.named(demo.username_for(0)).first() or User.objects.order_by("pk").first()
        if viewer is None:
            raise CommandError("The database has no users: run seed_demo first.")
        return viewer

    def _explain_page(self, viewer, name, url, *, analyze):
        client = Client()
        with transaction.atomic():
            headers = {}
            if url.startswith("/api/"):
                headers["Authorization"] = f"Bearer {issue_api_token(user=viewer)}"
            else:
                client.force_login(viewer)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, headers=headers, secure=True)
                elapsed = (time.perf_counter() - started) * 1000
            self.stdout.write(
                f"\n## {name}: GET {url} -> {response.status_code}, "
                f"{len(captured.captured_queries)} queries, {elapsed:.0f} ms"
            )
            for number, query in enumerate(captured.captured_queries, 1):
                sql = query["sql"]
                self.stdout.write(f"\n[{number}] {sql}")
                if sql.lstrip().upper().startswith("SELECT"):
                    for line in explain(sql, analyze=analyze):
                        self.stdout.write(f"    {line}")
            transaction.set_rollback(True)
