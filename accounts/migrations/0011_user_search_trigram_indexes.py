# Trigram indexes for finding people in search (UserQuerySet.matching): a username or
# about-me that holds a word is a LIKE '%word%', which no B-tree index can serve. PostgreSQL
# only; SQLite scans the users table, which is small there. Not in the model state, as
# Django's GinIndex with an opclass would be PostgreSQL SQL on every database.

from django.db import migrations

FORWARDS = [
    # pg_trgm is a trusted extension: the database owner may create it without superuser.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS user_username_trgm ON accounts_user USING gin (lower(username) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS user_about_me_trgm ON accounts_user USING gin (lower(about_me) gin_trgm_ops)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS user_about_me_trgm",
    "DROP INDEX IF EXISTS user_username_trgm",
    # The extension stays: other code may use it.
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, FORWARDS)


def backwards(apps, schema_editor):
    _run(schema_editor, BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_user_unread_activity_count"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
