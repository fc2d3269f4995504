"""Template helpers for showing posts: safe links, <time> elements and language codes."""

import hashlib
import re

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.cache import cache
from django.utils import formats, timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Bare http(s) URLs; trailing punctuation stays outside the link.
_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)


@register.filter(is_safe=True)
def linkify(text, *, render=escape):
    """Escape `text`, then turn bare http(s) URLs into nofollow links.

    `render` turns the text between links into safe HTML; it must escape what it returns.
    """
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(render(text[last : match.start()]))
        url = match.group(0)
        parts.append(format_html('<a href="{}" rel="nofollow noopener" target="_blank">{}</a>', url, url))
        last = match.end()
    parts.append(render(text[last:]))
    return mark_safe("".join(str(part) for part in parts))  # safe: every part is escaped


@register.simple_tag
def reltime(value):
    """Render a <time> with a server-localized relative time that static/js/app.js refines."""
    if value is None:
        return ""
    return format_html(
        '<time datetime="{}" title="{}" data-relative>{}</time>',
        value.isoformat(),
        formats.date_format(timezone.localtime(value), "DATETIME_FORMAT"),
        naturaltime(value),
    )


@register.filter
def base_language(code):
    """Return the language of a code without its region or script: "pt-BR" -> "pt"."""
    return str(code or "").replace("_", "-").split("-")[0].lower()


# Long enough to serve a busy page from memory, short enough that the cache stays small.
POST_FRAGMENT_SECONDS = 300


def _age_bucket(value, now) -> int:
    """Return a number that changes exactly as often as naturaltime(value) may."""
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return seconds
    # Minutes within the first day ("5 minutes ago"), hours after ("2 days, 3 hours ago").
    return 100_000 + seconds // 60 if seconds < 86_400 else 10_000_000 + seconds // 3600


@register.filter
def age_bucket(value):
    """Return what changes exactly when {% reltime value %} may read differently (a cache key part)."""
    return "" if value is None else _age_bucket(value, timezone.now())


def _viewer_key(context) -> bytes:
    """Return what every post's fragment shares on this page: the viewer's language and time zone."""
    parts = (
        settings.AVATAR_PROVIDER,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        context.get("translator_enabled"),
    )
    return repr(parts).encode()


def _fragment_key(post, viewer_key: bytes, now, *, own: bool) -> str:
    """Return a cache key made of everything posts/_post.html shows for `post` to this viewer."""
    author = post.author
    parts = (
        own,  # the Delete button
        post.pk,
        post.body,
        post.language,
        post.created_at.timestamp(),
        _age_bucket(post.created_at, now),
        getattr(post, "highlighted_body", ""),
        author.username,
        author.email,  # the avatar
    )
    return "post-html:" + hashlib.blake2b(repr(parts).encode() + viewer_key, digest_size=16).hexdigest()


@register.simple_tag(takes_context=True)
def render_posts(context, posts):
    """Render posts/_post.html for each post, reusing the HTML of identical renderings.

    Rendering 25 posts was most of a feed page's time. A post looks the same to every
    viewer but its author (who also gets a Delete button; the form it submits, with the
    CSRF token, is in includes/chrome_forms.html), so copies come from the cache, keyed
    by everything the partial shows: a change to any of it (an edit, a new avatar, the
    relative time moving on, another language) is a new key.
    """
    template = context.template.engine.get_template("posts/_post.html")
    viewer_id = getattr(context.get("user"), "pk", None)
    now = timezone.now()
    viewer_key = _viewer_key(context)
    keys = {post.pk: _fragment_key(post, viewer_key, now, own=post.author_id == viewer_id) for post in posts}
    cached = cache.get_many(keys.values())
    rendered, fresh = [], {}
    for post in posts:
        key = keys[post.pk]
        html = cached.get(key)
        if html is None:
            with context.push(post=post):
                html = fresh[key] = template.render(context)
        rendered.append(html)
    if fresh:
        cache.set_many(fresh, POST_FRAGMENT_SECONDS)
    return mark_safe("".join(rendered))  # safe: each piece is a rendered template
