"""Write a user's posts as JSON, streamed in batches (also used by `manage.py export_posts`)."""

import json
import time
from collections.abc import Callable
from datetime import UTC

from posts.models import Post

BATCH_SIZE = 2000
# Progress callbacks fire at most this often, so a big export is not a stream of writes.
PROGRESS_INTERVAL = 0.5


def write_posts_json(user, out, *, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Write `{"posts": [{"body", "timestamp"}, ...]}` (oldest first) to text stream `out`.

    Rows are read in batches with a server-side cursor where the database has one, so
    memory stays flat whatever the number of posts. Returns how many were written.
    """
    posts = Post.objects.filter(author=user).order_by("created_at", "pk")
    total = posts.count()
    written, last_report = 0, time.monotonic()
    out.write('{"posts": [')
    for body, created_at in posts.values_list("body", "created_at").iterator(chunk_size=BATCH_SIZE):
        if written:
            out.write(", ")
        timestamp = created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        out.write(json.dumps({"body": body, "timestamp": timestamp}, ensure_ascii=False))
        written += 1
        if on_progress and time.monotonic() - last_report >= PROGRESS_INTERVAL:
            on_progress(written, total)
            last_report = time.monotonic()
    out.write("]}\n")
    return written
