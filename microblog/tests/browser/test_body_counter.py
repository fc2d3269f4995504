"""The page's character counter and the server apply one body rule (posts/body.py)."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from posts.body import BODY_MAX_LENGTH, normalize_body
from posts.forms import PostForm
from posts.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points, 11 UTF-16 units

SAMPLES = [
    "hello",
    "x" * 140,
    "x" * 141,
    FAMILY * 20,
    FAMILY * 20 + "x",
    "a\r\n" * 69 + "ab",
    "a\r\n" * 70 + "a",
    "line\rbreak",
    "\u200b",
    "\ufeff\u2060 \u200b\r\n",
    " \u200b" + "y" * 140 + "\u2060\ufeff ",
    "a\u200db",
    # Python's str.isspace() and JavaScript's \s disagree on these: the rule is Python's.
    "\x1c\x1d\x1e\x1f\x85\u00a0\u3000\u180e" + "z" * 140 + "\u00ad",
    "\x85",
    " " * 300 + "x" + "\u2060" * 300,  # long blank ends, as a paste may bring
]

MEASURE = """(field, text) => {
    field.value = text;
    field.dispatchEvent(new Event("input"));
    const counter = document.querySelector("[data-char-counter-for=id_body]");
    return {valid: field.checkValidity(), counter: counter.textContent};
}"""


def counter_text(length: int) -> str:
    left = BODY_MAX_LENGTH - length  # negative past the limit: "-3 characters left"
    return f"{left} character left" if abs(left) == 1 else f"{left} characters left"


def test_the_counter_counts_and_refuses_exactly_what_the_server_does(page, log_in):
    log_in(page, UserFactory())
    page.goto("/")
    field = page.locator("#id_body")

    for text in SAMPLES:
        seen = field.evaluate(MEASURE, text)

        server = {"valid": PostForm(data={"body": text}).is_valid(), "counter": counter_text(len(normalize_body(text)))}
        assert seen == server, ascii(text)


def test_a_post_the_counter_accepts_is_published_and_one_it_refuses_is_not_sent(page, log_in):
    log_in(page, UserFactory())
    page.goto("/")
    field = page.get_by_label("Say something")
    body = FAMILY * 19 + "\n" + "x" * 6  # 140 code points; the browser sends the line break as "\r\n"

    field.fill(FAMILY * 20 + "x")
    expect(page.locator("[data-char-counter-for=id_body]")).to_have_text("-1 character left")
    assert not field.evaluate("(field) => field.form.checkValidity()")
    field.fill(body)
    expect(page.locator("[data-char-counter-for=id_body]")).to_have_text("0 characters left")
    page.get_by_role("button", name="Post").click()

    expect(page.get_by_role("alert")).to_contain_text("Your post is now live!")
    assert list(Post.objects.values_list("body", flat=True)) == [body]
