"""The counts kept about posts tables (microblog/counters.py keeps them; docs/architecture.md).

Each is a column read without a query where it is shown; triggers rendered from these
declarations move it on every write. Changing a declaration changes nothing in the
database until `manage.py counter_migration` has written, and `migrate` applied, the
migration with its new SQL.
"""

from microblog.counters import Counter, Recount, declare

# The profile header and the API's user.
post_count = declare(Counter(table="accounts_user", column="post_count", source="posts_post", key="author_id"))

# The navbar's badge: messages from active senders that the reader has not read, always
# equal to Message.objects.unread_for(user).count(). A message is read once its
# conversation is opened (its read_at is set: the trigger moves the count by one per
# row), or when it is older than last_message_read_time ("everything so far is read",
# the recount below; all of them count while it is NULL). A moderator's deactivation
# moves is_active: it recounts the rows it concerns.
#
# A message sent while a moderator deactivates its sender, in two concurrent
# transactions on PostgreSQL, can leave its recipient one off until their next inbox
# visit (which recounts) or `manage.py repair_counters`; locking the sender row in
# every insert would risk deadlocks instead.
unread_message_count = declare(
    Counter(
        table="accounts_user",
        column="unread_message_count",
        source="posts_message",
        key="recipient_id",
        condition=(
            "{row}.read_at IS NULL"
            " AND (accounts_user.last_message_read_time IS NULL"
            " OR {row}.created_at > accounts_user.last_message_read_time)"
            " AND EXISTS (SELECT 1 FROM accounts_user AS sender WHERE sender.id = {row}.sender_id AND sender.is_active)"
        ),
        watches=("sender_id", "created_at", "read_at"),
        recounts=(
            Recount(table="accounts_user", column="last_message_read_time", rows="{row}.id"),
            Recount(
                table="accounts_user",
                column="is_active",
                rows="SELECT recipient_id FROM posts_message WHERE sender_id = {row}.id",
            ),
        ),
    )
)


# Replies, likes and boosts on every post, from active people only: a moderator's
# deactivation of a spammer takes their likes off the counts, as it hides the rows.
def _by_active(column: str) -> str:
    return f"EXISTS (SELECT 1 FROM accounts_user AS person WHERE person.id = {{row}}.{column} AND person.is_active)"


def _recount_on_deactivation(source: str, key: str, person: str) -> Recount:
    return Recount(
        table="accounts_user", column="is_active", rows=f"SELECT {key} FROM {source} WHERE {person} = {{row}}.id"
    )


reply_count = declare(
    Counter(
        table="posts_post",
        column="reply_count",
        source="posts_post",
        key="in_reply_to_id",
        condition=_by_active("author_id"),
        recounts=(_recount_on_deactivation("posts_post", "in_reply_to_id", "author_id"),),
    )
)
like_count = declare(
    Counter(
        table="posts_post",
        column="like_count",
        source="posts_like",
        key="post_id",
        condition=_by_active("user_id"),
        recounts=(_recount_on_deactivation("posts_like", "post_id", "user_id"),),
    )
)
boost_count = declare(
    Counter(
        table="posts_post",
        column="boost_count",
        source="posts_boost",
        key="post_id",
        condition=_by_active("user_id"),
        recounts=(_recount_on_deactivation("posts_boost", "post_id", "user_id"),),
    )
)

# The navbar's notifications badge: as unread_message_count, for posts.Activity rows
# since the recipient last opened /activity/.
unread_activity_count = declare(
    Counter(
        table="accounts_user",
        column="unread_activity_count",
        source="posts_activity",
        key="recipient_id",
        condition=(
            "(accounts_user.last_activity_read_time IS NULL"
            " OR {row}.created_at > accounts_user.last_activity_read_time)"
            f" AND {_by_active('actor_id')}"
        ),
        watches=("actor_id", "created_at"),
        recounts=(
            Recount(table="accounts_user", column="last_activity_read_time", rows="{row}.id"),
            _recount_on_deactivation("posts_activity", "recipient_id", "actor_id"),
        ),
    )
)
