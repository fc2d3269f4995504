"""Let the Moderators group see and delete earlier versions (a post's deletion cascades to them).

Without them a moderator could not delete a post that was edited (docs/admin.md).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Moderators"
CODENAMES = ["view_postedit", "delete_postedit"]


def grant(apps, schema_editor):
    # On a fresh database permissions are only created after every migration (post_migrate).
    app_config = apps.get_app_config("posts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    group = Group.objects.using(db).filter(name=GROUP_NAME).first()
    if group is None:  # removed by the site's staff: nothing to extend
        return
    group.permissions.add(
        *Permission.objects.using(db).filter(content_type__app_label="posts", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    group = Group.objects.using(db).filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label="posts", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0016_content_warnings_and_edits"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
