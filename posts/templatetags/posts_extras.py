"""Template helpers for showing posts: safe links, <time> elements, language codes and the
cache key of a post's shared HTML."""

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from posts.entities import segments, tag_key

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
    """Render `post.body` as safe HTML: URLs, and the mentions and tags that the post's rows hold, as links.

    The body is read by posts/entities.segments() only, as at publish time. A mention
    links to the profile only when the post's prefetched `mentions` name that user (so
    "@nobody" stays text), a tag only when its prefetched `tags` hold it; the link text
    is as written. `render` turns the plain text into safe HTML; it must escape it.
    """
    mentioned = mention_names(post)
    tagged = set(tag_names(post))
    parts = []
    for part in segments(post.body):
        if part.kind == "url":
            parts.append(_url_link(part.text))
        elif part.kind == "mention" and part.name.lower() in mentioned:
            url = reverse("posts:profile", args=[mentioned[part.name.lower()]])
            parts.append(format_html('<a href="{}" class="mention">{}</a>', url, part.text))
        elif part.kind == "tag" and tag_key(part.name) in tagged:
            url = reverse("posts:tag", args=[part.name])
            parts.append(format_html('<a href="{}" class="hashtag">{}</a>', url, part.text))
        else:
            parts.append(render(part.text))
    return mark_safe("".join(str(part) for part in parts))  # safe: every part is escaped


def mention_names(post) -> dict[str, str]:
    """Return the users that `post` mentions, lowercased username -> username (from the prefetch)."""
    return {mention.user.username.lower(): mention.user.username for mention in post.mentions.all()}


def tag_names(post) -> list[str]:
    """Return the keys of the tags that `post` carries (from the prefetch), sorted."""
    return sorted(tag_key(tag.name) for tag in post.tags.all())


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
        tuple(sorted(mention_names(post).values())),  # which @mentions are links, and to whom
        tuple(tag_names(post)),  # which #tags are links
        _parent_author(post),  # "replying to @x", or to a deleted post
        getattr(post, "boosted_by", ""),  # "@x boosted"
    )


def _parent_author(post):
    """Return what "replying to" shows: the parent's author, "-" for a deleted parent, "" for none."""
    if post.in_reply_to_id is not None and post.in_reply_to is not None:
        return post.in_reply_to.author.username
    return "-" if post.is_reply else ""


# The controls of posts/_post_actions.html: each is the URL `posts:<name>` with the post's
# id, a path segment below the post's own page (posts/urls.py).
ACTION_NAMES = ("reply", "like", "unlike", "boost", "unboost", "bookmark", "unbookmark", "likes", "boosts", "delete")


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
        "confirm_delete": _("Delete this post? This cannot be undone."),
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
