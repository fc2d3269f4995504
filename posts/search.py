"""Full-text search of posts on PostgreSQL or SQLite behind one function, search_posts().

Users type web-search syntax: words (all must match), "quoted phrases", `or` between
alternatives and `-word` or `-"phrase"` to exclude. A `#tag` (or `-#tag`) is not a word: it
finds (or drops) the posts carrying that tag, through the Tagging rows, whatever the words.
The text is parsed here into a small structure and re-serialized for each database, so raw input never reaches a query
language: PostgreSQL gets a cleaned string for websearch_to_tsquery(), SQLite gets FTS5
phrases built only from letters and digits. Highlights are built from escaped post text.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Exists, Expression, OuterRef, QuerySet
from django.db.models.expressions import Col, RawSQL
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from accounts.models import User
from posts.entities import TAG, tag_key
from posts.models import Post, PostQuerySet, Tagging
from posts.rendering import load_mentions
from posts.search_index import PG_COLUMN, PG_CONFIG, SQLITE_TABLE
from posts.templatetags.posts_extras import linkify, render_body

# Ranking reads every match, and a common word matches ~6% of the posts: rank only the
# newest this many, which the created_at index finds without reading the other matches
# (docs/performance.md has the measurements). Older matches are not listed.
SEARCH_WINDOW = 1000

# Longer input is cut: a search box query never needs more, and it bounds the work.
MAX_QUERY_LENGTH = 256
MAX_CLAUSES = 16

# How results can be ordered: "top" (best match first, the default) or "latest".
SORTS = ("top", "latest")

# A clause: an optional "-", then a "quoted phrase" (an unclosed quote runs to the end)
# or a bare word up to the next space or quote.
_CLAUSE = re.compile(r'(?P<negated>-?)(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
# What both indexes count as a word: runs of letters and digits.
_WORD = re.compile(r"[^\W_]+")
# A #tag term, as posts.entities reads tags in posts, with an optional "-" before it.
_TAG_TERM = re.compile(rf"(?:(?<=\s)|^)(?P<negated>-?){TAG}(?=\s|$)")


def normalize(word: str) -> str:
    """Fold case and accents the way both indexes do ("Café" -> "cafe")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class Clause:
    """A word or phrase the user typed: its text, its normalized words, excluded or not."""

    text: str
    terms: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """Alternatives (`or`), each a list of clauses that must all hold."""

    alternatives: tuple[tuple[Clause, ...], ...]

    def __bool__(self):
        return bool(self.alternatives)

    @property
    def terms(self) -> frozenset[str]:
        """Return the normalized words a result may contain, for highlighting."""
        return frozenset(
            term for clauses in self.alternatives for clause in clauses if not clause.negated for term in clause.terms
        )

    def as_websearch(self) -> str:
        """Return the query in websearch_to_tsquery syntax, every clause quoted."""
        return " or ".join(
            " ".join(f'{"-" if clause.negated else ""}"{clause.text}"' for clause in clauses)
            for clauses in self.alternatives
        )

    def as_fts5(self) -> str:
        """Return the query as an FTS5 expression of quoted phrases and explicit operators."""

        def phrase(clause):
            # Terms hold only letters and digits; doubling quotes is belt and braces.
            return '"{}"'.format(" ".join(clause.terms).replace('"', '""'))

        alternatives = []
        for clauses in self.alternatives:
            expression = " AND ".join(phrase(clause) for clause in clauses if not clause.negated)
            for clause in clauses:
                if clause.negated:
                    expression = f"({expression}) NOT {phrase(clause)}"
            alternatives.append(f"({expression})")
        return " OR ".join(alternatives)


