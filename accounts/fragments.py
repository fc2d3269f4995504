"""A person's HTML fragments that the in-place buttons' scripts put back into a page."""

from django.template.loader import render_to_string

from accounts.models import User

# The templates that show a person's counts (data-count-for, data-count-block).
COUNT_BLOCKS = {"counts": "accounts/_counts.html", "followers": "accounts/_follower_count.html"}


def count_blocks(*people: User) -> dict:
    """Return {username: {block: HTML}} of every count block, read fresh for `people` (one query).

    After a follow, an unfollow or a delete the page's counts are stale; static/js/app.js
    (microblog.showCounts) swaps each block on the page for its fresh copy.
    """
    fresh = User.objects.filter(pk__in=[person.pk for person in people])
    return {
        person.username: {
            block: render_to_string(template, {"person": person}) for block, template in COUNT_BLOCKS.items()
        }
        for person in fresh
    }
