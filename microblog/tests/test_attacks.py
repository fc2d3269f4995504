"""What an attacker would try: forged requests, open redirects, fixation, enumeration, guessing, stolen tokens.

Accepted and documented in docs/security.md: registration says a username or email is
taken (it must, to be usable), so it reveals which accounts exist; it is throttled per IP.
"""

import json
import statistics
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Follow, Notification, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, basic, bearer
from posts.models import ExportJob, Message, Post
from posts.tests.factories import MessageFactory, PostFactory

pytestmark = pytest.mark.django_db

EVIL = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example", "javascript:alert(1)"]


def snapshot(*users):
    """Everything a state-changing request could alter, bar last-seen times."""
    return {
        "posts": sorted(Post.objects.values_list("pk", "body")),
        "messages": Message.objects.count(),
        "follows": sorted(Follow.objects.values_list("follower", "followed")),
        "exports": ExportJob.objects.count(),
        "notifications": sorted(Notification.objects.values_list("user", "name", "payload")),
        "users": sorted(User.objects.values_list("pk", "username", "about_me", "password", "is_active")),
    }


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


# ---------------------------------------------------------------------------
# Cross-site request forgery
# ---------------------------------------------------------------------------


def state_changing_requests(alice, bob):
    """(name, path, data, content type) for every route that writes, as Alice would send them."""
    post = PostFactory(author=alice)
    new_password = "another fine passphrase 9"
    return [
        ("follow", reverse("accounts:follow", args=["bob"]), {}, None),
        ("unfollow", reverse("accounts:unfollow", args=["bob"]), {}, None),
        ("post", reverse("posts:home"), {"body": "forged post"}, None),
        ("delete post", reverse("posts:delete", args=[post.pk]), {}, None),
        ("send message", reverse("posts:send_message", args=["bob"]), {"body": "forged"}, None),
        ("export", reverse("posts:export_posts"), {}, None),
        ("translate", reverse("posts:translate"), json.dumps({"text": "hola"}), "application/json"),
        ("set language", reverse("set_language"), {"language": "es", "next": "/"}, None),
        ("logout", reverse("accounts:logout"), {}, None),
        ("edit profile", reverse("accounts:edit_profile"), {"username": "mallory", "about_me": "pwned"}, None),
        ("delete account", reverse("accounts:delete_account"), {"password": DEFAULT_PASSWORD}, None),
        (
            "password change",
            reverse("accounts:password_change"),
            {"old_password": DEFAULT_PASSWORD, "new_password1": new_password, "new_password2": new_password},
            None,
        ),
    ]


@pytest.mark.parametrize("token", [None, "forged-token-forged-token-forged!"])
def test_every_state_changing_route_refuses_a_request_without_a_valid_csrf_token(alice, bob, token):
    Follow.objects.create(follower=alice, followed=bob)
    requests = state_changing_requests(alice, bob)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = snapshot()

    for name, path, data, content_type in requests:
        if token and content_type is None:
            data = {**data, "csrfmiddlewaretoken": token}
        headers = {"X-CSRFToken": token} if token and content_type else {}
        kwargs = {"content_type": content_type} if content_type else {}

        response = client.post(path, data, headers=headers, **kwargs)

        assert response.status_code == 403, name
    assert snapshot() == before
    assert client.session.get("_auth_user_id") == str(alice.pk)
    assert client.cookies.get(settings.LANGUAGE_COOKIE_NAME) is None


