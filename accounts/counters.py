"""Post, follower and following counts kept in accounts_user by database triggers.

Profile headers and the API show them on every request; counting a busy author's posts
(or followers) each time took hundreds of milliseconds at a million posts. Triggers on
posts_post and accounts_follow adjust the columns in the same transaction as every
insert, delete or re-pointing update, whoever writes: services, factories, cascades,
the admin, bulk inserts. The SQL is plain and identical in spirit on both databases.

SQLite drops a table's triggers when a migration rebuilds it: a later migration that
alters posts_post or accounts_follow on SQLite must call create_counter_triggers() again.
Rebuilding accounts_user on SQLite fails outright while triggers on other tables name it
("error in trigger ...: no such table: main.accounts_user"): run such a migration's
operation inside triggers_kept() (see accounts/migrations/0006).
"""

from contextlib import contextmanager

# (table, user column, counter) for every counted relation.
COUNTED = [
    ("posts_post", "author_id", "post_count"),
    ("accounts_follow", "followed_id", "follower_count"),
    ("accounts_follow", "follower_id", "following_count"),
]


def _trigger_names(table, counter):
    return [f"{table}_{counter}_{event}" for event in ("insert", "delete", "update")]


def create_counter_triggers(connection, table: str) -> None:
    """Create the triggers that keep the counters of `table`'s rows, on PostgreSQL or SQLite."""
    relations = [(column, counter) for name, column, counter in COUNTED if name == table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One UPDATE per change, touching the users in id order, so two concurrent
            # follows in opposite directions cannot deadlock.
            def step(row, sign):
                sets = ", ".join(
                    f"{counter} = {counter} {sign} (id = {row}.{column})::int" for column, counter in relations
                )
                ids = ", ".join(f"{row}.{column}" for column, _counter in relations)
                return f"UPDATE accounts_user SET {sets} WHERE id IN ({ids});"

            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {table}_counters() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('DELETE', 'UPDATE') THEN {step("OLD", "-")} END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN {step("NEW", "+")} END IF;
                    RETURN NULL;
                END $$
                """
            )
            columns = ", ".join(column for column, _counter in relations)
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_counters ON {table}")
            cursor.execute(
                f"CREATE TRIGGER {table}_counters AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_counters()"
            )
        elif connection.vendor == "sqlite":
            for column, counter in relations:
                insert, delete, update = _trigger_names(table, counter)
                plus = f"UPDATE accounts_user SET {counter} = {counter} + 1 WHERE id = NEW.{column};"
                minus = f"UPDATE accounts_user SET {counter} = {counter} - 1 WHERE id = OLD.{column};"
                for name in (insert, delete, update):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(f"CREATE TRIGGER {insert} AFTER INSERT ON {table} BEGIN {plus} END")
                cursor.execute(f"CREATE TRIGGER {delete} AFTER DELETE ON {table} BEGIN {minus} END")
                cursor.execute(f"CREATE TRIGGER {update} AFTER UPDATE OF {column} ON {table} BEGIN {minus} {plus} END")
        else:
            raise NotImplementedError(f"No counter triggers for the {connection.vendor} database.")


def drop_counter_triggers(connection, table: str) -> None:
    """Drop what create_counter_triggers() made for `table`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_counters ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {table}_counters()")
        else:
            for name, _column, counter in COUNTED:
                if name == table:
                    for trigger in _trigger_names(table, counter):
                        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def recount(connection, table: str) -> None:
    """Set the counters of `table` from the rows themselves (after creating the triggers)."""
    with connection.cursor() as cursor:
        for name, column, counter in COUNTED:
            if name == table:
                cursor.execute(
                    f"UPDATE accounts_user SET {counter} = "
                    f"(SELECT COUNT(*) FROM {table} WHERE {table}.{column} = accounts_user.id)"
                )


@contextmanager
def triggers_kept(connection, table: str):
    """On SQLite, drop every trigger that names `table` for the block, then create them again as they were.

    Django rebuilds a SQLite table to add a NOT NULL column or alter one: it copies the
    rows into a new table, drops the old one (and its own triggers) and renames the copy,
    a rename SQLite refuses while a trigger on another table names the dropped one. Wrap
    the rebuilding operation in this. On PostgreSQL, which alters tables in place, it
    does nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        # LIKE's "_" matches any character: a few extra triggers set aside and put back are harmless.
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE %s", [f"%{table}%"])
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, sql in triggers:
            cursor.execute(sql)
