"""The database-side search index of posts (body and content warning): create, drop and rebuild it per vendor.

PostgreSQL keeps a generated `tsvector` column with a GIN index; SQLite keeps an FTS5
table whose content is posts_post itself, synced by triggers. Either way the database
maintains the index on every write (an edit included), so it cannot drift from the
posts table. The rebuild_search_index command runs these statements; migrations 0004
and 0014 (which added the content warning) carry frozen copies of them, so changing
them needs a new migration.
"""

from django.db import transaction

# Accent-insensitive, language-neutral words: "cafe" finds "café", posts in English and
# Spanish are indexed alike, nothing is stemmed (docs/search.md has the measurements).
PG_CONFIG = "microblog_search"
PG_COLUMN = "search_vector"
PG_INDEX = "post_search_vector"
# What is indexed: the warning is searchable too (a reader may remember "spoilers").
PG_TEXT = "content_warning || ' ' || body"

PG_CREATE = [
    # unaccent is a trusted extension: the database owner may create it without superuser.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"""
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{PG_CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = pg_catalog.simple);
            ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG}
                ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
                WITH unaccent, simple;
        END IF;
    END $$
    """,
    # A stored generated column: PostgreSQL recomputes it on every insert and update, and
    # fills it for the rows already there when the column is added. Checked first, so a
    # rebuild takes no table lock when the column is there.
    f"""
    DO $$ BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM pg_attribute
            WHERE attrelid = 'posts_post'::regclass AND attname = '{PG_COLUMN}' AND NOT attisdropped
        ) THEN
            ALTER TABLE posts_post ADD COLUMN {PG_COLUMN} tsvector
                GENERATED ALWAYS AS (to_tsvector('{PG_CONFIG}'::regconfig, {PG_TEXT})) STORED;
        END IF;
        -- fastupdate off: a post has a dozen words, so adding them to the index directly
        -- is cheap, and searches never have to scan a backlog of pending entries.
        IF to_regclass('{PG_INDEX}') IS NULL THEN
            CREATE INDEX {PG_INDEX} ON posts_post USING gin ({PG_COLUMN}) WITH (fastupdate = off);
        END IF;
    END $$
    """,
]
PG_DROP = [
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE posts_post DROP COLUMN IF EXISTS {PG_COLUMN}",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}",
    # The unaccent extension stays: other code may use it.
]
PG_ANALYZE = "ANALYZE posts_post"

SQLITE_TABLE = "posts_post_fts"
SQLITE_CREATE = [
    # External content: the FTS table stores only the index and reads bodies from posts_post.
    f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(
        body, content_warning, content='posts_post', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_insert AFTER INSERT ON posts_post BEGIN
        INSERT INTO {SQLITE_TABLE}(rowid, body, content_warning) VALUES (new.id, new.body, new.content_warning);
    END
    """,
    # An external-content table must be told the old text to remove its terms.
    f"""
    CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_delete AFTER DELETE ON posts_post BEGIN
        INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, body, content_warning)
            VALUES ('delete', old.id, old.body, old.content_warning);
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_update AFTER UPDATE OF id, body, content_warning ON posts_post BEGIN
        INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, body, content_warning)
            VALUES ('delete', old.id, old.body, old.content_warning);
        INSERT INTO {SQLITE_TABLE}(rowid, body, content_warning) VALUES (new.id, new.body, new.content_warning);
    END
    """,
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_update",
    f"DROP TABLE IF EXISTS {SQLITE_TABLE}",
]
SQLITE_REBUILD = [
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('optimize')",
]


def _execute(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            # No parameters: the statements hold no placeholders, and none come from users.
            cursor.execute(statement)


def create_search_index(connection) -> None:
    """Create the search index for the connection's vendor and fill it from posts_post."""
    if connection.vendor == "postgresql":
        _execute(connection, PG_CREATE)
    elif connection.vendor == "sqlite":
        _execute(connection, SQLITE_CREATE + SQLITE_REBUILD)


def drop_search_index(connection) -> None:
    """Drop what create_search_index created (the reverse of migration 0004)."""
    if connection.vendor == "postgresql":
        _execute(connection, PG_DROP)
    elif connection.vendor == "sqlite":
        _execute(connection, SQLITE_DROP)


def rebuild_search_index(connection) -> None:
    """Recreate anything missing, then rebuild the index from the posts table."""
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            _execute(connection, PG_CREATE)
        # Outside a transaction the index is rebuilt beside the old one, so searches and
        # writes go on meanwhile; CONCURRENTLY is not allowed inside one.
        concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
        _execute(connection, [f"REINDEX INDEX {concurrently}{PG_INDEX}", PG_ANALYZE])
    elif connection.vendor == "sqlite":
        # Recreating the triggers repairs a table that a later migration rebuilt (SQLite
        # alters tables by copying them, which drops their triggers).
        with transaction.atomic(using=connection.alias):
            _execute(connection, SQLITE_CREATE + SQLITE_REBUILD)
    else:
        raise NotImplementedError(f"No full-text search for the {connection.vendor} database.")
