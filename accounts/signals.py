"""What accounts announces to the apps built on it, which it never imports.

`posts` tells people they have a new follower (a notification on /activity/), but
accounts may not import posts (docs/architecture.md): follow_user sends this signal in
its transaction, and posts/apps.py connects its receiver. Removing the follow deletes
the notification with it (a cascade), so undoing needs no signal.

Cascades delete rows, never files: delete_account sends `account_deleting` before the
user row goes, in the same transaction, so posts can take its pictures' files away
once that transaction commits.
"""

from django.dispatch import Signal

# Sent with `follow`: the new Follow row.
user_followed = Signal()

# Sent with `blocker` and `blocked`, inside block_user's transaction: posts deletes the
# notifications between them (their follows, and the follow notifications, are gone already).
user_blocked = Signal()

# Sent with `user`, inside delete_account's transaction, before the user row is deleted.
account_deleting = Signal()
