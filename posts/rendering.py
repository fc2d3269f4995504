"""The HTML of posts: each post rendered once per state and reused, a page's posts read at once.

Rendering posts/_post.html is most of a page's CPU: 25 posts with their avatars, links,
localized times and action bars (docs/performance.md, change 16). Every page that shows
posts goes through render_posts():

1. `post_key()` names every input that can change a byte of a post's HTML, the viewer's
   own state included (liked, boosted, bookmarked, their own post, signed in) and the
   pictures (their files, descriptions and sensitivity), so a
   change to any of them is a new key and no viewer is ever shown stale or someone
   else's state;
2. the page's posts are read from the cache with one `get_many()`;
3. the missing ones are rendered with the plain template and stored for five minutes
   (long enough to serve a busy page from memory, short enough that the cache stays
   small).

posts/_post.html holds nothing that belongs to one response: its buttons carry no CSRF
token and no return path, but submit the page's one `#actions-form`
(templates/base.html) to their own `formaction`. posts/tests/test_post_fragments.py
changes each input in turn and fails if a page keeps the old HTML.
"""

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from accounts.avatars import stored_variant_path
from posts.models import Attachment, Mention
from posts.translation import get_translator

POST_TEMPLATE = "posts/_post.html"
POST_HTML_SECONDS = 300
# Times older than this show their date, not "8 days ago" (posts_extras.reltime).
SHOW_DATE_AFTER = datetime.timedelta(weeks=1)


def render_posts(posts, viewer) -> list[SafeString]:
    """Return the HTML of each of `posts` as `viewer` sees it, from the cache where it is there.

    Each post also keeps its HTML as `post.html`, for templates that place posts one by
    one (a thread's tree).
    """
    load_mentions(posts)
    load_attachments(posts)
    page_wide = _page_wide_inputs()
    keys = [post_key(post, viewer, page_wide) for post in posts]
    found = cache.get_many(keys)
    template, fresh = None, {}
    for post, key in zip(posts, keys, strict=True):
        html = found.get(key)
        if html is None:
            template = template or get_template(POST_TEMPLATE)
            html = fresh[key] = template.render({"post": post, "user": viewer, "translator_enabled": page_wide[-1]})
        post.html = mark_safe(html)  # safe: rendered by the template, which escapes
    if fresh:
        cache.set_many(fresh, POST_HTML_SECONDS)
    return [post.html for post in posts]


def _page_wide_inputs() -> tuple:
    """What changes the HTML of every post alike: worked out once per list, not per post."""
    return (
        settings.AVATAR_PROVIDER,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        get_translator() is not None,  # the Translate button
    )


def post_key(post, viewer, page_wide: tuple) -> str:
    """Return the cache key of `post`'s HTML for `viewer`: a digest of everything the HTML shows."""
    author = post.author
    signed_in = viewer.is_authenticated
    inputs = (
        post.pk,
        post.body,
        post.content_warning,  # the fold over the body and its pictures
        post.language,
        str(getattr(post, "highlighted_body", "")),  # a search's <mark>s
        post.created_at.isoformat(),
        _age_bucket(post.created_at, timezone.now()),  # "5 minutes ago", "20 Nov"
        post.edited_at and post.edited_at.isoformat(),  # "edited", and when
        post.edited_at and _age_bucket(post.edited_at, timezone.now()),
        author.username,
        author.email,  # with the username and the provider: the identicon or Gravatar
        stored_variant_path(author.avatar_variants, 48),  # an uploaded avatar: a new one is a new path
        tuple(sorted(mention_names(post).values())),  # which @mentions are links, and to whom
        post.is_sensitive,  # blurred behind "Sensitive: show"
        tuple((picture.variants_key, picture.alt_text) for picture in attachments_of(post)),
        _parent_author(post),  # "replying to @x", or to a deleted post
        getattr(post, "boosted_by", ""),  # "@x boosted"
        post.reply_count,
        post.like_count,
        post.boost_count,
        # The viewer's own state: the toggles' pressed state, the author's Delete button.
        signed_in,
        signed_in and bool(getattr(post, "liked", False)),
        signed_in and bool(getattr(post, "boosted", False)),
        signed_in and bool(getattr(post, "bookmarked", False)),
        signed_in and post.author_id == viewer.pk,
        page_wide,
    )
    return "post." + hashlib.md5(repr(inputs).encode(), usedforsecurity=False).hexdigest()


def load_mentions(posts) -> None:
    """Read whom the bodies of `posts` mention, from their Mention rows: one query, if any body has an "@".

    A mention is a link only when its row names a user, so "@nobody" stays text (a #tag
    needs no row: its page exists for any tag). Each post keeps them as
    `linked_mentions`, lowercased username -> username; posts that have them already
    are skipped. Plain rows rather than prefetch_related(): Django's prefetch builds a
    related manager and a filtered queryset per post and relation, which was ~5 ms of a
    page of 25 (docs/performance.md, change 16).
    """
    pending = {post.pk: post for post in posts if not hasattr(post, "linked_mentions")}
    for post in pending.values():
        post.linked_mentions = {}
    mentioning = [pk for pk, post in pending.items() if "@" in post.body]
    if not mentioning:
        return
    for post_id, name in Mention.objects.filter(post__in=mentioning).values_list("post_id", "user__username"):
        pending[post_id].linked_mentions[name.lower()] = name


def load_attachments(posts) -> None:
    """Read the pictures of `posts` in one query, or none when no post on the page has any.

    Each post keeps them, in order, as `pictures`; posts that have them already are
    skipped. `Post.attachment_count` says which posts have pictures, so the pages of text
    cost no query more than before. Plain rows, not prefetch_related(), for the reason
    load_mentions gives.
    """
    pending = {post.pk: post for post in posts if not hasattr(post, "pictures")}
    for post in pending.values():
        post.pictures = []
    # A post read without the column (not through for_display) is asked about too.
    with_pictures = [
        pk for pk, post in pending.items() if "attachment_count" in post.get_deferred_fields() or post.attachment_count
    ]
    if not with_pictures:
        return
    for picture in Attachment.objects.filter(post__in=with_pictures).order_by("post", "position"):
        pending[picture.post_id].pictures.append(picture)


def attachments_of(post) -> list:
    """Return the pictures of `post`, in order."""
    load_attachments([post])
    return post.pictures


def mention_names(post) -> dict[str, str]:
    """Return the users that `post` mentions, lowercased username -> username."""
    load_mentions([post])
    return post.linked_mentions


def _age_bucket(value, now) -> tuple[int, int]:
    """Return a value that changes exactly as often as the time reltime() shows may.

    Within a week that is naturaltime(value); after it, the date, which changes only with
    the year ("20 Nov" becomes "20 Nov 2024"), so older posts stay cached. The year is in
    every bucket: the date rides along in `data-date` for the page's script.
    """
    year = timezone.localtime(now).year
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return year, seconds
    if seconds >= SHOW_DATE_AFTER.total_seconds():
        return year, -1
    # Minutes within the first day ("5 minutes ago"), hours after ("2 days, 3 hours ago").
    return year, 100_000 + seconds // 60 if seconds < 86_400 else 10_000_000 + seconds // 3600


def _parent_author(post):
    """Return what "replying to" shows: the parent's author, "-" for a deleted parent, "" for none."""
    if post.in_reply_to_id is not None and post.in_reply_to is not None:
        return post.in_reply_to.author.username
    return "-" if post.is_reply else ""
