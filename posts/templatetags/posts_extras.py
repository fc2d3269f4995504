"""Template helpers for showing posts: the cached post HTML, safe links, <time> elements and
language codes."""

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from posts import rendering
from posts.entities import segments
from posts.rendering import mention_names

register = template.Library()


def _url_link(url: str) -> str:
    return format_html('<a href="{}" rel="nofollow noopener" target="_blank">{}</a>', url, url)


@register.filter(is_safe=True)
def linkify(text, *, render=escape):
    """Escape `text`, then turn bare http(s) URLs into nofollow links (no mention or tag links).

    `render` turns the text between links into safe HTML; it must escape what it returns.
    """
    parts = [_url_link(part.text) if part.kind == "url" else render(part.text) for part in segments(text)]
    return mark_safe("".join(str(part) for part in parts))  # safe: every part is escaped


@register.filter(is_safe=True)
def render_body(post, render=escape):
    """Render `post.body` as safe HTML: URLs, tags, and the mentions that the post's rows hold, as links.

    The body is read by posts/entities.segments() only, as at publish time. A mention
    links to the profile only when the post's Mention rows name that user (so "@nobody"
    stays text; posts.rendering.load_mentions reads them for a whole list); every tag
    links to its page. The link text is as written. `render` turns the plain text into
    safe HTML; it must escape it.
    """
    mentioned = mention_names(post)
    parts = []
    for part in segments(post.body):
        if part.kind == "url":
            parts.append(_url_link(part.text))
        elif part.kind == "mention" and part.name.lower() in mentioned:
            url = reverse("posts:profile", args=[mentioned[part.name.lower()]])
            parts.append(format_html('<a href="{}" class="mention">{}</a>', url, part.text))
        elif part.kind == "tag":
            url = reverse("posts:tag", args=[part.name])
            parts.append(format_html('<a href="{}" class="hashtag">{}</a>', url, part.text))
        else:
            parts.append(render(part.text))
    return mark_safe("".join(str(part) for part in parts))  # safe: every part is escaped


@register.simple_tag
def reltime(value):
    """Render a <time>: a server-localized relative time that static/js/app.js refines.

    Past a week it shows the date instead ("20 Nov", with the year when not this year);
    `data-date` carries it, so a page left open shows it too once the week has passed.
    """
    if value is None:
        return ""
    local, now = timezone.localtime(value), timezone.now()
    date = formats.date_format(local, "j M" if local.year == timezone.localtime(now).year else "j M Y")
    return format_html(
        '<time datetime="{}" title="{}" data-relative data-date="{}">{}</time>',
        value.isoformat(),
        formats.date_format(local, "DATETIME_FORMAT"),
        date,
        date if now - value >= rendering.SHOW_DATE_AFTER else naturaltime(value),
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


@register.simple_tag(takes_context=True)
def render_posts(context, posts):
    """Render `posts` as the signed-in viewer sees them (posts/rendering.py: cached, one read a page)."""
    return mark_safe("".join(rendering.render_posts(posts, context["user"])))  # safe: rendered HTML


@register.simple_tag(takes_context=True)
def render_post(context, post):
    """Render one post, as render_posts does; a post already rendered for this page keeps its HTML."""
    if getattr(post, "html", None) is not None:
        return post.html
    return rendering.render_posts([post], context["user"])[0]


# The controls of posts/_post_actions.html: each is the URL `posts:<name>` with the post's
# id, a path segment below the post's own page (posts/urls.py).
ACTION_NAMES = (
    "reply",
    "like",
    "unlike",
    "boost",
    "unboost",
    "bookmark",
    "unbookmark",
    "likes",
    "boosts",
    "delete",
    "report",
    "edit",
    "history",
)


@register.simple_tag
def post_action_urls(post) -> dict[str, str]:
    """Return the URLs of a post's controls by name, from one reverse() of the post's page.

    The action bar links each post to up to twelve of them; a `{% url %}` for each was
    ~300 reverse() calls per page of 25, about 30 µs each (docs/performance.md, change 15).
    posts/tests/test_post_fragments.py checks every one against reverse().
    """
    base = reverse("posts:post", args=[post.pk])
    return {name: f"{base}{name}/" for name in ACTION_NAMES}


def _action_labels() -> dict[str, str]:
    return {
        "reply": _("Reply"),
        "like": _("Like"),
        "unlike": _("Unlike"),
        "boost": _("Boost"),
        "unboost": _("Undo boost"),
        "bookmark": _("Bookmark"),
        "unbookmark": _("Remove bookmark"),
        "delete": _("Delete"),
        "edit": _("Edit"),
        "confirm_delete": _("Delete this post? This cannot be undone."),
        "report_post": _("Report this post to the moderators"),
    }


_labels_by_language: dict[str, dict[str, str]] = {}


@register.simple_tag
def post_action_labels() -> dict[str, str]:
    """Return the words of a post's controls in the current language, translated once per process.

    Fifteen `{% translate %}` nodes per post were ~350 per page of 25, about 15 µs each
    (docs/performance.md, change 15); the catalogues do not change while a process runs.
    """
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language not in _labels_by_language:
        _labels_by_language[language] = _action_labels()
    return _labels_by_language[language]
