"""Template helpers for showing posts: safe links, <time> elements, language codes and the
cache key of a post's shared HTML."""

import re

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.loader import render_to_string
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


@register.simple_tag
def user_link(person):
    """Render accounts/_user_link.html for `person`, to place inside a translated sentence.

    `{% blocktranslate %}` takes variables, not includes: `{% user_link actor as actor_link %}`
    gives it the same link as everywhere else, already safe HTML.
    """
    return render_to_string("accounts/_user_link.html", {"person": person})


@register.filter
def base_language(code):
    """Return the language of a code without its region or script: "pt-BR" -> "pt"."""
    return str(code or "").replace("_", "-").split("-")[0].lower()


def _age_bucket(value, now) -> int:
    """Return a number that changes exactly as often as naturaltime(value) may."""
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return seconds
    # Minutes within the first day ("5 minutes ago"), hours after ("2 days, 3 hours ago").
    return 100_000 + seconds // 60 if seconds < 86_400 else 10_000_000 + seconds // 3600


@register.simple_tag(takes_context=True)
def post_fragment_key(context, post) -> tuple:
    """Return everything the cached part of posts/_post.html shows, as its cache key.

    The fragment is shared by every viewer who would see the same HTML, so each input
    that can change a byte of it is named here, and a change to any of them is a new key
    (never a stale post). Per-viewer parts, such as the author's Delete form, stay outside.
    """
    author = post.author
    return (
        post.pk,
        post.body,
        post.language,
        getattr(post, "highlighted_body", ""),  # search pages
        post.created_at.isoformat(),
        _age_bucket(post.created_at, timezone.now()),  # "5 minutes ago"
        author.username,
        author.email,  # with the username and the provider: the avatar
        settings.AVATAR_PROVIDER,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        bool(context.get("translator_enabled")),  # the Translate button
    )
