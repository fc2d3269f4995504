"""Messages as conversations: a read time per message, and the indexes of the inbox and the conversation page.

Opening a conversation marks that person's messages read (`read_at`); the unread badge
(posts/counters.py, unread_message_count) counts only the rows without it, so the trigger
on posts_message watches the column and moves the count by one per row marked. The
messages already read by the old inbox stay read through `last_message_read_time`, which
the condition still reads: nothing to backfill.

`form_token` makes a form sent twice one message (a unique pair with the sender).

The SQL is frozen here on purpose (rendered from the declaration by
microblog.counters.create_sql): a later change of the declaration is a new migration.
The indexes are built concurrently on PostgreSQL (docs/deployment.md), so the migration
is not atomic; the triggers are replaced in one transaction.
"""

from django.db import migrations, models


class AddIndex(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.add_index(model, self.index, concurrently=True)
            else:
                schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.remove_index(model, self.index, concurrently=True)
            else:
                schema_editor.remove_index(model, self.index)


class RemoveIndex(migrations.RemoveIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.remove_index(model, index, concurrently=True)
            else:
                schema_editor.remove_index(model, index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.add_index(model, index, concurrently=True)
            else:
                schema_editor.add_index(model, index)


FORWARDS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION posts_message_counts_accounts_user() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND (OLD.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); END IF;\n    IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND (NEW.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END IF;\n    RETURN NULL;\nEND $$",
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user ON posts_message",
        "CREATE TRIGGER posts_message_counts_accounts_user AFTER INSERT OR DELETE OR UPDATE OF recipient_id, sender_id, created_at, read_at ON posts_message FOR EACH ROW EXECUTE FUNCTION posts_message_counts_accounts_user()",
        "CREATE OR REPLACE FUNCTION unread_message_count_on_last_message_read_time() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND (counted.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (NEW.id);\n    RETURN NULL;\nEND $$",
        "DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time ON accounts_user",
        "CREATE TRIGGER unread_message_count_on_last_message_read_time AFTER UPDATE OF last_message_read_time ON accounts_user FOR EACH ROW WHEN (OLD.last_message_read_time IS DISTINCT FROM NEW.last_message_read_time) EXECUTE FUNCTION unread_message_count_on_last_message_read_time()",
        "CREATE OR REPLACE FUNCTION unread_message_count_on_is_active() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND (counted.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id);\n    RETURN NULL;\nEND $$",
        "DROP TRIGGER IF EXISTS unread_message_count_on_is_active ON accounts_user",
        "CREATE TRIGGER unread_message_count_on_is_active AFTER UPDATE OF is_active ON accounts_user FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION unread_message_count_on_is_active()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_insert",
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_delete",
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_update",
        "CREATE TRIGGER posts_message_counts_accounts_user_insert AFTER INSERT ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND (NEW.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END",
        "CREATE TRIGGER posts_message_counts_accounts_user_delete AFTER DELETE ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND (OLD.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); END",
        "CREATE TRIGGER posts_message_counts_accounts_user_update AFTER UPDATE OF recipient_id, sender_id, created_at, read_at ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND (OLD.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND (NEW.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END",
        "DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time",
        "CREATE TRIGGER unread_message_count_on_last_message_read_time AFTER UPDATE OF last_message_read_time ON accounts_user WHEN OLD.last_message_read_time IS NOT NEW.last_message_read_time BEGIN UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND (counted.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (NEW.id); END",
        "DROP TRIGGER IF EXISTS unread_message_count_on_is_active",
        "CREATE TRIGGER unread_message_count_on_is_active AFTER UPDATE OF is_active ON accounts_user WHEN OLD.is_active IS NOT NEW.is_active BEGIN UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND (counted.read_at IS NULL AND (accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id); END",
    ],
}

BACKWARDS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION posts_message_counts_accounts_user() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); END IF;\n    IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END IF;\n    RETURN NULL;\nEND $$",
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user ON posts_message",
        "CREATE TRIGGER posts_message_counts_accounts_user AFTER INSERT OR DELETE OR UPDATE OF recipient_id, sender_id, created_at ON posts_message FOR EACH ROW EXECUTE FUNCTION posts_message_counts_accounts_user()",
        "CREATE OR REPLACE FUNCTION unread_message_count_on_last_message_read_time() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (NEW.id);\n    RETURN NULL;\nEND $$",
        "DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time ON accounts_user",
        "CREATE TRIGGER unread_message_count_on_last_message_read_time AFTER UPDATE OF last_message_read_time ON accounts_user FOR EACH ROW WHEN (OLD.last_message_read_time IS DISTINCT FROM NEW.last_message_read_time) EXECUTE FUNCTION unread_message_count_on_last_message_read_time()",
        "CREATE OR REPLACE FUNCTION unread_message_count_on_is_active() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id);\n    RETURN NULL;\nEND $$",
        "DROP TRIGGER IF EXISTS unread_message_count_on_is_active ON accounts_user",
        "CREATE TRIGGER unread_message_count_on_is_active AFTER UPDATE OF is_active ON accounts_user FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION unread_message_count_on_is_active()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_insert",
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_delete",
        "DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_update",
        "CREATE TRIGGER posts_message_counts_accounts_user_insert AFTER INSERT ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END",
        "CREATE TRIGGER posts_message_counts_accounts_user_delete AFTER DELETE ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); END",
        "CREATE TRIGGER posts_message_counts_accounts_user_update AFTER UPDATE OF recipient_id, sender_id, created_at ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END",
        "DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time",
        "CREATE TRIGGER unread_message_count_on_last_message_read_time AFTER UPDATE OF last_message_read_time ON accounts_user WHEN OLD.last_message_read_time IS NOT NEW.last_message_read_time BEGIN UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (NEW.id); END",
        "DROP TRIGGER IF EXISTS unread_message_count_on_is_active",
        "CREATE TRIGGER unread_message_count_on_is_active AFTER UPDATE OF is_active ON accounts_user WHEN OLD.is_active IS NOT NEW.is_active BEGIN UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id); END",
    ],
}


def _run(schema_editor, statements):
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No counter triggers for the {vendor} database.")
    with schema_editor.connection.cursor() as cursor:
        for statement in statements[vendor]:
            cursor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, FORWARDS)


def backwards(apps, schema_editor):
    _run(schema_editor, BACKWARDS)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("posts", "0010_moderators_conversation_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="read at"),
        ),
        migrations.AddField(
            model_name="message",
            name="form_token",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("form_token__isnull", False)),
                fields=("sender", "form_token"),
                name="message_form_token_once",
            ),
        ),
        AddIndex(
            model_name="message",
            index=models.Index(fields=["sender", "recipient", "created_at"], name="message_sender_recipient"),
        ),
        AddIndex(
            model_name="message",
            index=models.Index(fields=["recipient", "sender", "created_at"], name="message_recipient_sender"),
        ),
        AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["recipient", "sender", "created_at"],
                name="message_unread",
            ),
        ),
        # Replaced by message_sender_recipient, which leads with the sender too.
        RemoveIndex(model_name="message", name="message_sender_created"),
        migrations.RunPython(forwards, backwards, atomic=True, elidable=False),
    ]
