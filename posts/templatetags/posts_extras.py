"""Template helpers for showing posts: safe links, <time> elements and language codes."""

import re

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import formats, timezone
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
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part is escaped


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
