"""Who may see and change what: every URL of the project, anonymous and as another user.

The tables below name every URL pattern. A new URL that is in neither PUBLIC nor
PRIVATE fails `test_every_url_is_public_or_tested`: decide which it is and add a row.
"""

import json
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.tests.factories import DEFAULT_PASSWORD, NotificationFactory, UserFactory, bearer
from posts.models import Post
from posts.tests.factories import ExportJobFactory, MessageFactory, PostFactory

pytestmark = pytest.mark.django_db

# Open to anyone: sign-in and recovery, static-like resources, the API's public doors.
PUBLIC = {
    "accounts:login",
    "accounts:login_code",  # only for a session whose password step just passed; else back to sign-in
    "accounts:register",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",  # guarded by the signed token in the URL
    "accounts:password_reset_complete",
    "accounts:logout",  # POST; ends whatever session the caller has, if any
    "accounts:identicon",  # a picture drawn from a hash, no data
    "set_language",
    "javascript-catalog",
    "csp-report",
    "api:tokens",  # HTTP Basic or Bearer; tested in accounts/tests/test_api.py
    "api:openapi",
    "api:docs",
    "api:not_found",
    "admin:login",
    "admin:logout",
    "bench-ceiling",  # a plain "ok", and a 404 unless BENCH_MODE is on
    "bench-bare",  # the same, never reading the session
}


def args_for(world):
    """URL arguments for each private URL name, taken from Alice's data."""
    alice = world.alice.username
    return {
        "posts:home": [],
        "posts:explore": [],
        "posts:search": [],
        "posts:profile": [alice],
        "posts:profile_replies": [alice],
        "posts:post": [world.post.pk],
        "posts:reply": [world.post.pk],
        "posts:tag": ["django"],
        "posts:delete": [world.post.pk],
        "posts:edit": [world.post.pk],
        "posts:history": [world.post.pk],
        "posts:like": [world.post.pk],
        "posts:unlike": [world.post.pk],
        "posts:boost": [world.post.pk],
        "posts:unboost": [world.post.pk],
        "posts:bookmark": [world.post.pk],
        "posts:unbookmark": [world.post.pk],
        "posts:likes": [world.post.pk],
        "posts:boosts": [world.post.pk],
        "posts:report": [world.post.pk],
        "posts:report_user": [alice],
        "posts:bookmarks": [],
        "posts:send_message": [alice],
        "posts:messages": [],
        "posts:messages_sent": [],
        "posts:new_message": [],
        "posts:message_recipients": [],
        "posts:conversation": [world.carol.username],
        "posts:activity": [],
        "posts:export_posts": [],
        "posts:export_download": [world.job.pk],
        "posts:translate": [],
        "accounts:password_change": [],
        "accounts:edit_profile": [],
        "accounts:delete_account": [],
        "accounts:two_factor": [],
        "accounts:two_factor_setup": [],
        "accounts:recovery_codes": [],
        "accounts:two_factor_disable": [],
        "accounts:follow": [alice],
        "accounts:unfollow": [alice],
        "accounts:popup": [alice],
        "accounts:block": [alice],
        "accounts:unblock": [alice],
        "accounts:mute": [alice],
        "accounts:unmute": [alice],
        "accounts:blocks": [],
        "accounts:mutes": [],
        "accounts:followers": [alice],
        "accounts:following": [alice],
        "accounts:notifications": [],
        "api:users": [],
        "api:user": [world.alice.pk],
        "api:followers": [world.alice.pk],
        "api:following": [world.alice.pk],
        "api:follow": [world.alice.pk],
        "api:block": [world.alice.pk],
        "api:mute": [world.alice.pk],
        "api:blocks": [],
        "api:mutes": [],
        "api:user_posts": [world.alice.pk],
        "api:posts": [],
        "api:post": [world.post.pk],
        "api:feed": [],
        "api:post_context": [world.post.pk],
        "api:post_history": [world.post.pk],
        "api:post_like": [world.post.pk],
        "api:post_boost": [world.post.pk],
        "api:post_bookmark": [world.post.pk],
        "api:tag_posts": ["django"],
        "api:bookmarks": [],
        "api:notifications": [],
        "api:reports": [],
    }


