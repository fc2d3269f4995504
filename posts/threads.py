"""The thread page's reading of a conversation: its ancestors, the post, and the tree of replies.

A conversation is read in two steps: its shape (ids, parents and times of up to
MAX_THREAD_POSTS posts, one light query), from which the tree is built, then the posts
shown, loaded like any list of posts: the ancestors, the post and one page of replies
in thread order (REPLIES_PER_PAGE), so a conversation of hundreds of posts costs what
a page of 25 costs (docs/performance.md, change 16). The API reads all the replies.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Abs

from accounts.safety import boundaries_of
from posts.models import Post

# Rows read for one thread page, at most. A conversation larger than this shows the
# newest ancestors and the replies that fit: the page stays one bounded query.
MAX_THREAD_POSTS = 500
# Replies a thread page shows; "More replies" leads to the next ones, in thread order.
REPLIES_PER_PAGE = settings.POSTS_PER_PAGE
# Replies nest this many levels under the post; deeper ones are shown flat at the last
# level (as Mastodon does), so a long back-and-forth does not drift off the screen.
MAX_DEPTH = 3


@dataclass
class ThreadNode:
    """One post in the reply tree and the replies shown under it (oldest first)."""

    post: Post
    depth: int
    children: list["ThreadNode"] = field(default_factory=list)


class Unavailable:
    """Stands among a thread's ancestors for a post the viewer may not see (a block, accounts/safety.py)."""

    hidden = True

    def __bool__(self) -> bool:
        return False


HIDDEN = Unavailable()


@dataclass
class Thread:
    """What the thread page shows: ancestors oldest first, the post, and its replies."""

    post: Post
    ancestors: list  # of Post; None stands where a deleted post was, HIDDEN where a blocked one is
    replies: list[ThreadNode]
    earlier: int | None = None  # the nearest ancestor not read (a long conversation), to link to
    page: int = 1  # of the replies
    more_replies: bool = False  # whether a next page of replies exists
    muted: frozenset[int] = frozenset()  # authors whose posts are shown folded (the viewer mutes them)

    def descendants(self) -> list[Post]:
        """Return every reply under the post in thread order: depth first, each post's replies oldest first.

        The tree read in order, whatever its nesting: every reply comes after the post
        it answers (the API's flat list of a conversation).
        """
        flat: list[Post] = []
        stack = list(reversed(self.replies))
        while stack:
            node = stack.pop()
            flat.append(node.post)
            stack.extend(reversed(node.children))
        return flat


@dataclass(frozen=True)
class Shape:
    """Where a post sits in its conversation: all that building the tree needs."""

    pk: int
    in_reply_to_id: int | None
    conversation: int | None
    created_at: datetime
    author_id: int

    @property
    def is_reply(self) -> bool:
        return self.conversation is not None


def read_thread(post: Post, viewer, *, page: int | None = 1) -> Thread:
    """Return the thread of `post` as `viewer` sees it, with page `page` of its replies (None: all of them).

    The conversation's shape is read in one indexed query (Post.conversation), capped
    at MAX_THREAD_POSTS rows: those nearest to the post by id, which are its newest
    ancestors (a parent always has a smaller id than its replies) and its oldest
    replies. The posts shown are then read in one query, with what posts/_post.html and
    the API show and the viewer's own state.

    The posts of people on the other side of a block are not shown: an ancestor of theirs
    is a HIDDEN placeholder, a reply of theirs goes with the replies under it. The posts
    of people the viewer mutes are shown folded (`Thread.muted`).
    """
    root_id = post.conversation or post.pk
    nearest = Post.objects.visible().in_conversation(root_id).order_by(Abs(F("pk") - post.pk))[:MAX_THREAD_POSTS]
    fields = ("pk", "in_reply_to_id", "conversation", "created_at", "author_id")
    rows = [Shape(*row) for row in nearest.values_list(*fields)]
    boundaries = boundaries_of(viewer)
    shape = thread_of(post, rows, capped=len(rows) == MAX_THREAD_POSTS)
    if boundaries.blocked:
        shape.replies = _without(shape.replies, boundaries.blocked)
    replies = shape.descendants()
    more = False
    if page is not None:
        start = (page - 1) * REPLIES_PER_PAGE
        more = len(replies) > start + REPLIES_PER_PAGE
        replies = replies[start : start + REPLIES_PER_PAGE]
    shown = [row.pk for row in (*filter(None, shape.ancestors), shape.post, *replies)]
    posts = Post.objects.for_display().with_viewer_state(viewer).in_bulk(shown)
    return Thread(
        post=posts.get(shape.post.pk, post),
        ancestors=[_ancestor(row, posts, boundaries.blocked) for row in shape.ancestors],
        replies=_shown(shape.replies, posts),
        earlier=shape.earlier,
        page=page or 1,
        more_replies=more,
        muted=boundaries.muting,
    )


