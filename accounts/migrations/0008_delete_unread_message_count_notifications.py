"""Delete the stored unread_message_count notifications.

The notifications poll now reads the count from the user row, as the navbar does; the
stored copies were written only by some paths and drifted from the column.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Notification = apps.get_model("accounts", "Notification")
    Notification.objects.using(schema_editor.connection.alias).filter(name="unread_message_count").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_counter_triggers"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
