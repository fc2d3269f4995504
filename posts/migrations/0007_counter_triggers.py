"""Replace the post and unread-message count triggers with the ones declared in posts/counters.py.

Same counts, same effect: the triggers now carry the names and the SQL that
microblog/counters.py renders from the declarations, so the system check and
`repair_counters` know them. Nothing is recounted: the swap is one transaction on
PostgreSQL, and SQLite has one writer.

The SQL is frozen here on purpose: a later change of a declaration is a new migration,
never an edit of this one.
"""

from django.db import migrations

FORWARDS = {
    'postgresql': [
        'DROP TRIGGER IF EXISTS posts_post_counters ON posts_post',
        'DROP FUNCTION IF EXISTS posts_post_counters()',
        'DROP TRIGGER IF EXISTS posts_message_unread ON posts_message',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time ON accounts_user',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active ON accounts_user',
        'DROP FUNCTION IF EXISTS posts_message_unread()',
        'DROP FUNCTION IF EXISTS accounts_user_unread_read_time()',
        'DROP FUNCTION IF EXISTS accounts_user_unread_sender_active()',
        "CREATE OR REPLACE FUNCTION posts_post_counts_accounts_user() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET post_count = post_count - 1 WHERE accounts_user.id = OLD.author_id; END IF;\n    IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET post_count = post_count + 1 WHERE accounts_user.id = NEW.author_id; END IF;\n    RETURN NULL;\nEND $$",
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user ON posts_post',
        'CREATE TRIGGER posts_post_counts_accounts_user AFTER INSERT OR DELETE OR UPDATE OF author_id ON posts_post FOR EACH ROW EXECUTE FUNCTION posts_post_counts_accounts_user()',
        "CREATE OR REPLACE FUNCTION posts_message_counts_accounts_user() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); END IF;\n    IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END IF;\n    RETURN NULL;\nEND $$",
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user ON posts_message',
        'CREATE TRIGGER posts_message_counts_accounts_user AFTER INSERT OR DELETE OR UPDATE OF recipient_id, sender_id, created_at ON posts_message FOR EACH ROW EXECUTE FUNCTION posts_message_counts_accounts_user()',
        'CREATE OR REPLACE FUNCTION unread_message_count_on_last_message_read_time() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (NEW.id);\n    RETURN NULL;\nEND $$',
        'DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time ON accounts_user',
        'CREATE TRIGGER unread_message_count_on_last_message_read_time AFTER UPDATE OF last_message_read_time ON accounts_user FOR EACH ROW WHEN (OLD.last_message_read_time IS DISTINCT FROM NEW.last_message_read_time) EXECUTE FUNCTION unread_message_count_on_last_message_read_time()',
        'CREATE OR REPLACE FUNCTION unread_message_count_on_is_active() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id);\n    RETURN NULL;\nEND $$',
        'DROP TRIGGER IF EXISTS unread_message_count_on_is_active ON accounts_user',
        'CREATE TRIGGER unread_message_count_on_is_active AFTER UPDATE OF is_active ON accounts_user FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION unread_message_count_on_is_active()',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS posts_post_post_count_insert',
        'DROP TRIGGER IF EXISTS posts_post_post_count_delete',
        'DROP TRIGGER IF EXISTS posts_post_post_count_update',
        'DROP TRIGGER IF EXISTS posts_message_unread_insert',
        'DROP TRIGGER IF EXISTS posts_message_unread_delete',
        'DROP TRIGGER IF EXISTS posts_message_unread_update',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active',
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user_insert',
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user_delete',
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user_update',
        'CREATE TRIGGER posts_post_counts_accounts_user_insert AFTER INSERT ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count + 1 WHERE accounts_user.id = NEW.author_id; END',
        'CREATE TRIGGER posts_post_counts_accounts_user_delete AFTER DELETE ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count - 1 WHERE accounts_user.id = OLD.author_id; END',
        'CREATE TRIGGER posts_post_counts_accounts_user_update AFTER UPDATE OF author_id ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count - 1 WHERE accounts_user.id = OLD.author_id; UPDATE accounts_user SET post_count = post_count + 1 WHERE accounts_user.id = NEW.author_id; END',
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_insert',
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_delete',
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_update',
        'CREATE TRIGGER posts_message_counts_accounts_user_insert AFTER INSERT ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END',
        'CREATE TRIGGER posts_message_counts_accounts_user_delete AFTER DELETE ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); END',
        'CREATE TRIGGER posts_message_counts_accounts_user_update AFTER UPDATE OF recipient_id, sender_id, created_at ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE accounts_user.id = OLD.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR OLD.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)); UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE accounts_user.id = NEW.recipient_id AND ((accounts_user.last_message_read_time IS NULL OR NEW.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)); END',
        'DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time',
        'CREATE TRIGGER unread_message_count_on_last_message_read_time AFTER UPDATE OF last_message_read_time ON accounts_user WHEN OLD.last_message_read_time IS NOT NEW.last_message_read_time BEGIN UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (NEW.id); END',
        'DROP TRIGGER IF EXISTS unread_message_count_on_is_active',
        'CREATE TRIGGER unread_message_count_on_is_active AFTER UPDATE OF is_active ON accounts_user WHEN OLD.is_active IS NOT NEW.is_active BEGIN UPDATE accounts_user SET unread_message_count = (SELECT COUNT(*) FROM posts_message AS counted WHERE counted.recipient_id = accounts_user.id AND ((accounts_user.last_message_read_time IS NULL OR counted.created_at > accounts_user.last_message_read_time) AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = counted.sender_id AND sender.is_active))) WHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id); END',
    ],
}

