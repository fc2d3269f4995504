"""The counts accounts keeps about its own tables (microblog/counters.py keeps them).

Follower and following counts on the profile header and in the API's user. The counts
about posts tables (a user's posts, unread messages) are declared in posts/counters.py.
"""

from microblog.counters import Counter, declare

follower_count = declare(
    Counter(table="accounts_user", column="follower_count", source="accounts_follow", key="followed_id")
)
following_count = declare(
    Counter(table="accounts_user", column="following_count", source="accounts_follow", key="follower_id")
)
