"""Each user's unread private-message count, kept in accounts_user by database triggers.

The navbar shows it on every page: stored on the user row that authentication has
already loaded, it costs no query, where counting the inbox cost a COUNT with a join.
It always equals Message.objects.unread_for(user).count(): the messages received from
active senders since the user's last_message_read_time (all of them while it is NULL).

What keeps it, in the same transaction as the change, whoever writes:
- a message inserted, deleted or re-pointed: +1 / -1 for its recipient when the message
  counts (cascades included: Django deletes a user's messages before the user row);
- a user's last_message_read_time changed (opening the inbox): that user is recounted;
- a user's is_active changed (moderation): everyone they wrote to is recounted.
The triggers' own UPDATE sets only unread_message_count, so it never fires the
"UPDATE OF is_active / last_message_read_time" triggers again.

A message sent while a moderator deactivates its sender, in two concurrent transactions
on PostgreSQL, can leave its recipient one off until their next inbox visit (which
recounts); locking the sender row in every insert would risk deadlocks instead.

SQLite drops a table's triggers when a migration rebuilds it (AddField of a NOT NULL
column, AlterField, ...): a later migration that rebuilds posts_message on SQLite must
call create_unread_triggers() again, and one that rebuilds accounts_user must run inside
accounts.counters.triggers_kept(), which puts these triggers (and the counters' that name
accounts_user) back as they were; SQLite refuses that rebuild otherwise.
"""

# Does this message row (NEW or OLD) count as unread for its recipient, the accounts_user
# row being updated? Same conditions as MessageQuerySet.unread_for().
_COUNTS = """
    (last_message_read_time IS NULL OR {row}.created_at > last_message_read_time)
    AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = {row}.sender_id AND sender.is_active)
"""

# The count of accounts_user's row, from the rows themselves.
_RECOUNT = """
    unread_message_count = (
        SELECT COUNT(*) FROM posts_message
        JOIN accounts_user AS sender ON sender.id = posts_message.sender_id
        WHERE posts_message.recipient_id = accounts_user.id
        AND sender.is_active
        AND (
            accounts_user.last_message_read_time IS NULL
            OR posts_message.created_at > accounts_user.last_message_read_time
        )
    )
"""

# PostgreSQL: (trigger, table); each trigger runs the function of the same name.
_PG_TRIGGERS = [
    ("posts_message_unread", "posts_message"),
    ("accounts_user_unread_read_time", "accounts_user"),
    ("accounts_user_unread_sender_active", "accounts_user"),
]

_SQLITE_TRIGGERS = [
    "posts_message_unread_insert",
    "posts_message_unread_delete",
    "posts_message_unread_update",
    "accounts_user_unread_read_time",
    "accounts_user_unread_sender_active",
]


def _step(row: str, sign: str) -> str:
    """Return the UPDATE that moves the count of message `row`'s recipient by `sign` 1, if the message counts."""
    return (
        f"UPDATE accounts_user SET unread_message_count = unread_message_count {sign} 1 "
        f"WHERE id = {row}.recipient_id AND {_COUNTS.format(row=row)};"
    )


def _recount_reader(row: str) -> str:
    """Return the UPDATE that recounts the user `row` (their read time moved)."""
    return f"UPDATE accounts_user SET {_RECOUNT} WHERE id = {row}.id;"


def _recount_recipients_of(row: str) -> str:
    """Return the UPDATE that recounts everyone who received a message from the user `row`."""
    recipients = f"SELECT recipient_id FROM posts_message WHERE sender_id = {row}.id"
    return f"UPDATE accounts_user SET {_RECOUNT} WHERE id IN ({recipients});"


def create_unread_triggers(connection) -> None:
    """Create the triggers that keep accounts_user.unread_message_count, on PostgreSQL or SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION posts_message_unread() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('DELETE', 'UPDATE') THEN {_step("OLD", "-")} END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN {_step("NEW", "+")} END IF;
                    RETURN NULL;
                END $$
                """
            )
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION accounts_user_unread_read_time() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {_recount_reader("NEW")}
                    RETURN NULL;
                END $$
                """
            )
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION accounts_user_unread_sender_active() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {_recount_recipients_of("NEW")}
                    RETURN NULL;
                END $$
                """
            )
            _drop_postgresql_triggers(cursor)
            cursor.execute(
                "CREATE TRIGGER posts_message_unread "
                "AFTER INSERT OR DELETE OR UPDATE OF sender_id, recipient_id, created_at ON posts_message "
                "FOR EACH ROW EXECUTE FUNCTION posts_message_unread()"
            )
            # WHEN: a full save() rewrites these columns unchanged; only a real change recounts.
            cursor.execute(
                "CREATE TRIGGER accounts_user_unread_read_time "
                "AFTER UPDATE OF last_message_read_time ON accounts_user FOR EACH ROW "
                "WHEN (OLD.last_message_read_time IS DISTINCT FROM NEW.last_message_read_time) "
                "EXECUTE FUNCTION accounts_user_unread_read_time()"
            )
            cursor.execute(
                "CREATE TRIGGER accounts_user_unread_sender_active "
                "AFTER UPDATE OF is_active ON accounts_user FOR EACH ROW "
                "WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) "
                "EXECUTE FUNCTION accounts_user_unread_sender_active()"
            )
        elif connection.vendor == "sqlite":
            insert, delete, update, read_time, sender_active = _SQLITE_TRIGGERS
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            minus, plus = _step("OLD", "-"), _step("NEW", "+")
            cursor.execute(f"CREATE TRIGGER {insert} AFTER INSERT ON posts_message BEGIN {plus} END")
            cursor.execute(f"CREATE TRIGGER {delete} AFTER DELETE ON posts_message BEGIN {minus} END")
            cursor.execute(
                f"CREATE TRIGGER {update} AFTER UPDATE OF sender_id, recipient_id, created_at ON posts_message "
                f"BEGIN {minus} {plus} END"
            )
            cursor.execute(
                f"CREATE TRIGGER {read_time} AFTER UPDATE OF last_message_read_time ON accounts_user "
                f"WHEN OLD.last_message_read_time IS NOT NEW.last_message_read_time "
                f"BEGIN {_recount_reader('NEW')} END"
            )
            cursor.execute(
                f"CREATE TRIGGER {sender_active} AFTER UPDATE OF is_active ON accounts_user "
                f"WHEN OLD.is_active IS NOT NEW.is_active "
                f"BEGIN {_recount_recipients_of('NEW')} END"
            )
        else:
            raise NotImplementedError(f"No unread-count triggers for the {connection.vendor} database.")


def _drop_postgresql_triggers(cursor) -> None:
    for trigger, table in _PG_TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")


def drop_unread_triggers(connection) -> None:
    """Drop what create_unread_triggers() made."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _drop_postgresql_triggers(cursor)
            for function, _table in _PG_TRIGGERS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        else:
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def recount_unread(connection) -> None:
    """Set every user's unread_message_count from the messages themselves."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE accounts_user SET {_RECOUNT}")
