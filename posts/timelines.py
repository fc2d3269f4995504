"""Every list of posts is a timeline: entries (which post, when, boosted by whom), paged by keyset.

One design serves the home feed with boosts, profiles, explore, tag pages and
bookmarks (docs/architecture.md, "Timelines"):

1. A timeline is one or more *sources*: querysets of entries, each an indexed range
   newest first (a followed author's posts, a followed person's boosts, a tag's
   taggings). The home feed merges two; the others read one.
2. A page is the newest `limit` entries older than a cursor: each source is cut at the
   cursor and at `limit` rows in SQL (one query each, the first source's page bounding
   the others), then merged, so page 50 costs what page 1 costs. The tutorial's
   `?page=N` still works (an OFFSET, as before) and its "Older posts" link continues
   with a cursor.
3. The page's posts are then loaded by id with what posts/_post.html shows and the
   viewer's own state: the same queries whatever the source.

A page therefore costs a query per source (two for home and profiles, one for the
others), the posts, and the rows of their mention links (posts/rendering.py, which
the API does without).
"""

import copy
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections
from django.db.models import CharField, Exists, F, OuterRef, Q, Value

from accounts.models import Follow, User
from accounts.safety import boundaries_of
from microblog.pagination import MAX_OFFSET, ListPage, positive_int
from posts.models import Bookmark, Boost, Post, Tagging

# The columns of an entry, as every source selects them.
ENTRY = ("entry_post", "entry_at", "entry_by")


@dataclass(frozen=True)
class Cursor:
    """A place in a timeline: an entry's time and post id. In URLs: "<microseconds>-<post id>"."""

    at: datetime
    post_id: int

    def __str__(self) -> str:
        return f"{round(self.at.timestamp() * 1_000_000)}-{self.post_id}"

    @classmethod
    def parse(cls, value) -> "Cursor | None":
        """Return the cursor written in `value`, or None if it is not one (the first page then)."""
        try:
            micros, post_id = str(value).split("-")
            at = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
            post_id = int(post_id)
        except (ValueError, OverflowError, OSError):
            return None
        return cls(at, post_id) if post_id > 0 else None

    @classmethod
    def of(cls, entry: dict) -> "Cursor":
        return cls(entry["entry_at"], entry["entry_post"])


def post_entries(posts):
    """Return `posts` (a Post queryset) as timeline entries at their own time."""
    return posts.alias(entry_author=F("author_id"), entry_booster=F("author_id")).values(
        entry_post=F("pk"), entry_at=F("created_at"), entry_by=Value("", output_field=CharField())
    )


def boost_entries(boosts):
    """Return `boosts` (a Boost queryset) as timeline entries at the boost's time, by the booster."""
    return (
        boosts.filter(user__is_active=True, post__author__is_active=True)
        .alias(entry_author=F("post__author_id"), entry_booster=F("user_id"))
        .values(entry_post=F("post_id"), entry_at=F("created_at"), entry_by=F("user__username"))
    )


