"""Keep accounts_user.unread_message_count with triggers on posts_message and accounts_user.

Every user is recounted from the messages already there. Frozen SQL: what this migration
did when it was written (posts/counters.py declares the counter today).
"""

from django.db import migrations

FORWARDS = {
    'postgresql': [
        (
            'CREATE OR REPLACE FUNCTION posts_message_unread() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            'BEGIN\n'
            "IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE id = OLD.recipient_id AND\n"
            '(last_message_read_time IS NULL OR OLD.created_at > last_message_read_time)\n'
            'AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)\n'
            '; END IF;\n'
            "IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE id = NEW.recipient_id AND\n"
            '(last_message_read_time IS NULL OR NEW.created_at > last_message_read_time)\n'
            'AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)\n'
            '; END IF;\n'
            'RETURN NULL;\n'
            'END $$'
        ),
        (
            'CREATE OR REPLACE FUNCTION accounts_user_unread_read_time() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            'BEGIN\n'
            'UPDATE accounts_user SET\n'
            'unread_message_count = (\n'
            'SELECT COUNT(*) FROM posts_message\n'
            'JOIN accounts_user AS sender ON sender.id = posts_message.sender_id\n'
            'WHERE posts_message.recipient_id = accounts_user.id\n'
            'AND sender.is_active\n'
            'AND (\n'
            'accounts_user.last_message_read_time IS NULL\n'
            'OR posts_message.created_at > accounts_user.last_message_read_time\n'
            ')\n'
            ')\n'
            'WHERE id = NEW.id;\n'
            'RETURN NULL;\n'
            'END $$'
        ),
        (
            'CREATE OR REPLACE FUNCTION accounts_user_unread_sender_active() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            'BEGIN\n'
            'UPDATE accounts_user SET\n'
            'unread_message_count = (\n'
            'SELECT COUNT(*) FROM posts_message\n'
            'JOIN accounts_user AS sender ON sender.id = posts_message.sender_id\n'
            'WHERE posts_message.recipient_id = accounts_user.id\n'
            'AND sender.is_active\n'
            'AND (\n'
            'accounts_user.last_message_read_time IS NULL\n'
            'OR posts_message.created_at > accounts_user.last_message_read_time\n'
            ')\n'
            ')\n'
            'WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id);\n'
            'RETURN NULL;\n'
            'END $$'
        ),
        'DROP TRIGGER IF EXISTS posts_message_unread ON posts_message',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time ON accounts_user',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active ON accounts_user',
        'CREATE TRIGGER posts_message_unread AFTER INSERT OR DELETE OR UPDATE OF sender_id, recipient_id, created_at ON posts_message FOR EACH ROW EXECUTE FUNCTION posts_message_unread()',
        'CREATE TRIGGER accounts_user_unread_read_time AFTER UPDATE OF last_message_read_time ON accounts_user FOR EACH ROW WHEN (OLD.last_message_read_time IS DISTINCT FROM NEW.last_message_read_time) EXECUTE FUNCTION accounts_user_unread_read_time()',
        'CREATE TRIGGER accounts_user_unread_sender_active AFTER UPDATE OF is_active ON accounts_user FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION accounts_user_unread_sender_active()',
        (
            'UPDATE accounts_user SET\n'
            'unread_message_count = (\n'
            'SELECT COUNT(*) FROM posts_message\n'
            'JOIN accounts_user AS sender ON sender.id = posts_message.sender_id\n'
            'WHERE posts_message.recipient_id = accounts_user.id\n'
            'AND sender.is_active\n'
            'AND (\n'
            'accounts_user.last_message_read_time IS NULL\n'
            'OR posts_message.created_at > accounts_user.last_message_read_time\n'
            ')\n'
            ')'
        ),
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS posts_message_unread_insert',
        'DROP TRIGGER IF EXISTS posts_message_unread_delete',
        'DROP TRIGGER IF EXISTS posts_message_unread_update',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active',
        (
            'CREATE TRIGGER posts_message_unread_insert AFTER INSERT ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE id = NEW.recipient_id AND\n'
            '(last_message_read_time IS NULL OR NEW.created_at > last_message_read_time)\n'
            'AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)\n'
            '; END'
        ),
        (
            'CREATE TRIGGER posts_message_unread_delete AFTER DELETE ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE id = OLD.recipient_id AND\n'
            '(last_message_read_time IS NULL OR OLD.created_at > last_message_read_time)\n'
            'AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)\n'
            '; END'
        ),
        (
            'CREATE TRIGGER posts_message_unread_update AFTER UPDATE OF sender_id, recipient_id, created_at ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE id = OLD.recipient_id AND\n'
            '(last_message_read_time IS NULL OR OLD.created_at > last_message_read_time)\n'
            'AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)\n'
            '; UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE id = NEW.recipient_id AND\n'
            '(last_message_read_time IS NULL OR NEW.created_at > last_message_read_time)\n'
            'AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)\n'
            '; END'
        ),
        (
            'CREATE TRIGGER accounts_user_unread_read_time AFTER UPDATE OF last_message_read_time ON accounts_user WHEN OLD.last_message_read_time IS NOT NEW.last_message_read_time BEGIN UPDATE accounts_user SET\n'
            'unread_message_count = (\n'
            'SELECT COUNT(*) FROM posts_message\n'
            'JOIN accounts_user AS sender ON sender.id = posts_message.sender_id\n'
            'WHERE posts_message.recipient_id = accounts_user.id\n'
            'AND sender.is_active\n'
            'AND (\n'
            'accounts_user.last_message_read_time IS NULL\n'
            'OR posts_message.created_at > accounts_user.last_message_read_time\n'
            ')\n'
            ')\n'
            'WHERE id = NEW.id; END'
        ),
        (
            'CREATE TRIGGER accounts_user_unread_sender_active AFTER UPDATE OF is_active ON accounts_user WHEN OLD.is_active IS NOT NEW.is_active BEGIN UPDATE accounts_user SET\n'
            'unread_message_count = (\n'
            'SELECT COUNT(*) FROM posts_message\n'
            'JOIN accounts_user AS sender ON sender.id = posts_message.sender_id\n'
            'WHERE posts_message.recipient_id = accounts_user.id\n'
            'AND sender.is_active\n'
            'AND (\n'
            'accounts_user.last_message_read_time IS NULL\n'
            'OR posts_message.created_at > accounts_user.last_message_read_time\n'
            ')\n'
            ')\n'
            'WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id); END'
        ),
        (
            'UPDATE accounts_user SET\n'
            'unread_message_count = (\n'
            'SELECT COUNT(*) FROM posts_message\n'
            'JOIN accounts_user AS sender ON sender.id = posts_message.sender_id\n'
            'WHERE posts_message.recipient_id = accounts_user.id\n'
            'AND sender.is_active\n'
            'AND (\n'
            'accounts_user.last_message_read_time IS NULL\n'
            'OR posts_message.created_at > accounts_user.last_message_read_time\n'
            ')\n'
            ')'
        ),
    ],
}
BACKWARDS = {
    'postgresql': [
        'DROP TRIGGER IF EXISTS posts_message_unread ON posts_message',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time ON accounts_user',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active ON accounts_user',
        'DROP FUNCTION IF EXISTS posts_message_unread()',
        'DROP FUNCTION IF EXISTS accounts_user_unread_read_time()',
        'DROP FUNCTION IF EXISTS accounts_user_unread_sender_active()',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS posts_message_unread_insert',
        'DROP TRIGGER IF EXISTS posts_message_unread_delete',
        'DROP TRIGGER IF EXISTS posts_message_unread_update',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active',
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

    dependencies = [
        ("accounts", "0006_user_unread_message_count"),
        ("posts", "0005_post_count_trigger"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
