"""Full-text search index of post bodies, built by the database itself.

PostgreSQL: a generated tsvector column and a GIN index. SQLite: an FTS5 table synced by
triggers. Nothing changes in Django's model state, so the model stays vendor-neutral (a
GeneratedField(SearchVector) on Post would break `migrate` on SQLite). Rows already in
posts_post are indexed here.
"""

from django.db import migrations

# Frozen SQL: what this migration did when it was written (posts/search_index.py holds
# today's statements for rebuild_search_index; a change there needs a new migration).
FORWARDS = {
    'postgresql': [
        'CREATE EXTENSION IF NOT EXISTS unaccent',
        (
            'DO $$ BEGIN\n'
            "    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'microblog_search') THEN\n"
            '        CREATE TEXT SEARCH CONFIGURATION microblog_search (COPY = pg_catalog.simple);\n'
            '        ALTER TEXT SEARCH CONFIGURATION microblog_search\n'
            '            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part\n'
            '            WITH unaccent, simple;\n'
            '    END IF;\n'
            'END $$'
        ),
        (
            'DO $$ BEGIN\n'
            '    IF NOT EXISTS (\n'
            '        SELECT 1 FROM pg_attribute\n'
            "        WHERE attrelid = 'posts_post'::regclass AND attname = 'search_vector' AND NOT attisdropped\n"
            '    ) THEN\n'
            '        ALTER TABLE posts_post ADD COLUMN search_vector tsvector\n'
            "            GENERATED ALWAYS AS (to_tsvector('microblog_search'::regconfig, body)) STORED;\n"
            '    END IF;\n'
            '    -- fastupdate off: a post has a dozen words, so adding them to the index directly\n'
            '    -- is cheap, and searches never have to scan a backlog of pending entries.\n'
            "    IF to_regclass('post_search_vector') IS NULL THEN\n"
            '        CREATE INDEX post_search_vector ON posts_post USING gin (search_vector) WITH (fastupdate = off);\n'
            '    END IF;\n'
            'END $$'
        ),
    ],
    'sqlite': [
        (
            'CREATE VIRTUAL TABLE IF NOT EXISTS posts_post_fts USING fts5(\n'
            "    body, content='posts_post', content_rowid='id', tokenize='unicode61 remove_diacritics 2'\n"
            ')'
        ),
        (
            'CREATE TRIGGER IF NOT EXISTS posts_post_fts_insert AFTER INSERT ON posts_post BEGIN\n'
            '    INSERT INTO posts_post_fts(rowid, body) VALUES (new.id, new.body);\n'
            'END'
        ),
        (
            'CREATE TRIGGER IF NOT EXISTS posts_post_fts_delete AFTER DELETE ON posts_post BEGIN\n'
            "    INSERT INTO posts_post_fts(posts_post_fts, rowid, body) VALUES ('delete', old.id, old.body);\n"
            'END'
        ),
        (
            'CREATE TRIGGER IF NOT EXISTS posts_post_fts_update AFTER UPDATE OF id, body ON posts_post BEGIN\n'
            "    INSERT INTO posts_post_fts(posts_post_fts, rowid, body) VALUES ('delete', old.id, old.body);\n"
            '    INSERT INTO posts_post_fts(rowid, body) VALUES (new.id, new.body);\n'
            'END'
        ),
        "INSERT INTO posts_post_fts(posts_post_fts) VALUES ('rebuild')",
        "INSERT INTO posts_post_fts(posts_post_fts) VALUES ('optimize')",
    ],
}

BACKWARDS = {
    'postgresql': [
        'DROP INDEX IF EXISTS post_search_vector',
        'ALTER TABLE posts_post DROP COLUMN IF EXISTS search_vector',
        'DROP TEXT SEARCH CONFIGURATION IF EXISTS microblog_search',
    ],
    'sqlite': [
        'DROP TRIGGER IF EXISTS posts_post_fts_insert',
        'DROP TRIGGER IF EXISTS posts_post_fts_delete',
        'DROP TRIGGER IF EXISTS posts_post_fts_update',
        'DROP TABLE IF EXISTS posts_post_fts',
    ],
}


def _run(schema_editor, statements):
    # Other databases get no index, as before: search_posts() supports only these two.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements.get(schema_editor.connection.vendor, []):
            cursor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, FORWARDS)


def backwards(apps, schema_editor):
    _run(schema_editor, BACKWARDS)


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0003_exportjob"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