def parse_query(text: str) -> ParsedQuery:
    """Parse web-search syntax; drop what cannot match or can only exclude."""
    text = text.replace("\x00", "")[:MAX_QUERY_LENGTH]
    alternatives, current, clause_count = [], [], 0
    for match in _CLAUSE.finditer(text):
        negated, phrase, word = bool(match["negated"]), match["phrase"], match["word"]
        if word is not None and not negated and word.lower() == "or" and current:
            alternatives.append(current)
            current = []
            continue
        source = phrase if phrase is not None else word
        terms = tuple(normalize(term) for term in _WORD.findall(source))
        if terms and clause_count < MAX_CLAUSES:
            current.append(Clause(text=source.strip(), terms=terms, negated=negated))
            clause_count += 1
    alternatives.append(current)
    # An alternative made only of exclusions would match nearly every post: FTS5 cannot
    # express it and on PostgreSQL no index could serve it.
    return ParsedQuery(
        tuple(tuple(clauses) for clauses in alternatives if any(not clause.negated for clause in clauses))
    )


@dataclass(frozen=True)
class TagTerms:
    """The #tags a query asks for (`wanted`) and rules out (`excluded`), as tag keys."""

    wanted: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.wanted)


def split_tags(text: str) -> tuple[str, TagTerms]:
    """Return `text` without its #tag terms, and those terms (at most MAX_CLAUSES of them)."""
    text = text.replace("\x00", "")[:MAX_QUERY_LENGTH]
    wanted, excluded = [], []
    for match in _TAG_TERM.finditer(text):
        if len(wanted) + len(excluded) < MAX_CLAUSES:
            (excluded if match["negated"] else wanted).append(tag_key(match["tag"]))
    return _TAG_TERM.sub(" ", text), TagTerms(tuple(dict.fromkeys(wanted)), tuple(dict.fromkeys(excluded)))


def _filter_tags(posts: PostQuerySet, tags: TagTerms, *, window: bool) -> PostQuerySet:
    """Keep the posts carrying every wanted tag and none of the excluded ones.

    With `window`, the candidates are the newest SEARCH_WINDOW posts of the first tag (a
    range of the tag's index), as full-text search ranks only the newest matches.
    """
    if window:
        first = Tagging.objects.filter(tag__key=tags.wanted[0]).order_by("-created_at")
        posts = posts.filter(pk__in=first.values("post_id")[:SEARCH_WINDOW])
    for key in tags.wanted[1 if window else 0 :]:
        posts = posts.filter(Exists(Tagging.objects.filter(post=OuterRef("pk"), tag__key=key)))
    for key in tags.excluded:
        posts = posts.exclude(Exists(Tagging.objects.filter(post=OuterRef("pk"), tag__key=key)))
    return posts


class _SearchVector(Expression):
    """The posts_post.search_vector column that migration 0004 adds on PostgreSQL."""

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        field = SearchVectorField()
        field.set_attributes_from_name(PG_COLUMN)
        # Known to expressions (which hash fields by model) but not in Post._meta, where
        # it would be selected and saved on every database.
        field.model = Post
        # A real column reference, so the alias is relabeled when used in a subquery.
        return Col(query.get_initial_alias(), field, output_field=field)


def _search_postgresql(posts: PostQuerySet, parsed: ParsedQuery) -> PostQuerySet:
    query = SearchQuery(parsed.as_websearch(), config=PG_CONFIG, search_type="websearch")
    newest = (
        Post.objects.alias(search_vector=_SearchVector())
        .filter(search_vector=query)
        .order_by("-created_at", "-pk")
        .values("pk")[:SEARCH_WINDOW]
    )
    return posts.filter(pk__in=newest).annotate(search_rank=SearchRank(_SearchVector(), query))


def _search_sqlite(posts: PostQuerySet, parsed: ParsedQuery) -> PostQuerySet:
    # The ORM has no model for the FTS5 table, and bm25() only works in the query that
    # runs MATCH on it, so the table is joined with extra(). bm25 is lower for better
    # matches: negate it so a higher search_rank means better on both databases.
    return posts.extra(  # fixed SQL; the one user-derived value is a parameter
        select={"search_rank": f"-bm25({SQLITE_TABLE})"},
        tables=[SQLITE_TABLE],
        where=[f"{SQLITE_TABLE}.rowid = posts_post.id", f"{SQLITE_TABLE} MATCH %s"],
        params=[parsed.as_fts5()],
    )


