# The uploaded avatar's stored sizes (accounts/avatars.py), on the user row.

from importlib import import_module

from django.db import migrations, models

# The SQLite rebuild of accounts_user must keep the counter triggers that name it (see 0010).
AddFieldKeepingTriggers = import_module("accounts.migrations.0010_user_unread_activity_count").AddFieldKeepingTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_user_search_trigram_indexes"),
    ]

    operations = [
        AddFieldKeepingTriggers(
            model_name="user",
            name="avatar_variants",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="avatar"),
        ),
    ]
