"""Keep accounts_user.unread_message_count with triggers on posts_message and accounts_user.

See accounts/unread.py. Every user is recounted from the messages already there.
"""

from django.db import migrations

from accounts.unread import create_unread_triggers, drop_unread_triggers, recount_unread


def forwards(apps, schema_editor):
    create_unread_triggers(schema_editor.connection)
    recount_unread(schema_editor.connection)


def backwards(apps, schema_editor):
    drop_unread_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_user_unread_message_count"),
        ("posts", "0005_post_count_trigger"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
