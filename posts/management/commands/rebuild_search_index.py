import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from posts.models import Post
from posts.search_index import rebuild_search_index


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index of posts from the posts table. The database keeps "
        "the index in step on every write, so this is for repairs: after a restore, or when a "
        "later migration rebuilt posts_post on SQLite and dropped its triggers. PostgreSQL: "
        "recreates what is missing and reindexes the GIN index. SQLite: recreates the FTS5 "
        "table and triggers when missing and re-reads every post."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help=f"database alias (default {DEFAULT_DB_ALIAS!r})"
        )

    def handle(self, *args, database, **options):
        connection = connections[database]
        count = Post.objects.using(database).count()
        self.stdout.write(f"Rebuilding the search index of {count} posts on {connection.vendor}...")
        started = time.monotonic()
        rebuild_search_index(connection)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt in {elapsed:.1f} s."))