def test_the_same_routes_work_with_the_token_so_the_403s_above_are_the_csrf_check(alice, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(reverse("posts:home"))  # sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(reverse("posts:home"), {"body": "real post", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Post.objects.filter(body="real post").exists()


def test_the_api_ignores_the_session_so_it_has_nothing_to_forge(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post("/api/posts", json.dumps({"body": "forged"}), content_type="application/json")

    assert response.status_code == 401
    assert not Post.objects.exists()


def test_get_requests_change_nothing(client, alice, bob):
    PostFactory(author=bob, body="bob's post")
    MessageFactory(sender=bob, recipient=alice)
    client.force_login(alice)
    before = snapshot()
    # posts:conversation and posts:activity are left out on purpose: opening them marks things read.
    paths = [
        reverse("posts:home"),
        reverse("posts:explore"),
        reverse("posts:search") + "?q=post",
        reverse("posts:profile", args=["bob"]),
        reverse("posts:messages"),
        reverse("posts:messages_sent"),
        reverse("posts:new_message"),
        reverse("posts:message_recipients") + "?q=b",
        reverse("accounts:popup", args=["bob"]),
        reverse("accounts:followers", args=["bob"]),
        reverse("accounts:notifications") + "?since=0",
        reverse("accounts:edit_profile"),
        reverse("accounts:delete_account"),
        reverse("accounts:password_change"),
        reverse("accounts:follow", args=["bob"]),
        reverse("accounts:unfollow", args=["bob"]),
        reverse("posts:delete", args=[Post.objects.get().pk]),
        reverse("posts:export_posts"),
        reverse("posts:translate"),
        reverse("accounts:logout"),
        reverse("set_language") + "?language=es",
    ]

    statuses = {path: client.get(path).status_code for path in paths}

    assert snapshot() == before
    assert all(status in {200, 302, 405} for status in statuses.values()), statuses
    assert client.session.get("_auth_user_id") == str(alice.pk)


# ---------------------------------------------------------------------------
# Open redirects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", EVIL)
def test_login_never_redirects_off_site(client, alice, target):
    response = client.post(
        reverse("accounts:login") + f"?next={target}", {"username": "alice", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


@pytest.mark.parametrize("target", EVIL)
@pytest.mark.parametrize("route", ["follow", "unfollow", "export", "set_language"])
def test_post_forms_never_redirect_off_site(client, alice, bob, target, route):
    client.force_login(alice)
    path = {
        "follow": reverse("accounts:follow", args=["bob"]),
        "unfollow": reverse("accounts:unfollow", args=["bob"]),
        "export": reverse("posts:export_posts"),
        "set_language": reverse("set_language"),
    }[route]

    response = client.post(path, {"next": target, "language": "es"})

    assert response.status_code == 302
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith(("//", "/\\"))


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_key(client, alice):
    client.get(reverse("accounts:login"))
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key

    client.post(reverse("accounts:login"), {"username": "alice", "password": DEFAULT_PASSWORD})

    assert client.session.session_key != planted_key
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_signing_out_ends_the_session_on_the_server(client, alice):
    client.force_login(alice)
    old_key = client.session.session_key

    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key

    assert replay.get(reverse("posts:messages")).status_code == 302


# ---------------------------------------------------------------------------
# Who has an account here?
# ---------------------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_emails(client, alice):
    known = client.post(reverse("accounts:password_reset"), {"email": alice.email})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_login_errors_do_not_say_whether_the_account_exists(client, alice):
    wrong_password = client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    no_account = client.post(reverse("accounts:login"), {"username": "nobody", "password": "nope"})

    assert wrong_password.context["form"].non_field_errors() == no_account.context["form"].non_field_errors()


def test_password_reset_takes_about_as_long_for_known_and_unknown_emails(client, alice, settings):
    settings.RATELIMIT_ENABLED = False

    def timed(email):
        started = time.perf_counter()
        client.post(reverse("accounts:password_reset"), {"email": email})
        return time.perf_counter() - started

    timed(alice.email), timed("warm@example.com")  # warm template and query caches
    known = statistics.median(timed(alice.email) for _run in range(7))
    unknown = statistics.median(timed("nobody@example.com") for _run in range(7))

    # Generous: the email is built and handed to the backend synchronously (see docs/security.md).
    assert known - unknown < 0.1


# ---------------------------------------------------------------------------
# Guessing and stolen tokens
# ---------------------------------------------------------------------------


def test_guessing_passwords_through_the_api_is_throttled(client, alice, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "tokens": "3/min"},
    }

    statuses = [client.post("/api/tokens", headers=basic("alice", f"guess{n}")).status_code for n in range(4)]

    assert statuses == [401, 401, 401, 429]


def test_an_over_long_login_is_refused_cleanly(client):
    page = client.post(reverse("accounts:login"), {"username": "x" * 300, "password": "pw"})
    api = client.post("/api/tokens", headers=basic("x" * 300, "pw"))

    assert page.status_code == 200
    assert page.context["form"].errors
    assert api.status_code == 401


def test_a_revoked_token_is_dead(client, alice):
    headers = bearer(alice)

    revoked = client.delete("/api/tokens", headers=headers)
    reused = client.get("/api/feed", headers=headers)

    assert revoked.status_code == 204
    assert reused.status_code == 401


def test_an_expired_token_is_dead(client, alice):
    headers = bearer(alice)

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        response = client.get("/api/feed", headers=headers)

    assert response.status_code == 401


def test_a_deactivated_users_token_is_dead(client, alice):
    headers = bearer(alice)
    alice.is_active = False
    alice.save()

    assert client.get("/api/feed", headers=headers).status_code == 401


def test_api_responses_never_carry_password_hashes_or_other_peoples_emails(client, alice, bob):
    PostFactory(author=bob)
    headers = bearer(alice)

    bodies = "".join(
        client.get(path, headers=headers).content.decode()
        for path in ["/api/users", f"/api/users/{bob.pk}", "/api/posts", f"/api/users/{bob.pk}/posts", "/api/feed"]
    )

    assert bob.email not in bodies
    assert "md5$" not in bodies
    assert "password" not in bodies


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/user/a%00b/"),
        ("get", "/user/a%00b/replies/"),
        ("get", "/user/a%00b/followers/"),
        ("get", "/user/a%00b/following/"),
        ("get", "/user/a%00b/popup/"),
        ("get", "/send_message/a%00b/"),
        ("get", "/messages/@a%00b/"),
        ("post", "/follow/a%00b/"),
        ("post", "/unfollow/a%00b/"),
    ],
)
def test_a_nul_character_in_a_username_path_is_a_404_not_a_500(client, alice, method, path):
    # PostgreSQL refuses NUL inside a query; the <username:...> converter never lets one through.
    client.force_login(alice)

    assert getattr(client, method)(path).status_code == 404