BACKWARDS = {
    'postgresql': [
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user ON posts_post',
        'DROP FUNCTION IF EXISTS posts_post_counts_accounts_user()',
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user ON posts_message',
        'DROP FUNCTION IF EXISTS posts_message_counts_accounts_user()',
        'DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time ON accounts_user',
        'DROP FUNCTION IF EXISTS unread_message_count_on_last_message_read_time()',
        'DROP TRIGGER IF EXISTS unread_message_count_on_is_active ON accounts_user',
        'DROP FUNCTION IF EXISTS unread_message_count_on_is_active()',
        "CREATE OR REPLACE FUNCTION posts_post_counters() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nIF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET post_count = post_count - (id = OLD.author_id)::int WHERE id IN (OLD.author_id); END IF;\nIF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET post_count = post_count + (id = NEW.author_id)::int WHERE id IN (NEW.author_id); END IF;\nRETURN NULL;\nEND $$",
        'DROP TRIGGER IF EXISTS posts_post_counters ON posts_post',
        'CREATE TRIGGER posts_post_counters AFTER INSERT OR DELETE OR UPDATE OF author_id ON posts_post FOR EACH ROW EXECUTE FUNCTION posts_post_counters()',
        "CREATE OR REPLACE FUNCTION posts_message_unread() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nIF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE id = OLD.recipient_id AND\n(last_message_read_time IS NULL OR OLD.created_at > last_message_read_time)\nAND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)\n; END IF;\nIF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE id = NEW.recipient_id AND\n(last_message_read_time IS NULL OR NEW.created_at > last_message_read_time)\nAND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)\n; END IF;\nRETURN NULL;\nEND $$",
        'CREATE OR REPLACE FUNCTION accounts_user_unread_read_time() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nUPDATE accounts_user SET\nunread_message_count = (\nSELECT COUNT(*) FROM posts_message\nJOIN accounts_user AS sender ON sender.id = posts_message.sender_id\nWHERE posts_message.recipient_id = accounts_user.id\nAND sender.is_active\nAND (\naccounts_user.last_message_read_time IS NULL\nOR posts_message.created_at > accounts_user.last_message_read_time\n)\n)\nWHERE id = NEW.id;\nRETURN NULL;\nEND $$',
        'CREATE OR REPLACE FUNCTION accounts_user_unread_sender_active() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nUPDATE accounts_user SET\nunread_message_count = (\nSELECT COUNT(*) FROM posts_message\nJOIN accounts_user AS sender ON sender.id = posts_message.sender_id\nWHERE posts_message.recipient_id = accounts_user.id\nAND sender.is_active\nAND (\naccounts_user.last_message_read_time IS NULL\nOR posts_message.created_at > accounts_user.last_message_read_time\n)\n)\nWHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id);\nRETURN NULL;\nEND $$',
        'DROP TRIGGER IF EXISTS posts_message_unread ON posts_message',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time ON accounts_user',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active ON accounts_user',
        'CREATE TRIGGER posts_message_unread AFTER INSERT OR DELETE OR UPDATE OF sender_id, recipient_id, created_at ON posts_message FOR EACH ROW EXECUTE FUNCTION posts_message_unread()',
        'CREATE TRIGGER accounts_user_unread_read_time AFTER UPDATE OF last_message_read_time ON accounts_user FOR EACH ROW WHEN (OLD.last_message_read_time IS DISTINCT FROM NEW.last_message_read_time) EXECUTE FUNCTION accounts_user_unread_read_time()',
        'CREATE TRIGGER accounts_user_unread_sender_active AFTER UPDATE OF is_active ON accounts_user FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION accounts_user_unread_sender_active()',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user_insert',
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user_delete',
        'DROP TRIGGER IF EXISTS posts_post_counts_accounts_user_update',
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_insert',
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_delete',
        'DROP TRIGGER IF EXISTS posts_message_counts_accounts_user_update',
        'DROP TRIGGER IF EXISTS unread_message_count_on_last_message_read_time',
        'DROP TRIGGER IF EXISTS unread_message_count_on_is_active',
        'DROP TRIGGER IF EXISTS posts_post_post_count_insert',
        'DROP TRIGGER IF EXISTS posts_post_post_count_delete',
        'DROP TRIGGER IF EXISTS posts_post_post_count_update',
        'CREATE TRIGGER posts_post_post_count_insert AFTER INSERT ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count + 1 WHERE id = NEW.author_id; END',
        'CREATE TRIGGER posts_post_post_count_delete AFTER DELETE ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count - 1 WHERE id = OLD.author_id; END',
        'CREATE TRIGGER posts_post_post_count_update AFTER UPDATE OF author_id ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count - 1 WHERE id = OLD.author_id; UPDATE accounts_user SET post_count = post_count + 1 WHERE id = NEW.author_id; END',
        'DROP TRIGGER IF EXISTS posts_message_unread_insert',
        'DROP TRIGGER IF EXISTS posts_message_unread_delete',
        'DROP TRIGGER IF EXISTS posts_message_unread_update',
        'DROP TRIGGER IF EXISTS accounts_user_unread_read_time',
        'DROP TRIGGER IF EXISTS accounts_user_unread_sender_active',
        'CREATE TRIGGER posts_message_unread_insert AFTER INSERT ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE id = NEW.recipient_id AND\n(last_message_read_time IS NULL OR NEW.created_at > last_message_read_time)\nAND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)\n; END',
        'CREATE TRIGGER posts_message_unread_delete AFTER DELETE ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE id = OLD.recipient_id AND\n(last_message_read_time IS NULL OR OLD.created_at > last_message_read_time)\nAND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)\n; END',
        'CREATE TRIGGER posts_message_unread_update AFTER UPDATE OF sender_id, recipient_id, created_at ON posts_message BEGIN UPDATE accounts_user SET unread_message_count = unread_message_count - 1 WHERE id = OLD.recipient_id AND\n(last_message_read_time IS NULL OR OLD.created_at > last_message_read_time)\nAND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = OLD.sender_id AND sender.is_active)\n; UPDATE accounts_user SET unread_message_count = unread_message_count + 1 WHERE id = NEW.recipient_id AND\n(last_message_read_time IS NULL OR NEW.created_at > last_message_read_time)\nAND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = NEW.sender_id AND sender.is_active)\n; END',
        'CREATE TRIGGER accounts_user_unread_read_time AFTER UPDATE OF last_message_read_time ON accounts_user WHEN OLD.last_message_read_time IS NOT NEW.last_message_read_time BEGIN UPDATE accounts_user SET\nunread_message_count = (\nSELECT COUNT(*) FROM posts_message\nJOIN accounts_user AS sender ON sender.id = posts_message.sender_id\nWHERE posts_message.recipient_id = accounts_user.id\nAND sender.is_active\nAND (\naccounts_user.last_message_read_time IS NULL\nOR posts_message.created_at > accounts_user.last_message_read_time\n)\n)\nWHERE id = NEW.id; END',
        'CREATE TRIGGER accounts_user_unread_sender_active AFTER UPDATE OF is_active ON accounts_user WHEN OLD.is_active IS NOT NEW.is_active BEGIN UPDATE accounts_user SET\nunread_message_count = (\nSELECT COUNT(*) FROM posts_message\nJOIN accounts_user AS sender ON sender.id = posts_message.sender_id\nWHERE posts_message.recipient_id = accounts_user.id\nAND sender.is_active\nAND (\naccounts_user.last_message_read_time IS NULL\nOR posts_message.created_at > accounts_user.last_message_read_time\n)\n)\nWHERE id IN (SELECT recipient_id FROM posts_message WHERE sender_id = NEW.id); END',
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
        ('posts', '0006_unread_message_count_triggers'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
