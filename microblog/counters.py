"""Stored counts kept by database triggers: one declaration per counter, the SQL rendered from it.

A profile header, the API's user and the navbar's unread badge show counts on every
request; counting the rows each time cost hundreds of milliseconds at a million posts
(docs/performance.md). So each count is a column, and triggers on the counted table move
it in the same transaction as every insert, delete or re-pointing update, whoever
writes: services, factories, cascades, the admin's bulk delete, bulk inserts. Service
code could not do that: Django deletes cascaded rows and admin selections without
calling it.

An app declares its counters in its own `counters.py` (`declare(Counter(...))`), which
its AppConfig.ready() imports. This module imports no app: it only renders SQL from the
declarations, for

- migrations: `manage.py counter_migration` writes a migration holding the rendered SQL
  as literal strings, so a later edit here or in a declaration never changes what an old
  migration did (adding a counter is one declaration plus that one migration);
- `manage.py repair_counters`, which creates missing triggers again and recounts every
  declared counter from the rows;
- the system check below, which warns about a trigger missing on the database.

Counters of one counted table into one counting table share one trigger and one UPDATE
per row change (a follow moves its two users' counts in one statement, so two
concurrent follows in opposite directions cannot deadlock on each other's rows).

SQLite drops a table's triggers when a migration rebuilds it (AddField of a NOT NULL
column, AlterField, ...), and refuses to rebuild a table that another table's trigger
names: such a migration keeps the triggers aside as accounts/migrations/0006 does. The
system check reports any trigger that went missing.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core import checks
from django.db import OperationalError, connections, transaction

# PostgreSQL truncates longer identifiers.
MAX_NAME_LENGTH = 63


@dataclass(frozen=True)
class Recount:
    """Recount a counter for some rows when `column` of `table` changes.

    `rows` is SQL giving the ids of the counting rows to recount, naming the changed row
    `{row}`: "{row}.id" for the row itself, or a SELECT for the rows it counts in.
    """

    table: str
    column: str
    rows: str


@dataclass(frozen=True)
class Counter:
    """`table.column` holds, for each row, how many rows of `source` point at it through `key`.

    `condition` (SQL, optional, without % signs) says when a source row counts: it names
    the source row `{row}` and the counting row by its table name. `watches` lists the other source
    columns the condition reads, so that changing them moves the count. `recounts` lists
    the changes elsewhere that decide whether rows count (a sender deactivated).
    """

    table: str
    column: str
    source: str
    key: str
    condition: str = ""
    watches: tuple[str, ...] = ()
    recounts: tuple[Recount, ...] = field(default=())

    def __post_init__(self):
        names = [self.trigger_name + "_update", *(self.recount_trigger_name(recount) for recount in self.recounts)]
        for name in names:
            if len(name) > MAX_NAME_LENGTH:
                raise ValueError(f"Trigger name {name!r} is too long for PostgreSQL.")

    @property
    def name(self) -> str:
        """Return the counter's name in reports: the column, qualified when two tables share it."""
        return self.column if self.table == "accounts_user" else f"{self.table}.{self.column}"

    @property
    def trigger_name(self) -> str:
        """Return the name of the trigger (and PostgreSQL function) on `source` that moves this count."""
        return f"{self.source}_counts_{self.table}"

    def recount_trigger_name(self, recount: Recount) -> str:
        """Return the name of the trigger that runs `recount`."""
        return f"{self.column}_on_{recount.column}"

    def counts(self, row: str) -> str:
        """Return SQL true when the source row `row` counts for the counting row being updated."""
        key = f"{self.table}.id = {row}.{self.key}"
        return f"{key} AND ({self.condition.format(row=row)})" if self.condition else key

    def counted(self) -> str:
        """Return the subquery counting, for the counting row being updated, its source rows."""
        condition = f" AND ({self.condition.format(row='counted')})" if self.condition else ""
        return f"(SELECT COUNT(*) FROM {self.source} AS counted WHERE counted.{self.key} = {self.table}.id{condition})"


COUNTERS: list[Counter] = []


class KeepsCountersOnSave:
    """A model mixin: save() leaves the declared counter columns of the model's table out of its UPDATE.

    An instance loaded before a post or a follow holds stale counts: a full save() would
    write them back over what the triggers counted since.
    """

    def save(self, *args, **kwargs):
        kept = {counter.column for counter in COUNTERS if counter.table == self._meta.db_table}
        if kept and not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()  # as Django does: never load a field just to save it
            kwargs["update_fields"] = [
                model_field.name
                for model_field in self._meta.concrete_fields
                if not model_field.primary_key
                and model_field.column not in kept
                and model_field.attname not in deferred
            ]
        super().save(*args, **kwargs)