def filter_matching(posts: PostQuerySet, query: str) -> PostQuerySet:
    """Narrow any Post QuerySet to the posts matching `query`, unranked and unordered.

    For staff tools, which must see every post (deactivated authors' too) and keep their
    own ordering; the index still does the work instead of a substring scan.
    """
    parsed = parse_query(query)
    if not parsed:
        return posts.none()
    if connection.vendor == "postgresql":
        config_query = SearchQuery(parsed.as_websearch(), config=PG_CONFIG, search_type="websearch")
        return posts.alias(search_vector=_SearchVector()).filter(search_vector=config_query)
    if connection.vendor == "sqlite":
        matches = RawSQL(f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s", [parsed.as_fts5()])
        return posts.filter(pk__in=matches)
    raise NotImplementedError(f"No full-text search for the {connection.vendor} database.")


def search_posts(query: str, *, sort: str = "top") -> PostQuerySet:
    """Return the visible posts matching `query`, best match first (or, sorted "latest", newest first).

    A query of #tags only lists the posts carrying them, newest first.
    """
    words, tags = split_tags(query)
    parsed = parse_query(words)
    posts = Post.objects.for_display()
    if tags and not parsed:
        return _filter_tags(posts, tags, window=True).order_by("-created_at", "-pk")
    if not parsed:
        return posts.none()
    if tags or tags.excluded:
        posts = _filter_tags(posts, tags, window=False)
    if connection.vendor == "postgresql":
        posts = _search_postgresql(posts, parsed)
    elif connection.vendor == "sqlite":
        posts = _search_sqlite(posts, parsed)
    else:
        raise NotImplementedError(f"No full-text search for the {connection.vendor} database.")
    if sort == "latest":
        return posts.order_by("-created_at", "-pk")
    return posts.order_by("-search_rank", "-created_at", "-pk")


def people_words(query: str) -> tuple[str, ...]:
    """Return the lower-case words of `query` that a username or an about-me may hold.

    Exclusions (`-word`), #tags and `or` say something about posts only; a leading "@"
    is how people write a username. Quotes are dropped: a username has no spaces.
    """
    words = []
    for token in query.replace("\x00", "")[:MAX_QUERY_LENGTH].replace('"', " ").split():
        if token.startswith(("-", "#")) or token.lower() == "or":
            continue
        word = token.lstrip("@").lower()
        if _WORD.search(word) and word not in words:
            words.append(word)
    return tuple(words[:MAX_CLAUSES])


def search_people(query: str, viewer=None) -> QuerySet[User]:
    """Return the active users matching `query` whom `viewer` may see.

    Username prefix first, then the other usernames, then about-me.
    """
    return User.objects.visible_to(viewer).matching(people_words(query))


def highlight(text: str, query: str | ParsedQuery, *, post: Post | None = None) -> SafeString:
    """Return `text` escaped and linkified, with the words `query` looks for in <mark>.

    Given the `post` whose body `text` is, its mentions and tags are linked as well
    (posts_extras.render_body), as on every other list of posts.
    """
    terms = (query if isinstance(query, ParsedQuery) else parse_query(query)).terms

    def render(chunk: str) -> str:
        parts, last = [], 0
        for match in _WORD.finditer(chunk):
            if normalize(match.group()) in terms:
                parts.append(escape(chunk[last : match.start()]))
                parts.append(format_html("<mark>{}</mark>", match.group()))
                last = match.end()
        parts.append(escape(chunk[last:]))
        return "".join(parts)

    if post is not None:
        return render_body(post, render=render)
    return linkify(text, render=render)


def with_highlights(posts, query: str):
    """Set `highlighted_body` on each post (as posts/_post.html expects) and return them."""
    parsed = parse_query(query)
    load_mentions(posts)  # whom render_body links to, for the whole page in one query
    for post in posts:
        post.highlighted_body = highlight(post.body, parsed, post=post)
    return posts