class Timeline:
    """Entries from `sources` (querysets of post_entries/boost_entries), newest first.

    `mutes_apply`: whether a viewer's mutes hide entries here (the feeds) or only their
    blocks do (a profile, bookmarks): seen_by() leaves those people out.
    """

    def __init__(self, *sources, mutes_apply: bool = True):
        self.sources = sources
        self.mutes_apply = mutes_apply

    def seen_by(self, viewer) -> "Timeline":
        """Return this timeline without the entries of people `viewer` keeps away (accounts/safety.py).

        Each source leaves out posts by those people and boosts made by them, in SQL; for
        a viewer who blocks and mutes nobody the sources are unchanged.
        """
        hidden = boundaries_of(viewer).hidden(muting=self.mutes_apply)
        if not hidden:
            return self
        sources = [source.exclude(entry_author__in=hidden).exclude(entry_booster__in=hidden) for source in self.sources]
        return Timeline(*sources, mutes_apply=self.mutes_apply)

    def entries(self, *, limit: int, before: Cursor | None = None, after: Cursor | None = None, offset: int = 0):
        """Return up to `limit` entries older than `before`, or the oldest newer than `after`, or from `offset`.

        One query per source, each cut at the cursor and at the page in SQL (an indexed
        range), merged here. The first source's page also bounds the others: an entry of
        theirs older than its last row cannot be on the page, so a feed with busy
        boosters reads their recent boosts only (docs/performance.md, change 16).
        """
        newest_first = after is None
        order = ("-entry_at", "-entry_post") if newest_first else ("entry_at", "entry_post")
        wanted = offset + limit
        rows, bound = [], None
        for source in self.sources:
            if before is not None:
                source = source.filter(entry_at__lte=before.at).exclude(
                    entry_at=before.at, entry_post__gte=before.post_id
                )
            if after is not None:
                source = source.filter(entry_at__gte=after.at).exclude(entry_at=after.at, entry_post__lte=after.post_id)
            if bound is not None:
                source = source.filter(entry_at__gte=bound) if newest_first else source.filter(entry_at__lte=bound)
            found = list(source.order_by(*order)[:wanted])
            if bound is None and len(found) == wanted:
                bound = found[-1]["entry_at"]
            rows.extend(found)
        rows.sort(key=lambda entry: (entry["entry_at"], entry["entry_post"]), reverse=newest_first)
        rows = rows[offset:wanted]
        return rows if newest_first else rows[::-1]

    def count(self, *, cap: int | None = None) -> int:
        """Return how many entries the timeline holds, counting no further than `cap` (one query).

        Exact for timelines whose sources hold a post once (home, explore, tags): a
        profile counts a post and its author's own boost of it twice, as it shows them.
        """
        sources = [source.order_by() for source in self.sources]
        if cap is not None and self._cut_sources(sources[0]):
            sources = [source[:cap] for source in sources]
        merged = sources[0] if len(sources) == 1 else sources[0].union(*sources[1:], all=True)
        total = merged.count()
        return total if cap is None else min(total, cap)

    def _cut_sources(self, source) -> bool:
        """Whether each source is cut to the cap in SQL before a count merges them.

        PostgreSQL counts at most `cap` rows per source that way instead of every entry;
        SQLite refuses LIMIT inside a UNION, and counts the whole (small) union instead.
        """
        return len(self.sources) == 1 or connections[source.db].features.supports_slicing_ordering_in_compound


def load_posts(entries, viewer) -> list[Post]:
    """Return the posts of `entries`, in their order, ready for posts/_post.html and the API (1 query).

    Each carries `boosted_by` (a username, or "") and the viewer's liked/boosted/bookmarked.
    """
    found = Post.objects.for_display().with_viewer_state(viewer).in_bulk([entry["entry_post"] for entry in entries])
    posts = []
    for entry in entries:
        post = found.get(entry["entry_post"])
        if post is None:  # deleted between the two queries
            continue
        if any(shown.pk == post.pk for shown in posts):
            post = copy.copy(post)  # a profile may hold a post and its author's own boost of it
        post.boosted_by = entry["entry_by"]
        post.entry_cursor = Cursor.of(entry)
        posts.append(post)
    return posts


# ---------------------------------------------------------------------------
# The site's timelines
# ---------------------------------------------------------------------------