def declare(counter: Counter) -> Counter:
    """Add `counter` to the declared ones (each app's counters.py calls this once per counter)."""
    if any((known.table, known.column) == (counter.table, counter.column) for known in COUNTERS):
        raise ValueError(f"{counter.table}.{counter.column} is declared twice.")
    taken = {known.recount_trigger_name(recount) for known in COUNTERS for recount in known.recounts}
    if taken & {counter.recount_trigger_name(recount) for recount in counter.recounts}:
        raise ValueError(f"{counter.table}.{counter.column} needs a recount trigger name another counter has.")
    COUNTERS.append(counter)
    return counter


def _groups(counters: Iterable[Counter]) -> dict[tuple[str, str], list[Counter]]:
    """Group counters by (source, table): each group is one trigger."""
    groups: dict[tuple[str, str], list[Counter]] = {}
    for counter in counters:
        groups.setdefault((counter.source, counter.table), []).append(counter)
    return groups


def _step(group: list[Counter], row: str, sign: str) -> str:
    """Return the UPDATE that moves every count of `group` for the source row `row` by `sign` 1."""
    table = group[0].table
    if len(group) == 1:
        (counter,) = group
        return f"UPDATE {table} SET {counter.column} = {counter.column} {sign} 1 WHERE {counter.counts(row)};"
    sets = ", ".join(
        f"{counter.column} = {counter.column} {sign} CASE WHEN {counter.counts(row)} THEN 1 ELSE 0 END"
        for counter in group
    )
    # IN: PostgreSQL walks the primary key in id order, so two transactions touching the
    # same rows lock them in the same order and cannot deadlock on each other.
    rows = f"{table}.id IN ({', '.join(f'{row}.{counter.key}' for counter in group)})"
    if any(counter.condition for counter in group):
        rows += " AND (" + " OR ".join(f"({counter.counts(row)})" for counter in group) + ")"
    return f"UPDATE {table} SET {sets} WHERE {rows};"


def _watched(group: list[Counter]) -> str:
    columns: list[str] = []
    for counter in group:
        for column in (counter.key, *counter.watches):
            if column not in columns:
                columns.append(column)
    return ", ".join(columns)


def _recount_step(counter: Counter, recount: Recount) -> str:
    rows = recount.rows.format(row="NEW")
    return f"UPDATE {counter.table} SET {counter.column} = {counter.counted()} WHERE id IN ({rows});"


def create_sql(vendor: str, counters: Iterable[Counter]) -> list[str]:
    """Return the statements that create (or replace) the triggers keeping `counters`."""
    counters = list(counters)
    statements = []
    for (source, _table), group in _groups(counters).items():
        name, watched = group[0].trigger_name, _watched(group)
        minus, plus = _step(group, "OLD", "-"), _step(group, "NEW", "+")
        if vendor == "postgresql":
            statements += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n"
                f"    IF TG_OP IN ('DELETE', 'UPDATE') THEN {minus} END IF;\n"
                f"    IF TG_OP IN ('INSERT', 'UPDATE') THEN {plus} END IF;\n"
                f"    RETURN NULL;\n"
                f"END $$",
                f"DROP TRIGGER IF EXISTS {name} ON {source}",
                f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {watched} ON {source} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            ]
        elif vendor == "sqlite":
            statements += [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "delete", "update")]
            statements += [
                f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source} BEGIN {plus} END",
                f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source} BEGIN {minus} END",
                f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {source} BEGIN {minus} {plus} END",
            ]
        else:
            raise NotImplementedError(f"No counter triggers for the {vendor} database.")
    for counter in counters:
        for recount in counter.recounts:
            name, step = counter.recount_trigger_name(recount), _recount_step(counter, recount)
            # WHEN: a full save() rewrites the column unchanged; only a real change recounts.
            if vendor == "postgresql":
                statements += [
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                    f"BEGIN\n    {step}\n    RETURN NULL;\nEND $$",
                    f"DROP TRIGGER IF EXISTS {name} ON {recount.table}",
                    f"CREATE TRIGGER {name} AFTER UPDATE OF {recount.column} ON {recount.table} FOR EACH ROW "
                    f"WHEN (OLD.{recount.column} IS DISTINCT FROM NEW.{recount.column}) EXECUTE FUNCTION {name}()",
                ]
            else:
                statements += [
                    f"DROP TRIGGER IF EXISTS {name}",
                    f"CREATE TRIGGER {name} AFTER UPDATE OF {recount.column} ON {recount.table} "
                    f"WHEN OLD.{recount.column} IS NOT NEW.{recount.column} BEGIN {step} END",
                ]
    return statements


def drop_sql(vendor: str, counters: Iterable[Counter]) -> list[str]:
    """Return the statements that drop the triggers keeping `counters` (their whole groups)."""
    statements = []
    for trigger, table in trigger_names(vendor, counters):
        if vendor == "postgresql":
            statements += [f"DROP TRIGGER IF EXISTS {trigger} ON {table}", f"DROP FUNCTION IF EXISTS {trigger}()"]
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return statements


