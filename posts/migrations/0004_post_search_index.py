"""Full-text search index of post bodies, built by the database itself.

PostgreSQL: a generated tsvector column and a GIN index. SQLite: an FTS5 table synced by
triggers. Nothing changes in Django's model state, so the model stays vendor-neutral (a
GeneratedField(SearchVector) on Post would break `migrate` on SQLite). Rows already in
posts_post are indexed here.
"""

from django.db import migrations

from posts.search_index import create_search_index, drop_search_index


def forwards(apps, schema_editor):
    create_search_index(schema_editor.connection)


def backwards(apps, schema_editor):
    drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0003_exportjob"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
