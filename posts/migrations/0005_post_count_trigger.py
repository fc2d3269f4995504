"""Keep accounts_user.post_count with a trigger on posts_post, and fill it from the rows.

Frozen SQL: what this migration did when it was written (posts/counters.py declares the
counter today; later changes come with their own migrations).
"""

from django.db import migrations

FORWARDS = {
    'postgresql': [
        (
            'CREATE OR REPLACE FUNCTION posts_post_counters() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            'BEGIN\n'
            "IF TG_OP IN ('DELETE', 'UPDATE') THEN UPDATE accounts_user SET post_count = post_count - (id = OLD.author_id)::int WHERE id IN (OLD.author_id); END IF;\n"
            "IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE accounts_user SET post_count = post_count + (id = NEW.author_id)::int WHERE id IN (NEW.author_id); END IF;\n"
            'RETURN NULL;\n'
            'END $$'
        ),
        'DROP TRIGGER IF EXISTS posts_post_counters ON posts_post',
        'CREATE TRIGGER posts_post_counters AFTER INSERT OR DELETE OR UPDATE OF author_id ON posts_post FOR EACH ROW EXECUTE FUNCTION posts_post_counters()',
        'UPDATE accounts_user SET post_count = (SELECT COUNT(*) FROM posts_post WHERE posts_post.author_id = accounts_user.id)',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS posts_post_post_count_insert',
        'DROP TRIGGER IF EXISTS posts_post_post_count_delete',
        'DROP TRIGGER IF EXISTS posts_post_post_count_update',
        'CREATE TRIGGER posts_post_post_count_insert AFTER INSERT ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count + 1 WHERE id = NEW.author_id; END',
        'CREATE TRIGGER posts_post_post_count_delete AFTER DELETE ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count - 1 WHERE id = OLD.author_id; END',
        'CREATE TRIGGER posts_post_post_count_update AFTER UPDATE OF author_id ON posts_post BEGIN UPDATE accounts_user SET post_count = post_count - 1 WHERE id = OLD.author_id; UPDATE accounts_user SET post_count = post_count + 1 WHERE id = NEW.author_id; END',
        'UPDATE accounts_user SET post_count = (SELECT COUNT(*) FROM posts_post WHERE posts_post.author_id = accounts_user.id)',
    ],
}
BACKWARDS = {
    'postgresql': [
        'DROP TRIGGER IF EXISTS posts_post_counters ON posts_post',
        'DROP FUNCTION IF EXISTS posts_post_counters()',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS posts_post_post_count_insert',
        'DROP TRIGGER IF EXISTS posts_post_post_count_delete',
        'DROP TRIGGER IF EXISTS posts_post_post_count_update',
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
        ("accounts", "0005_user_counters"),
        ("posts", "0004_post_search_index"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
