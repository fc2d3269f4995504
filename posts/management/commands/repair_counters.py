from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from microblog.counters import COUNTERS, drift, fully_migrated, missing_triggers, repair, restore_triggers


class Command(BaseCommand):
    help = (
        "Recount every stored counter (posts, followers, following, unread messages, ...) from "
        "the rows, report per counter how many rows had drifted, and fix them; first create "
        "again any counter trigger that is missing. The triggers keep the counters on every "
        "write, so this is for repairs: after a restore, a data fix with the triggers off, or a "
        "SQLite migration that lost a trigger. Safe on a live site: it locks a batch of rows at "
        "a time, never a table. --dry-run only reports."
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
        if not fully_migrated(connection):
            raise CommandError(f"The {database!r} database has unapplied migrations: run `manage.py migrate` first.")
        # Triggers first, so that no write slips uncounted between the recount and them.
        missing = missing_triggers(connection) if dry_run else restore_triggers(connection)
        for trigger, table in missing:
            done = "would be created again" if dry_run else "created again"
            self.stdout.write(f"Missing trigger {trigger} on {table}: {done}.")
        for counter in COUNTERS:
            if dry_run:
                self.stdout.write(f"{counter.name}: {_rows(drift(connection, counter))} would be fixed")
            else:
                self.stdout.write(f"{counter.name}: {_rows(repair(connection, counter, batch_size))} fixed")
        self.stdout.write(self.style.SUCCESS("Dry run: nothing was changed." if dry_run else "Counters repaired."))


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"
