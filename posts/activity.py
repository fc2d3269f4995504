"""The notifications page's rows, folded into what a person reads (posts:activity)."""

from dataclasses import dataclass, field
from datetime import datetime

from posts.models import Activity, Post

# Kinds whose consecutive rows fold into one entry: on the same post for likes and
# boosts ("ana and 3 others liked your post"), any follows for follows.
GROUPED_BY_POST = {Activity.Kind.LIKE, Activity.Kind.BOOST}
GROUPED = GROUPED_BY_POST | {Activity.Kind.FOLLOW}


@dataclass
class ActivityGroup:
    """One entry of /activity/: one notification, or several alike that came one after another."""

    kind: str
    rows: list[Activity] = field(default_factory=list)
    post: Post | None = None
    is_new: bool = False

    @property
    def pk(self) -> int:
        """The id of the newest row, stable while the group's newest notification stands."""
        return self.rows[0].pk

    @property
    def created_at(self) -> datetime:
        """When the newest notification of the group happened."""
        return self.rows[0].created_at

    @property
    def actors(self) -> list:
        """Everyone who did it, newest first, each once."""
        seen, actors = set(), []
        for row in self.rows:
            if row.actor_id not in seen:
                seen.add(row.actor_id)
                actors.append(row.actor)
        return actors

    @property
    def actor(self):
        """The newest actor: the one the sentence names."""
        return self.rows[0].actor

    @property
    def others(self) -> int:
        """How many more people did the same ("and N others")."""
        return len(self.actors) - 1

    def takes(self, row: Activity) -> bool:
        """Whether `row` folds into this group rather than starting its own."""
        if row.kind != self.kind or row.kind not in GROUPED:
            return False
        return row.kind == Activity.Kind.FOLLOW or row.post_id == self.rows[0].post_id


def group_activities(rows, *, last_read: datetime | None = None) -> list[ActivityGroup]:
    """Fold a page of Activity rows (newest first) into entries, as Mastodon groups them.

    Consecutive likes of one post become one entry, as do consecutive boosts of one post
    and consecutive follows; replies and mentions stay one entry each, since each shows a
    different post. Grouping works on the page's rows only (no query), so a run cut by a
    page break shows on both pages. An entry is new when any of its rows came after
    `last_read` (all are, when the page was never opened).
    """
    groups: list[ActivityGroup] = []
    for row in rows:
        if not groups or not groups[-1].takes(row):
            groups.append(ActivityGroup(kind=row.kind))
        group = groups[-1]
        group.rows.append(row)
        if last_read is None or row.created_at > last_read:
            group.is_new = True
    return groups


def attach_posts(groups: list[ActivityGroup], viewer) -> None:
    """Give each entry the post it concerns, as posts/_post.html shows it, all in one query.

    The posts come with their authors, counters and the viewer's own state (liked,
    boosted, bookmarked) annotated: a fixed number of queries whatever the page holds.
    """
    ids = {group.rows[0].post_id for group in groups if group.rows[0].post_id}
    if not ids:
        return
    posts = Post.objects.for_display().with_viewer_state(viewer).in_bulk(ids)
    for group in groups:
        group.post = posts.get(group.rows[0].post_id)
