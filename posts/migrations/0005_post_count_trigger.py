"""Keep accounts_user.post_count with a trigger on posts_post (see accounts/counters.py)."""

from django.db import migrations

from accounts.counters import create_counter_triggers, drop_counter_triggers, recount


def forwards(apps, schema_editor):
    create_counter_triggers(schema_editor.connection, "posts_post")
    recount(schema_editor.connection, "posts_post")


def backwards(apps, schema_editor):
    drop_counter_triggers(schema_editor.connection, "posts_post")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_user_counters"),
        ("posts", "0004_post_search_index"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