# Name -> (method, what an anonymous caller gets): "login" is a redirect to the sign-in page;
# "read" is the page, read-only, while PUBLIC_READ is on, and "login" while it is off.
PRIVATE = {
    "posts:home": [("get", "read"), ("post", "login")],
    "posts:explore": [("get", "read")],
    "posts:search": [("get", "login")],
    "posts:profile": [("get", "read")],
    "posts:profile_replies": [("get", "read")],
    "posts:post": [("get", "read")],
    "posts:reply": [("get", "login"), ("post", "login")],
    "posts:tag": [("get", "read")],
    "posts:delete": [("post", "login")],
    "posts:edit": [("get", "login"), ("post", "login")],
    "posts:history": [("get", "read")],
    "posts:like": [("post", "login")],
    "posts:unlike": [("post", "login")],
    "posts:boost": [("post", "login")],
    "posts:unboost": [("post", "login")],
    "posts:bookmark": [("post", "login")],
    "posts:unbookmark": [("post", "login")],
    "posts:likes": [("get", "read")],
    "posts:boosts": [("get", "read")],
    "posts:report": [("get", "login"), ("post", "login")],
    "posts:report_user": [("get", "login"), ("post", "login")],
    "posts:bookmarks": [("get", "login")],
    "posts:send_message": [("get", "login"), ("post", "login")],
    "posts:messages": [("get", "login")],
    "posts:messages_sent": [("get", "login")],
    "posts:new_message": [("get", "login"), ("post", "login")],
    "posts:message_recipients": [("get", 401)],
    "posts:conversation": [("get", "login"), ("post", "login")],
    "posts:activity": [("get", "login")],
    "posts:export_posts": [("post", "login")],
    "posts:export_download": [("get", "login")],
    "posts:translate": [("post", 401)],
    "accounts:password_change": [("get", "login"), ("post", "login")],
    "accounts:edit_profile": [("get", "login"), ("post", "login")],
    "accounts:delete_account": [("get", "login"), ("post", "login")],
    "accounts:two_factor": [("get", "login")],
    "accounts:two_factor_setup": [("get", "login"), ("post", "login")],
    "accounts:recovery_codes": [("get", "login"), ("post", "login")],
    "accounts:two_factor_disable": [("get", "login"), ("post", "login")],
    "accounts:follow": [("post", "login")],
    "accounts:unfollow": [("post", "login")],
    "accounts:popup": [("get", "read")],
    "accounts:block": [("get", "login"), ("post", "login")],
    "accounts:unblock": [("post", "login")],
    "accounts:mute": [("get", "login"), ("post", "login")],
    "accounts:unmute": [("post", "login")],
    "accounts:blocks": [("get", "login")],
    "accounts:mutes": [("get", "login")],
    "accounts:followers": [("get", "read")],
    "accounts:following": [("get", "read")],
    "accounts:notifications": [("get", 401)],
    "api:users": [("get", 401)],  # POST (registration) is open, and throttled
    "api:user": [("get", 401), ("put", 401)],
    "api:followers": [("get", 401)],
    "api:following": [("get", 401)],
    "api:follow": [("post", 401), ("delete", 401)],
    "api:block": [("post", 401), ("delete", 401)],
    "api:mute": [("post", 401), ("delete", 401)],
    "api:blocks": [("get", 401)],
    "api:mutes": [("get", 401)],
    "api:user_posts": [("get", 401)],
    "api:posts": [("get", 401), ("post", 401)],
    "api:post": [("get", 401), ("patch", 401), ("delete", 401)],
    "api:feed": [("get", 401)],
    "api:post_context": [("get", 401)],
    "api:post_history": [("get", 401)],
    "api:post_like": [("post", 401), ("delete", 401)],
    "api:post_boost": [("post", 401), ("delete", 401)],
    "api:post_bookmark": [("post", 401), ("delete", 401)],
    "api:tag_posts": [("get", 401)],
    "api:bookmarks": [("get", 401)],
    "api:notifications": [("get", 401)],
    "api:reports": [("post", 401)],
}


