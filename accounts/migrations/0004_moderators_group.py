"""Create the "Moderators" group with exactly the permissions moderation needs (docs/admin.md)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Moderators"
# (app label, codename): see users and toggle is_active; see and delete posts and messages.
PERMISSIONS = [
    ("accounts", "view_user"),
    ("accounts", "change_user"),
    ("posts", "view_post"),
    ("posts", "delete_post"),
    ("posts", "view_message"),
    ("posts", "delete_message"),
]


def create_group(apps, schema_editor):
    # On a fresh database permissions are only created after every migration has run
    # (post_migrate); create them now so the group can be given them.
    for label in {label for label, _codename in PERMISSIONS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    group, _created = Group.objects.using(db).get_or_create(name=GROUP_NAME)
    for label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.using(db).get(content_type__app_label=label, codename=codename)
        )


def delete_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_api_token"),
        ("posts", "0002_message"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
