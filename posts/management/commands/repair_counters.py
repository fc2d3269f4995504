from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from microblog.counters import COUNTERS, drift, missing_triggers, repair


class Command(BaseCommand):
    help = (
        "Recount every stored counter (posts, followers, following, unread messages, ...) from "
        "the rows, report per counter how many rows had drifted, and fix them. The triggers "
        "keep the counters on every write, so this is for repairs: after a restore, a manual "
        "data fix with the triggers off, or a SQLite migration that lost a trigger. Safe on a "
        "live site: it locks a batch of rows at a time, never a table. --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help=f"database alias (default {DEFAULT_DB_ALIAS!r})"
        )
        parser.add_argument("--dry-run", action="store_true", help="report the drift; change nothing")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="rows locked and fixed per transaction (default 1000)"
        )

    def handle(self, *args, database, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        connection = connections[database]
        for counter in COUNTERS:
            if dry_run:
                self.stdout.write(f"{counter.name}: {_rows(drift(connection, counter))} would be fixed")
            else:
                self.stdout.write(f"{counter.name}: {_rows(repair(connection, counter, batch_size))} fixed")
        missing = missing_triggers(connection)
        for trigger, table in missing:
            self.stderr.write(f"The trigger {trigger} on {table} is missing: the counts it keeps will drift again.")
        if missing:
            self.stderr.write(f"Run `manage.py check --database {database}` for details (docs/architecture.md).")
        done = "Dry run: nothing was changed." if dry_run else "Counters repaired."
        self.stdout.write(self.style.SUCCESS(done))


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"