def url_names(patterns=None, namespace=""):
    """Yield the qualified name of every URL pattern in the project."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        else:
            yield f"{namespace}{pattern.name or pattern.pattern}"


@pytest.fixture
def world():
    """Alice owns a post, a finished export, messages and notifications; Bob is someone else."""
    alice = UserFactory(username="alice", email="alice@example.com")
    bob = UserFactory(username="bob", email="bob@example.com")
    carol = UserFactory(username="carol")
    return SimpleNamespace(
        alice=alice,
        bob=bob,
        carol=carol,
        post=PostFactory(author=alice, body="alice's post"),
        job=ExportJobFactory(
            user=alice,
            result=__import__("gzip").compress(b'{"posts": ["alice secret export"]}'),
            result_expires_at=timezone.now() + timezone.timedelta(days=1),
        ),
        received=MessageFactory(sender=carol, recipient=alice, body="carol to alice, private"),
        sent=MessageFactory(sender=alice, recipient=carol, body="alice to carol, private"),
        notice=NotificationFactory(user=alice, name="task_progress", payload={"progress": 7}),
    )


def test_every_url_is_public_or_tested():
    names = {name for name in url_names() if not name.startswith("admin:")}

    untested = names - PUBLIC - set(PRIVATE)
    stale = (PUBLIC | set(PRIVATE)) - set(url_names())

    assert not untested, f"add these URLs to PUBLIC or PRIVATE in this module: {sorted(untested)}"
    assert not stale, f"these names are no longer URLs: {sorted(stale)}"


@pytest.mark.parametrize(
    ("name", "method", "expected"),
    [(name, method, expected) for name, rows in PRIVATE.items() for method, expected in rows],
)
def test_anonymous_callers_are_sent_to_sign_in_or_refused(client, world, name, method, expected):
    url = reverse(name, args=args_for(world)[name])
    posts_before, users_before = Post.objects.count(), User.objects.count()

    response = (
        getattr(client, method)(url, content_type="application/json")
        if name.startswith("api:")
        else (getattr(client, method)(url))
    )

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    elif expected == "read":
        assert response.status_code == 200
        assert b'id="actions-form"' not in response.content  # nothing on the page can change anything
    else:
        assert response.status_code == expected
        assert response["Content-Type"] == "application/json"
    assert (Post.objects.count(), User.objects.count()) == (posts_before, users_before)


@pytest.mark.parametrize(
    "name", [name for name, rows in PRIVATE.items() if any(expected == "read" for _method, expected in rows)]
)
def test_without_public_read_visitors_are_sent_to_sign_in_from_every_page(client, world, settings, name):
    settings.PUBLIC_READ = False
    url = reverse(name, args=args_for(world)[name])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_a_session_without_a_token_is_anonymous_to_the_api(client, world):
    client.force_login(world.bob)

    body = json.dumps({"body": "x", "about_me": "x"})
    responses = [
        client.get("/api/feed"),
        client.post("/api/posts", body, content_type="application/json"),
        client.put(f"/api/users/{world.bob.pk}", body, content_type="application/json"),
        client.delete(f"/api/posts/{world.post.pk}"),
    ]

    assert [response.status_code for response in responses] == [401] * 4
    assert not Post.objects.filter(author=world.bob).exists()


# ---------------------------------------------------------------------------
# Another signed-in user (IDOR)
# ---------------------------------------------------------------------------


@pytest.fixture
def as_bob(client, world):
    client.force_login(world.bob)
    return client


def test_others_cannot_download_an_export(as_bob, world):
    response = as_bob.get(reverse("posts:export_download", args=[world.job.pk]))

    assert response.status_code == 404
    assert b"alice secret export" not in response.content


def test_others_cannot_delete_a_post(as_bob, world):
    response = as_bob.post(reverse("posts:delete", args=[world.post.pk]))

    assert response.status_code == 404
    assert Post.objects.filter(pk=world.post.pk).exists()


def test_others_cannot_edit_a_post(as_bob, world):
    form = as_bob.get(reverse("posts:edit", args=[world.post.pk]))
    response = as_bob.post(reverse("posts:edit", args=[world.post.pk]), {"body": "bob was here"})

    assert (form.status_code, response.status_code) == (404, 404)
    world.post.refresh_from_db()
    assert world.post.body == "alice's post"
    assert not world.post.edits.exists()


@pytest.mark.parametrize(
    "url", [reverse("posts:messages"), reverse("posts:conversation", args=["alice"]), "/messages/@carol/"]
)
def test_mailboxes_show_only_ones_own_messages(as_bob, world, url):
    response = as_bob.get(url)

    assert response.status_code == 200
    assert b"private" not in response.content


def test_opening_a_conversation_with_the_same_person_marks_only_ones_own_messages_read(as_bob, world):
    as_bob.get(reverse("posts:conversation", args=["carol"]))

    world.received.refresh_from_db()
    assert world.received.read_at is None
    assert User.objects.get(pk=world.alice.pk).unread_message_count == 1


def test_opening_ones_inbox_marks_only_ones_own_messages_read(as_bob, world):
    as_bob.get(reverse("posts:messages"))

    world.alice.refresh_from_db()
    assert world.alice.last_message_read_time is None
    assert world.alice.unread_message_count == 1


def test_notifications_are_only_ones_own(as_bob, world):
    response = as_bob.get(reverse("accounts:notifications"), {"since": 0})

    assert response.status_code == 200
    assert response.json() == [  # bob's own
        {"name": "unread_message_count", "data": 0, "timestamp": 0},
        {"name": "unread_activity_count", "data": 0, "timestamp": 0},
    ]


def test_edit_profile_changes_only_the_signed_in_user(as_bob, world):
    response = as_bob.post(
        reverse("accounts:edit_profile"), {"username": "bob", "about_me": "bob here", "pk": world.alice.pk}
    )

    world.alice.refresh_from_db()
    world.bob.refresh_from_db()
    assert response.status_code == 302
    assert world.bob.about_me == "bob here"
    assert world.alice.about_me != "bob here"


def test_delete_account_deletes_only_the_signed_in_user(as_bob, world):
    response = as_bob.post(
        reverse("accounts:delete_account"), {"password": DEFAULT_PASSWORD, "username": "alice", "pk": world.alice.pk}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=world.bob.pk).exists()
    assert User.objects.filter(pk=world.alice.pk).exists()


def test_the_api_refuses_changes_to_others_resources(client, world):
    headers = bearer(world.bob)

    put = client.put(
        reverse("api:user", args=[world.alice.pk]),
        json.dumps({"about_me": "hacked", "email": "bob2@example.com"}),
        content_type="application/json",
        headers=headers,
    )
    delete = client.delete(reverse("api:post", args=[world.post.pk]), headers=headers)

    world.alice.refresh_from_db()
    assert put.status_code == 403
    assert delete.status_code == 403
    assert world.alice.about_me != "hacked"
    assert Post.objects.filter(pk=world.post.pk).exists()


def test_the_api_shows_an_email_only_to_its_owner(client, world):
    headers = bearer(world.bob)

    alice = client.get(reverse("api:user", args=[world.alice.pk]), headers=headers).json()
    bob = client.get(reverse("api:user", args=[world.bob.pk]), headers=headers).json()
    listing = client.get(reverse("api:users"), headers=headers).content.decode()
    posts = client.get(reverse("api:posts"), headers=headers).content.decode()

    assert "email" not in alice
    assert bob["email"] == "bob@example.com"
    assert "alice@example.com" not in listing
    assert "alice@example.com" not in posts


def test_revoking_a_token_only_revokes_ones_own(client, world):
    alice_headers = bearer(world.alice)
    bob_headers = bearer(world.bob)

    client.delete(reverse("api:tokens"), headers=bob_headers)

    assert client.get(reverse("api:feed"), headers=alice_headers).status_code == 200
    assert client.get(reverse("api:feed"), headers=bob_headers).status_code == 401
    assert ApiToken.objects.filter(user=world.alice).exists()


# ---------------------------------------------------------------------------
# The admin
# ---------------------------------------------------------------------------


def admin_urls():
    """Yield (name, url) for every admin page, with placeholder arguments where needed."""
    for name in url_names():
        # Unnamed admin patterns only redirect old-style object URLs to named ones.
        if not name.startswith("admin:") or name in PUBLIC or "<" in name:
            continue
        for args in ([], ["1"], ["accounts"], ["1", "1"]):
            try:
                yield name, reverse(name, args=args)
                break
            except NoReverseMatch:
                continue
        else:
            raise AssertionError(f"cannot build a URL for {name}")


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_admin_is_closed_to_everyone_but_staff(world, who):
    client = Client()
    if who == "member":
        client.force_login(world.bob)
    urls = list(admin_urls())

    statuses = {name: client.get(url) for name, url in urls}

    assert len(urls) > 40
    for name, response in statuses.items():
        assert response.status_code == 302, name
        assert re.match(r"^/admin/login/\?next=", response["Location"]), name
