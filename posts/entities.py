"""The one reading of a post's text: URLs, @mentions and #hashtags.

`segments()` splits a body into plain text, URLs, mentions and tags. Publishing calls
`parse()` (built on it) to store Mention and Tag rows; rendering (posts_extras.linkify)
walks the same segments and links a mention or a tag only when the post's rows hold it.
So a body is read one way only, and a word that is not a mention when the post is
published never becomes a link later.
"""

import re
from dataclasses import dataclass
from typing import Literal

# Bare http(s) URLs; trailing punctuation stays outside the link. A mention or a tag
# inside a URL is part of the URL.
URL = r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
# @username as accounts/validators.py allows usernames (dots and dashes only between
# word characters, so "@ana." ends at "ana"). Not after a word character, "@", "." or
# "/": "ana@example.com" and "x/@y" are not mentions.
MENTION = r"(?<![\w@./])@(?P<mention>[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*)"
# #tag: Unicode letters, digits and "_", not all digits ("#1" is a number, not a tag).
# Not after a word character, "&" or "#": "a#b", "&#39;" and "##" are not tags.
TAG = r"(?<![\w&#])#(?P<tag>\w*[^\W\d]\w*)"

_TOKENS = re.compile(f"(?P<url>{URL})|{MENTION}|{TAG}", re.IGNORECASE)

# Longer names are not stored (the column limit) and not linked. The key counts too:
# case folding lengthens some names ("ß" folds to "ss").
TAG_MAX_LENGTH = 64


@dataclass(frozen=True)
class Segment:
    kind: Literal["text", "url", "mention", "tag"]
    text: str  # as written, "@Ana" or "#Django" included
    name: str = ""  # the username or the tag, without "@" or "#"


def segments(body: str) -> list[Segment]:
    """Split `body` into text, URL, mention and tag segments, in order."""
    parts, last = [], 0
    for match in _TOKENS.finditer(body):
        if match.start() > last:
            parts.append(Segment("text", body[last : match.start()]))
        if match.group("url"):
            parts.append(Segment("url", match.group(0)))
        elif match.group("mention"):
            parts.append(Segment("mention", match.group(0), match.group("mention")))
        elif max(len(match.group("tag")), len(tag_key(match.group("tag")))) <= TAG_MAX_LENGTH:
            parts.append(Segment("tag", match.group(0), match.group("tag")))
        else:
            parts.append(Segment("text", match.group(0)))
        last = match.end()
    if last < len(body):
        parts.append(Segment("text", body[last:]))
    return parts


@dataclass(frozen=True)
class Entities:
    mentions: list[str]  # usernames as written, first spelling of each, in order
    tags: list[str]  # tags as written, first spelling of each (case-insensitively), in order


def parse(body: str) -> Entities:
    """Return the distinct mentions and tags of `body`, in the order they appear."""
    mentions: dict[str, str] = {}
    tags: dict[str, str] = {}
    for segment in segments(body):
        if segment.kind == "mention":
            mentions.setdefault(segment.name.lower(), segment.name)
        elif segment.kind == "tag":
            tags.setdefault(tag_key(segment.name), segment.name)
    return Entities(mentions=list(mentions.values()), tags=list(tags.values()))


def tag_key(name: str) -> str:
    """Return the case-insensitive identity of a tag: "#Django" and "#django" are one tag."""
    return name.casefold()