def recount_sql(counter: Counter) -> str:
    """Return the UPDATE that sets every row's count from the rows themselves."""
    return f"UPDATE {counter.table} SET {counter.column} = {counter.counted()}"


def trigger_names(vendor: str, counters: Iterable[Counter]) -> list[tuple[str, str]]:
    """Return (trigger, table) for every trigger that keeps `counters` on `vendor`."""
    counters = list(counters)
    names = []
    for (source, _table), group in _groups(counters).items():
        if vendor == "postgresql":
            names.append((group[0].trigger_name, source))
        else:
            names += [(f"{group[0].trigger_name}_{event}", source) for event in ("insert", "delete", "update")]
    for counter in counters:
        names += [(counter.recount_trigger_name(recount), recount.table) for recount in counter.recounts]
    return names


def missing_triggers(connection, counters: Iterable[Counter] = ()) -> list[tuple[str, str]]:
    """Return (trigger, table) for each trigger of `counters` (default: all) absent from the database."""
    expected = trigger_names(connection.vendor, counters or COUNTERS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
                "WHERE NOT tgisinternal AND tgenabled <> 'D' AND pg_class.relnamespace = current_schema()::regnamespace"
            )
        else:
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        present = set(cursor.fetchall())
    return [name for name in expected if name not in present]


def drift(connection, counter: Counter) -> int:
    """Return how many rows hold a value of `counter` other than the count of their rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {counter.table} WHERE {counter.column} <> {counter.counted()}")
        return cursor.fetchone()[0]


def repair(connection, counter: Counter, batch_size: int = 1000) -> int:
    """Set `counter` from the rows wherever it drifted; return how many rows were wrong.

    Safe beside live traffic: each batch of counting rows is locked first (PostgreSQL),
    so a write that commits meanwhile is either counted by the recount or, waiting for
    the lock, moves the repaired value by its own trigger afterwards. No table lock.
    Without the lock, the UPDATE would wait for a writer's row lock and then count with
    the snapshot it started with: one post short (microblog/tests/test_counters.py).
    """
    fixed, last_id = 0, 0
    while True:
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                ids, repaired = _repair_batch(connection, counter, last_id, batch_size)
                break
            except OperationalError as error:
                # A write locking two of the batch's rows in another order: PostgreSQL
                # rolled this batch back, so it can simply run again.
                if "deadlock" not in str(error) or attempt == DEADLOCK_RETRIES:
                    raise
        if not ids:
            return fixed
        fixed += repaired
        last_id = ids[-1]


DEADLOCK_RETRIES = 3


def _repair_batch(connection, counter: Counter, last_id: int, batch_size: int) -> tuple[list[int], int]:
    """Lock the next `batch_size` counting rows after `last_id` and fix them; return their ids and the fixes."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {counter.table} WHERE id > %s ORDER BY id LIMIT %s{lock}", [last_id, batch_size]
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return ids, 0
        counted = counter.counted()
        cursor.execute(
            f"UPDATE {counter.table} SET {counter.column} = {counted} "
            f"WHERE id >= %s AND id <= %s AND {counter.column} <> {counted}",
            [ids[0], ids[-1]],
        )
        return ids, cursor.rowcount


def fully_migrated(connection) -> bool:
    """Return whether every migration has been applied on `connection` (so every trigger should be there)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def restore_triggers(connection) -> list[tuple[str, str]]:
    """Create the missing triggers again, as the declarations (and so the latest migrations) render them.

    Only on a fully migrated database, where the declarations and the migrations agree
    (microblog/tests/test_counters.py checks that they do). Return what was missing.
    """
    missing = missing_triggers(connection)
    if missing:
        names = {name for name, _table in missing}
        lost = [
            counter for counter in COUNTERS if names & {name for name, _ in trigger_names(connection.vendor, [counter])}
        ]
        # A whole group is recreated: its statements replace what is still there.
        groups = {(counter.source, counter.table) for counter in lost}
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for statement in create_sql(connection.vendor, [c for c in COUNTERS if (c.source, c.table) in groups]):
                cursor.execute(statement)
    return missing


@checks.register(checks.Tags.database)
def check_counter_triggers(app_configs=None, databases=None, **kwargs):
    """Report every counter trigger missing on the checked databases (after all migrations ran).

    A warning, not an error: an error would also stop `migrate`, and with it the
    deployment, for a fault that `manage.py repair_counters` mends without downtime.
    """
    warnings = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor not in ("postgresql", "sqlite") or not fully_migrated(connection):
            continue  # not migrated yet: migrate creates the triggers
        for trigger, table in missing_triggers(connection):
            warnings.append(
                checks.Warning(
                    f"The counter trigger {trigger} on {table} is missing from the {alias!r} database: "
                    f"the counts it keeps drift from now on.",
                    hint="Run `manage.py repair_counters`, which creates it again and recounts "
                    "(docs/architecture.md, 'Stored counts').",
                    id="microblog.W001",
                )
            )
    return warnings
