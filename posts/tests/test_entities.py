"""The one reading of a post's text: mentions, tags and URLs (posts/entities.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posts.entities import TAG_MAX_LENGTH, parse, segments, tag_key


def mentions(body):
    return parse(body).mentions


def tags(body):
    return parse(body).tags


# Mentions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("hi @ana", ["ana"]),
        ("@Ana and @ANA and @ana", ["Ana"]),  # one person, first spelling kept
        ("@ana.maria-lopez_2 says", ["ana.maria-lopez_2"]),
        ("thanks @ana.", ["ana"]),  # a sentence's full stop is not part of the name
        ("thanks @ana!", ["ana"]),
        ("(@ana), @bob; @carol: @dan?", ["ana", "bob", "carol", "dan"]),
        ("@ana-", ["ana"]),
        ("@ana..bob", ["ana..bob"]),  # dots between word characters stay (the validator decides)
        ("@bob @carol", ["bob", "carol"]),
    ],
)
def test_mentions_are_read_in_order_once_each(body, expected):
    assert mentions(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "mail ana@example.com",
        "see https://example.com/@ana and http://x.org/@bob/status",
        "x/@y",
        "a.@ana",
        "@@ana",
        "@",
        "@ ana",
        "@.ana",
    ],
)
def test_no_mention_in_emails_urls_or_after_another_at_sign(body):
    assert mentions(body) == []


# Tags ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("#django", ["django"]),
        ("#Django and #django and #DJANGO", ["Django"]),  # case-insensitive, first spelling kept
        ("#café #niño #Ελλάδα #日本", ["café", "niño", "Ελλάδα", "日本"]),
        # Not all digits: an underscore is enough, as on other microblogs.
        ("#python3 #2024_recap #_private #123_456", ["python3", "2024_recap", "_private", "123_456"]),
        ("#tag, #other. #last!", ["tag", "other", "last"]),
        ("(#wrapped)", ["wrapped"]),
        ("#Straße #STRASSE", ["Straße"]),  # casefold: ß is "ss"
    ],
)
def test_tags_are_letters_digits_and_underscores(body, expected):
    assert tags(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "#1",
        "#2024",
        "it&#39;s",
        "a#b",
        "##double",
        "#",
        "# spaced",
        "https://example.com/page#section",
        "https://example.com/#django",
    ],
)
def test_no_tag_for_numbers_entities_words_or_url_fragments(body):
    assert tags(body) == []


def test_a_tag_longer_than_the_column_is_not_a_tag():
    longest, too_long = "a" * TAG_MAX_LENGTH, "b" * (TAG_MAX_LENGTH + 1)

    assert tags(f"#{longest} #{too_long}") == [longest]
    assert [segment.kind for segment in segments(f"#{too_long}")] == ["text"]


def test_a_tag_whose_key_is_longer_than_the_column_is_not_a_tag():
    """Case folding lengthens "ß" to "ss": 40 of them would not fit Tag.key (an error on PostgreSQL)."""
    assert tags("#" + "ß" * 32) == ["ß" * 32]
    assert tags("#" + "ß" * 33) == []


def test_tag_key_is_the_casefolded_name():
    assert tag_key("Django") == tag_key("DJANGO") == "django"
    assert tag_key("Straße") == "strasse"


# Segments --------------------------------------------------------------------------------------


def test_segments_name_each_kind_and_keep_the_text_as_written():
    body = "Hi @Ana, see https://example.com/#x about #Django."

    assert [(segment.kind, segment.text, segment.name) for segment in segments(body)] == [
        ("text", "Hi ", ""),
        ("mention", "@Ana", "Ana"),
        ("text", ", see ", ""),
        ("url", "https://example.com/#x", ""),
        ("text", " about ", ""),
        ("tag", "#Django", "Django"),
        ("text", ".", ""),
    ]


def test_a_url_keeps_its_trailing_punctuation_outside():
    (url,) = [segment.text for segment in segments("go to (https://example.com/a?b=1).") if segment.kind == "url"]

    assert url == "https://example.com/a?b=1"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "plain text",
        "@ana",
        "#tag",
        "@ana@bob #a#b ##c &#39; https://x.org/@y#z.",
        "mail ana@example.com, https://a.b/c?d=e#f!",
        "#" + "x" * 100,
        "\u00e9\u0301 #\u00e9t\u00e9 @\u00e9",
        "line\nbreak @ana\t#tab",
    ],
)
def test_joining_the_segments_gives_the_body_back(body):
    assert "".join(segment.text for segment in segments(body)) == body


# Characters that start or stop tokens, to make the generated bodies hit the edges.
TRICKY = st.text(alphabet=st.sampled_from("@#&;./:-_ aZ9é日\n!?()") | st.characters(), max_size=140)


@given(TRICKY)
def test_segments_round_trip_any_text(body):
    parts = segments(body)

    assert "".join(segment.text for segment in parts) == body
    assert all(segment.text for segment in parts)  # no empty segment
    for segment in parts:
        if segment.kind == "mention":
            assert segment.text == f"@{segment.name}"
        elif segment.kind == "tag":
            assert segment.text == f"#{segment.name}"
            assert len(segment.name) <= TAG_MAX_LENGTH


@given(TRICKY)
def test_parse_returns_distinct_names_found_in_segments(body):
    entities = parse(body)
    names = {segment.name for segment in segments(body) if segment.kind in ("mention", "tag")}

    assert len({name.lower() for name in entities.mentions}) == len(entities.mentions)
    assert len({tag_key(name) for name in entities.tags}) == len(entities.tags)
    assert set(entities.mentions) | set(entities.tags) <= names
