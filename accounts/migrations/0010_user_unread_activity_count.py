# The column of the notifications badge; posts/migrations/0009 creates its triggers.

from contextlib import contextmanager

from django.db import migrations, models


@contextmanager
def triggers_kept(connection, table):
    """On SQLite, drop every trigger that names `table` for the block, then create them again as they were.

    Django rebuilds a SQLite table to add a NOT NULL column: it copies the rows into a new
    table, drops the old one (and its own triggers) and renames the copy, a rename SQLite
    refuses while a trigger on another table names the dropped one. PostgreSQL alters
    tables in place: nothing to do.
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


class AddFieldKeepingTriggers(migrations.AddField):
    """AddField whose SQLite rebuild of accounts_user keeps the triggers that name it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        with triggers_kept(schema_editor.connection, "accounts_user"):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        with triggers_kept(schema_editor.connection, "accounts_user"):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_user_last_activity_read_time'),
    ]

    operations = [
        AddFieldKeepingTriggers(
            model_name='user',
            name='unread_activity_count',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='unread notifications'),
        ),
    ]
