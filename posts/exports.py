"""Write a user's posts as JSON, streamed in batches (also used by `manage.py export_posts`)."""

import itertools
import json
import time
from collections.abc import Callable
from datetime import UTC

from posts.models import Attachment, Post

BATCH_SIZE = 2000
# Progress callbacks fire at most this often, so a big export is not a stream of writes.
PROGRESS_INTERVAL = 0.5


def _utc(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def write_posts_json(user, out, *, on_progress: Callable[[int, int], None] | None = None, site_url: str = "") -> int:
    """Write `{"posts": [{"body", "timestamp", "content_warning"?, "edited"?, "pictures"?}, ...]}` (oldest first).

    Written to the text stream `out`. A post with a content warning has it, an edited
    post the time of its last edit (`edited`; the earlier versions stay on the site). A
    post with pictures lists each one's `url` (its large size; absolute when the
    storage's URLs are paths and `site_url` is given) and `alt_text`. Rows are read in
    batches with a server-side cursor where the database has one, and the pictures of
    each batch in one more query, so memory stays flat whatever the number of posts.
    Returns how many were written.
    """
    posts = Post.objects.filter(author=user).order_by("created_at", "pk")
    total = posts.count()
    written, last_report = 0, time.monotonic()
    out.write('{"posts": [')
    fields = ("pk", "body", "created_at", "attachment_count", "content_warning", "edited_at")
    rows = posts.values_list(*fields).iterator(chunk_size=BATCH_SIZE)
    while batch := list(itertools.islice(rows, BATCH_SIZE)):
        pictures = _pictures_of([pk for pk, _body, _created, count, *_rest in batch if count], site_url)
        for pk, body, created_at, _count, warning, edited_at in batch:
            if written:
                out.write(", ")
            entry = {"body": body, "timestamp": _utc(created_at)}
            if warning:
                entry["content_warning"] = warning
            if edited_at is not None:
                entry["edited"] = _utc(edited_at)
            if pk in pictures:
                entry["pictures"] = pictures[pk]
            out.write(json.dumps(entry, ensure_ascii=False))
            written += 1
            if on_progress and time.monotonic() - last_report >= PROGRESS_INTERVAL:
                on_progress(written, total)
                last_report = time.monotonic()
    out.write("]}\n")
    return written


def _pictures_of(post_ids: list[int], site_url: str) -> dict[int, list[dict]]:
    """Return post id -> [{"url", "alt_text"}, ...] in order, for the posts of `post_ids` (one query)."""
    found = {}
    if not post_ids:
        return found
    for picture in Attachment.objects.filter(post__in=post_ids).order_by("post", "position"):
        url = picture.large["url"]
        found.setdefault(picture.post_id, []).append(
            {"url": url if "://" in url else site_url + url, "alt_text": picture.alt_text}
        )
    return found
