"""Replace the follower and following count triggers with the ones declared in accounts/counters.py.

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
        'DROP TRIGGER IF EXISTS accounts_follow_counters ON accounts_follow',
        'DROP FUNCTION IF EXISTS accounts_follow_counters()',
        "CREATE OR REPLACE FUNCTION accounts_follow_counts_accounts_user() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET follower_count = follower_count - CASE WHEN accounts_user.id = OLD.followed_id THEN 1 ELSE 0 END, following_count = following_count - CASE WHEN accounts_user.id = OLD.follower_id THEN 1 ELSE 0 END WHERE accounts_user.id IN (OLD.followed_id, OLD.follower_id); END IF;\n    IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET follower_count = follower_count + CASE WHEN accounts_user.id = NEW.followed_id THEN 1 ELSE 0 END, following_count = following_count + CASE WHEN accounts_user.id = NEW.follower_id THEN 1 ELSE 0 END WHERE accounts_user.id IN (NEW.followed_id, NEW.follower_id); END IF;\n    RETURN NULL;\nEND $$",
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user ON accounts_follow',
        'CREATE TRIGGER accounts_follow_counts_accounts_user AFTER INSERT OR DELETE OR UPDATE OF followed_id, follower_id ON accounts_follow FOR EACH ROW EXECUTE FUNCTION accounts_follow_counts_accounts_user()',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS accounts_follow_follower_count_insert',
        'DROP TRIGGER IF EXISTS accounts_follow_follower_count_delete',
        'DROP TRIGGER IF EXISTS accounts_follow_follower_count_update',
        'DROP TRIGGER IF EXISTS accounts_follow_following_count_insert',
        'DROP TRIGGER IF EXISTS accounts_follow_following_count_delete',
        'DROP TRIGGER IF EXISTS accounts_follow_following_count_update',
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user_insert',
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user_delete',
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user_update',
        'CREATE TRIGGER accounts_follow_counts_accounts_user_insert AFTER INSERT ON accounts_follow BEGIN UPDATE accounts_user SET follower_count = follower_count + CASE WHEN accounts_user.id = NEW.followed_id THEN 1 ELSE 0 END, following_count = following_count + CASE WHEN accounts_user.id = NEW.follower_id THEN 1 ELSE 0 END WHERE accounts_user.id IN (NEW.followed_id, NEW.follower_id); END',
        'CREATE TRIGGER accounts_follow_counts_accounts_user_delete AFTER DELETE ON accounts_follow BEGIN UPDATE accounts_user SET follower_count = follower_count - CASE WHEN accounts_user.id = OLD.followed_id THEN 1 ELSE 0 END, following_count = following_count - CASE WHEN accounts_user.id = OLD.follower_id THEN 1 ELSE 0 END WHERE accounts_user.id IN (OLD.followed_id, OLD.follower_id); END',
        'CREATE TRIGGER accounts_follow_counts_accounts_user_update AFTER UPDATE OF followed_id, follower_id ON accounts_follow BEGIN UPDATE accounts_user SET follower_count = follower_count - CASE WHEN accounts_user.id = OLD.followed_id THEN 1 ELSE 0 END, following_count = following_count - CASE WHEN accounts_user.id = OLD.follower_id THEN 1 ELSE 0 END WHERE accounts_user.id IN (OLD.followed_id, OLD.follower_id); UPDATE accounts_user SET follower_count = follower_count + CASE WHEN accounts_user.id = NEW.followed_id THEN 1 ELSE 0 END, following_count = following_count + CASE WHEN accounts_user.id = NEW.follower_id THEN 1 ELSE 0 END WHERE accounts_user.id IN (NEW.followed_id, NEW.follower_id); END',
    ],
}

BACKWARDS = {
    'postgresql': [
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user ON accounts_follow',
        'DROP FUNCTION IF EXISTS accounts_follow_counts_accounts_user()',
        "CREATE OR REPLACE FUNCTION accounts_follow_counters() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nIF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET follower_count = follower_count - (id = OLD.followed_id)::int, following_count = following_count - (id = OLD.follower_id)::int WHERE id IN (OLD.followed_id, OLD.follower_id); END IF;\nIF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET follower_count = follower_count + (id = NEW.followed_id)::int, following_count = following_count + (id = NEW.follower_id)::int WHERE id IN (NEW.followed_id, NEW.follower_id); END IF;\nRETURN NULL;\nEND $$",
        'DROP TRIGGER IF EXISTS accounts_follow_counters ON accounts_follow',
        'CREATE TRIGGER accounts_follow_counters AFTER INSERT OR DELETE OR UPDATE OF followed_id, follower_id ON accounts_follow FOR EACH ROW EXECUTE FUNCTION accounts_follow_counters()',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user_insert',
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user_delete',
        'DROP TRIGGER IF EXISTS accounts_follow_counts_accounts_user_update',
        'DROP TRIGGER IF EXISTS accounts_follow_follower_count_insert',
        'DROP TRIGGER IF EXISTS accounts_follow_follower_count_delete',
        'DROP TRIGGER IF EXISTS accounts_follow_follower_count_update',
        'CREATE TRIGGER accounts_follow_follower_count_insert AFTER INSERT ON accounts_follow BEGIN UPDATE accounts_user SET follower_count = follower_count + 1 WHERE id = NEW.followed_id; END',
        'CREATE TRIGGER accounts_follow_follower_count_delete AFTER DELETE ON accounts_follow BEGIN UPDATE accounts_user SET follower_count = follower_count - 1 WHERE id = OLD.followed_id; END',
        'CREATE TRIGGER accounts_follow_follower_count_update AFTER UPDATE OF followed_id ON accounts_follow BEGIN UPDATE accounts_user SET follower_count = follower_count - 1 WHERE id = OLD.followed_id; UPDATE accounts_user SET follower_count = follower_count + 1 WHERE id = NEW.followed_id; END',
        'DROP TRIGGER IF EXISTS accounts_follow_following_count_insert',
        'DROP TRIGGER IF EXISTS accounts_follow_following_count_delete',
        'DROP TRIGGER IF EXISTS accounts_follow_following_count_update',
        'CREATE TRIGGER accounts_follow_following_count_insert AFTER INSERT ON accounts_follow BEGIN UPDATE accounts_user SET following_count = following_count + 1 WHERE id = NEW.follower_id; END',
        'CREATE TRIGGER accounts_follow_following_count_delete AFTER DELETE ON accounts_follow BEGIN UPDATE accounts_user SET following_count = following_count - 1 WHERE id = OLD.follower_id; END',
        'CREATE TRIGGER accounts_follow_following_count_update AFTER UPDATE OF follower_id ON accounts_follow BEGIN UPDATE accounts_user SET following_count = following_count - 1 WHERE id = OLD.follower_id; UPDATE accounts_user SET following_count = following_count + 1 WHERE id = NEW.follower_id; END',
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
        ('accounts', '0006_user_unread_message_count'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