def _ancestor(row: Shape | None, posts: dict[int, Post], blocked: frozenset[int]):
    """Return what stands for one ancestor: its post, None if deleted, HIDDEN if its author is blocked either way."""
    if row is None:
        return None
    if row.author_id in blocked:
        return HIDDEN
    return posts.get(row.pk)


def _without(nodes: list[ThreadNode], blocked: frozenset[int]) -> list[ThreadNode]:
    """Return the reply tree less the replies of `blocked` authors, each with the replies under it."""
    return [
        ThreadNode(node.post, node.depth, _without(node.children, blocked))
        for node in nodes
        if node.post.author_id not in blocked
    ]


def _shown(nodes: list[ThreadNode], posts: dict[int, Post]) -> list[ThreadNode]:
    """Return the nodes of the posts in `posts`, with the posts themselves, in the same order.

    A page of replies is a run of the tree in thread order: a reply whose parent is on an
    earlier page stands at the start of the page, at its own depth.
    """
    shown: list[ThreadNode] = []
    for node in nodes:
        children = _shown(node.children, posts)
        if node.post.pk in posts:
            shown.append(ThreadNode(posts[node.post.pk], node.depth, children))
        else:
            shown.extend(children)
    return shown


def thread_of(post: Post, rows: list, *, capped: bool = False) -> Thread:
    """Build the thread of `post` from `rows` (posts or their Shape), those of its conversation that were read.

    The tree is built here in Python; `post` need not be among `rows` (it is shown as
    given then). A deleted parent shows as a None placeholder among the ancestors;
    `earlier` is set instead when `capped` (the read stopped at its limit) cut older
    ancestors.
    """
    rows = sorted(rows, key=lambda row: (row.created_at, row.pk))  # reply order: oldest first
    by_id = {row.pk: row for row in rows}
    shown = by_id.get(post.pk, post)
    ancestors, earlier = _ancestors(shown, by_id, capped=len(rows) == MAX_THREAD_POSTS)
    children: dict[int, list[Post]] = {}
    for row in rows:
        if row.in_reply_to_id is not None and row.pk != shown.pk:
            children.setdefault(row.in_reply_to_id, []).append(row)
    return Thread(post=shown, ancestors=ancestors, replies=_reply_tree(shown.pk, children), earlier=earlier)


def _ancestors(post: Post, by_id: dict[int, Post], *, capped: bool) -> tuple[list[Post | None], int | None]:
    """Return the chain of parents above `post`, oldest first, and the id of the first one not read.

    A None in the chain stands where a deleted (or hidden) parent was; the id is set
    only when the read was capped before the chain reached the conversation's start.
    """
    chain: list[Post | None] = []
    current, earlier = post, None
    while current.is_reply:
        parent = by_id.get(current.in_reply_to_id) if current.in_reply_to_id is not None else None
        if parent is None:
            if capped and current.in_reply_to_id is not None:
                earlier = current.in_reply_to_id
            else:
                chain.append(None)
            break
        chain.append(parent)
        current = parent
    chain.reverse()
    return chain, earlier


def _reply_tree(root_pk: int, children: dict[int, list[Post]]) -> list[ThreadNode]:
    """Return the replies under `root_pk` as nodes nested up to MAX_DEPTH levels, in reply order."""
    top: list[ThreadNode] = []
    # Depth-first in reply order; a node at MAX_DEPTH takes all of its descendants as
    # siblings at that level, in the order they were written.
    stack = [(reply, 1, top) for reply in reversed(children.get(root_pk, []))]
    while stack:
        reply, depth, siblings = stack.pop()
        node = ThreadNode(reply, depth)
        siblings.append(node)
        below = children.get(reply.pk, [])
        if depth < MAX_DEPTH:
            stack.extend((child, depth + 1, node.children) for child in reversed(below))
        else:
            stack.extend((child, depth, siblings) for child in reversed(below))
    return top
