"""Let the Moderators group see and delete what a post carries (docs/admin.md).

The admin deletes a post only when the user may delete every row the deletion cascades
to: without these, a moderator could not delete a post that has a like, a boost, a
bookmark, a tag, a mention or a notification.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Moderators"
MODELS = ["like", "boost", "bookmark", "mention", "tagging", "activity"]
PERMISSIONS = [("posts", f"{action}_{model}") for model in MODELS for action in ("view", "delete")]


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
    for label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.using(db).get(content_type__app_label=label, codename=codename))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    group = Group.objects.using(db).filter(name=GROUP_NAME).first()
    if group is not None:
        codenames = [codename for _label, codename in PERMISSIONS]
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label="posts", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_moderators_group"),
        ("posts", "0009_conversation_counters"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