def home(user) -> Timeline:
    """The home feed: your posts and your follows' posts, and the boosts of you and your follows.

    A post appears once, at its newest such boost (it was written before any boost),
    with "X boosted" above it; unboosting puts it back at its own time if its author is
    followed, or takes it away.
    """
    followed = Follow.objects.filter(follower=user).values("followed_id")
    # Only boosts that are shown (boost_entries hides a deactivated booster's) may take a
    # post's place or hide an older boost of it: otherwise the post would vanish.
    boosters = (Q(user__in=followed) | Q(user=user)) & Q(user__is_active=True)
    boosted = Boost.objects.filter(boosters, post=OuterRef("pk"))
    # The boosts source names its boosters as one list (the follows, then you) rather than
    # "a follow OR you": PostgreSQL cannot use an index for that OR, and read every boost
    # and joined every post before the LIMIT (docs/performance.md, "Timelines: keyset
    # pages": 36 ms -> 16 ms). The posts source keeps the OR: its plan walks post_created
    # and stops after the page, which the list made slower for sparse readers.
    booster_ids = followed.union(User.objects.filter(pk=user.pk).values("pk"), all=True)
    newer_boost = Boost.objects.filter(user__in=booster_ids, user__is_active=True, post=OuterRef("post")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return Timeline(
        post_entries(Post.objects.visible().in_feed_of(user).exclude(Exists(boosted))),
        boost_entries(Boost.objects.filter(user__in=booster_ids).exclude(Exists(newer_boost))),
    )


def profile(user, *, with_replies: bool) -> Timeline:
    """A profile's posts (without replies, or with them) and the person's boosts."""
    posts = user.posts.visible()
    if not with_replies:
        posts = posts.filter(conversation__isnull=True)
    return Timeline(post_entries(posts), boost_entries(Boost.objects.filter(user=user)), mutes_apply=False)


def explore() -> Timeline:
    """Everyone's posts, replies included, newest first."""
    return Timeline(post_entries(Post.objects.visible()))


def tagged(tag) -> Timeline:
    """The posts carrying `tag`, newest first (one range of the tagging index)."""
    return Timeline(_marked_entries(Tagging.objects.filter(tag=tag, post__author__is_active=True)))


def bookmarks(user) -> Timeline:
    """`user`'s bookmarks, newest bookmark first."""
    marks = Bookmark.objects.filter(user=user, post__author__is_active=True)
    return Timeline(_marked_entries(marks), mutes_apply=False)


def _marked_entries(rows):
    """Return rows that mark a post (a tagging, a bookmark) as entries at the mark's time."""
    return rows.alias(entry_author=F("post__author_id"), entry_booster=F("post__author_id")).values(
        entry_post=F("post_id"), entry_at=F("created_at"), entry_by=Value("", output_field=CharField())
    )


# ---------------------------------------------------------------------------
# Paging a timeline in a ListView
# ---------------------------------------------------------------------------


class TimelinePage(ListPage):
    """One page of a timeline, placed by a cursor rather than numbered."""

    @property
    def next_param(self) -> str:
        return f"before={self.object_list[-1].entry_cursor}" if self.object_list else ""

    @property
    def previous_param(self) -> str:
        return f"after={self.object_list[0].entry_cursor}" if self.object_list else "page=1"


def timeline_page(timeline: Timeline, params, viewer, per_page: int) -> TimelinePage:
    """Return the page of `timeline` that `params` ask for (?before=, ?after= or ?page=), as `viewer` sees it."""
    timeline = timeline.seen_by(viewer)
    before, after = Cursor.parse(params.get("before", "")), Cursor.parse(params.get("after", ""))
    if before is not None or after is not None:
        entries = timeline.entries(limit=per_page + 1, before=before, after=after)
        if after is not None:
            more_newer, entries = len(entries) > per_page, entries[-per_page:]
            return TimelinePage(load_posts(entries, viewer), is_first=False, has_next=True, has_previous=more_newer)
        more_older = len(entries) > per_page
        posts = load_posts(entries[:per_page], viewer)
        return TimelinePage(posts, is_first=False, has_next=more_older, has_previous=True)
    number = positive_int(params.get("page"))
    offset = min((number - 1) * per_page, MAX_OFFSET)
    entries = timeline.entries(limit=per_page + 1, offset=offset)
    posts = load_posts(entries[:per_page], viewer)
    return TimelinePage(posts, is_first=number == 1, has_next=len(entries) > per_page, has_previous=number > 1)


class TimelineListMixin:
    """For ListViews whose get_queryset() returns a Timeline: page it by keyset (timeline_page)."""

    def paginate_queryset(self, timeline, page_size):
        page = timeline_page(timeline, self.request.GET, self.request.user, page_size)
        return None, page, page.object_list, page.has_other_pages()
