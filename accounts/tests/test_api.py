"""The users, tokens and follow endpoints of the REST API."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken, Follow, User
from accounts.services import issue_api_token
from accounts.tests.factories import DEFAULT_PASSWORD, FollowFactory, UserFactory, basic, bearer

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "plum tractor seventeen"


def register(client, **fields):
    return client.post("/api/users", fields, content_type="application/json")


def update(client, user_id, fields, *, as_user):
    return client.put(f"/api/users/{user_id}", fields, content_type="application/json", headers=bearer(as_user))


# --- tokens -------------------------------------------------------------------------


def test_basic_credentials_give_a_32_hex_token_stored_only_as_its_digest(client):
    user = UserFactory(username="ann")

    response = client.post("/api/tokens", headers=basic("ann"))

    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 32
    assert int(token, 16) >= 0
    row = ApiToken.objects.get(user=user)
    assert row.key_hash == ApiToken.hash_key(token)
    assert token not in (row.key_hash, row.seed)


def test_the_email_address_works_as_the_basic_username(client):
    UserFactory(username="ann", email="ann@example.com")

    response = client.post("/api/tokens", headers=basic("ANN@example.com"))

    assert response.status_code == 200


def test_asking_again_returns_the_same_token_while_it_is_fresh(client):
    UserFactory(username="ann")
    first = client.post("/api/tokens", headers=basic("ann")).json()["token"]

    with time_machine.travel(timezone.now() + timedelta(minutes=58)):
        again = client.post("/api/tokens", headers=basic("ann")).json()["token"]

    assert again == first
    assert ApiToken.objects.count() == 1


def test_in_its_last_minute_a_token_is_replaced_by_a_new_one(client):
    user = UserFactory(username="ann")
    first = client.post("/api/tokens", headers=basic("ann")).json()["token"]

    with time_machine.travel(timezone.now() + timedelta(minutes=59, seconds=30)):
        second = client.post("/api/tokens", headers=basic("ann")).json()["token"]
        still_valid = client.get(f"/api/users/{user.pk}", headers={"Authorization": f"Bearer {first}"})

    assert second != first
    assert still_valid.status_code == 200


def test_a_changed_secret_key_issues_a_new_token_instead_of_a_wrong_one(client, settings):
    user = UserFactory()
    old = issue_api_token(user=user)
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-the-test-0123456789"

    new = issue_api_token(user=user)

    assert new != old
    assert ApiToken.objects.for_key(new).get().user == user


def test_a_wrong_password_gets_401_with_a_basic_challenge(client):
    UserFactory(username="ann")

    response = client.post("/api/tokens", headers=basic("ann", "wrong"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.json()["error"] == "Unauthorized"


def test_no_credentials_at_all_get_401_with_a_basic_challenge(client):
    response = client.post("/api/tokens")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_an_inactive_user_cannot_get_a_token(client):
    UserFactory(username="ann", is_active=False)

    response = client.post("/api/tokens", headers=basic("ann"))

    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_an_inactive_users_token_stops_working(client):
    user = UserFactory()
    headers = bearer(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = client.get("/api/users", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoking_a_token_answers_204_and_the_token_then_gets_401(client):
    user = UserFactory()
    headers = bearer(user)

    revoked = client.delete("/api/tokens", headers=headers)
    after = client.get(f"/api/users/{user.pk}", headers=headers)

    assert revoked.status_code == 204
    assert revoked.content == b""
    assert after.status_code == 401
    assert after["WWW-Authenticate"] == "Bearer"
    assert not ApiToken.objects.exists()


def test_an_expired_token_gets_401(client):
    user = UserFactory()
    headers = bearer(user)

    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        response = client.get(f"/api/users/{user.pk}", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"error": "Unauthorized", "message": "Invalid, expired or revoked token."}


def test_a_session_login_does_not_authenticate_api_calls(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get("/api/users")

    assert response.status_code == 401


def test_a_session_cannot_post_without_a_token_so_there_is_no_csrf_hole():
    user = UserFactory()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)

    response = csrf_client.post("/api/posts", {"body": "forged"}, content_type="application/json")

    assert response.status_code == 401
    assert not user.posts.exists()


def test_token_requests_are_throttled_per_ip_even_with_wrong_passwords(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"tokens": "2/min"}}
    UserFactory(username="ann")

    statuses = [client.post("/api/tokens", headers=basic("ann", "guess")).status_code for _attempt in range(3)]
    blocked = client.post("/api/tokens", headers=basic("ann"))

    assert statuses == [401, 401, 429]
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert blocked.json()["error"] == "Too Many Requests"


def test_ratelimit_enabled_false_turns_the_throttles_off(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"tokens": "1/min"}}
    settings.RATELIMIT_ENABLED = False
    UserFactory(username="ann")

    statuses = {client.post("/api/tokens", headers=basic("ann")).status_code for _attempt in range(3)}

    assert statuses == {200}


# --- reading users ------------------------------------------------------------------


def test_a_user_has_microblogs_fields_counts_and_host_less_links(client):
    me, ann = UserFactory(), UserFactory(about_me="")
    FollowFactory(follower=me, followed=ann)

    response = client.get(f"/api/users/{ann.pk}", headers=bearer(me))

    data = response.json()
    assert response.status_code == 200
    assert set(data) == {
        "id",
        "username",
        "last_seen",
        "about_me",
        "post_count",
        "follower_count",
        "following_count",
        "_links",
    }
    assert data["about_me"] is None
    assert (data["post_count"], data["follower_count"], data["following_count"]) == (0, 1, 0)
    assert data["_links"] == {
        "self": f"/api/users/{ann.pk}",
        "followers": f"/api/users/{ann.pk}/followers",
        "following": f"/api/users/{ann.pk}/following",
        "avatar": "http://testserver" + ann.avatar(128),
    }
    assert datetime.fromisoformat(data["last_seen"]).tzinfo is not None


def test_your_own_record_includes_your_email(client):
    me = UserFactory(email="me@example.com")

    data = client.get(f"/api/users/{me.pk}", headers=bearer(me)).json()

    assert data["email"] == "me@example.com"


def test_an_unknown_or_inactive_user_is_a_json_404(client):
    me, gone = UserFactory(), UserFactory(is_active=False)

    missing = client.get("/api/users/999999", headers=bearer(me))
    inactive = client.get(f"/api/users/{gone.pk}", headers=bearer(me))

    assert missing.status_code == inactive.status_code == 404
    assert missing.json()["error"] == "Not Found"


def test_reading_users_needs_a_token(client):
    UserFactory()

    response = client.get("/api/users")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_user_list_is_paginated_with_links_that_keep_per_page(client):
    me = UserFactory()
    UserFactory.create_batch(4)

    response = client.get("/api/users?page=2&per_page=2", headers=bearer(me))

    data = response.json()
    assert [item["id"] for item in data["items"]] == sorted(User.objects.values_list("pk", flat=True))[2:4]
    assert data["_meta"] == {"page": 2, "per_page": 2, "total_pages": 3, "total_items": 5}
    assert data["_links"] == {
        "self": "/api/users?page=2&per_page=2",
        "next": "/api/users?page=3&per_page=2",
        "prev": "/api/users?page=1&per_page=2",
    }


@pytest.mark.parametrize(
    ("query", "page", "per_page"),
    [
        ("", 1, 10),
        ("?per_page=1000", 1, 100),
        ("?per_page=0&page=-3", 1, 1),
        ("?page=abc&per_page=", 1, 10),
        ("?page=99999999999999999999999", 99999999999999999999999, 10),
    ],
)
def test_bad_page_numbers_are_clamped_never_an_error(client, query, page, per_page):
    me = UserFactory()

    response = client.get(f"/api/users{query}", headers=bearer(me))

    assert response.status_code == 200
    assert response.json()["_meta"]["page"] == page
    assert response.json()["_meta"]["per_page"] == per_page


def test_followers_and_following_list_the_right_people(client):
    me, fan, idol = UserFactory.create_batch(3)
    FollowFactory(follower=fan, followed=me)
    FollowFactory(follower=me, followed=idol)

    followers = client.get(f"/api/users/{me.pk}/followers", headers=bearer(me)).json()
    following = client.get(f"/api/users/{me.pk}/following", headers=bearer(me)).json()

    assert [item["id"] for item in followers["items"]] == [fan.pk]
    assert [item["id"] for item in following["items"]] == [idol.pk]
    assert followers["_links"]["self"] == f"/api/users/{me.pk}/followers?page=1&per_page=10"


def test_followers_of_an_unknown_user_is_a_404(client):
    me = UserFactory()

    response = client.get("/api/users/999999/followers", headers=bearer(me))

    assert response.status_code == 404


def test_an_empty_collection_has_zero_pages(client):
    me = UserFactory()

    data = client.get(f"/api/users/{me.pk}/followers", headers=bearer(me)).json()

    assert data["items"] == []
    assert data["_meta"] == {"page": 1, "per_page": 10, "total_pages": 0, "total_items": 0}
    assert data["_links"]["next"] is None
    assert data["_links"]["prev"] is None


def _queries(client, path, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/api/users", "/api/users/{pk}/followers", "/api/users/{pk}/following"])
def test_user_collections_cost_the_same_queries_at_any_page_size(client, path):
    me = UserFactory()
    for other in UserFactory.create_batch(26):
        FollowFactory(follower=other, followed=me)
        FollowFactory(follower=me, followed=other)
    headers = bearer(me)
    path = path.format(pk=me.pk)

    small = _queries(client, f"{path}?per_page=1", headers)
    large = _queries(client, f"{path}?per_page=25", headers)

    assert small == large
    assert large <= 5  # token, blocks and mutes, (owner,) count, page


# --- registering --------------------------------------------------------------------


def test_registering_answers_201_with_a_location_and_the_user(client):
    response = register(client, username="ann", email="Ann@Example.COM", password=STRONG_PASSWORD, about_me="hi")

    user = User.objects.get(username="ann")
    assert response.status_code == 201
    assert response["Location"] == f"/api/users/{user.pk}"
    assert response.json()["id"] == user.pk
    assert response.json()["about_me"] == "hi"
    assert user.email == "Ann@example.com"
    assert user.check_password(STRONG_PASSWORD)


def test_registering_needs_no_token_and_ignores_a_bad_one(client):
    response = client.post(
        "/api/users",
        {"username": "ann", "email": "ann@example.com", "password": STRONG_PASSWORD},
        content_type="application/json",
        headers={"Authorization": "Bearer nonsense"},
    )

    assert response.status_code == 201


def test_registering_without_fields_says_which_are_missing(client):
    response = register(client, username="ann")

    data = response.json()
    assert response.status_code == 400
    assert data["error"] == "Bad Request"
    assert set(data["errors"]) == {"email", "password"}
    assert "email" in data["message"]
    assert "password" in data["message"]


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"username": "ANN", "email": "new@example.com"}, "username"),
        ({"username": "newbie", "email": "ANN@EXAMPLE.com"}, "email"),
        ({"username": "newbie", "email": "not-an-email"}, "email"),
        ({"username": "new bie!", "email": "new@example.com"}, "username"),
    ],
)
def test_registering_refuses_taken_or_malformed_identities(client, fields, bad_field):
    UserFactory(username="ann", email="ann@example.com")

    response = register(client, password=STRONG_PASSWORD, **fields)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [bad_field]


@pytest.mark.parametrize("password", ["short", "12345678901", "password123", "newbie1234"])
def test_registering_refuses_weak_passwords_with_djangos_validators(client, password):
    response = register(client, username="newbie", email="newbie@example.com", password=password)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["password"]
    assert not User.objects.exists()


def test_registering_is_throttled_per_ip(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"registrations": "1/hour"}}
    register(client, username="one", email="one@example.com", password=STRONG_PASSWORD)

    response = register(client, username="two", email="two@example.com", password=STRONG_PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"]
    assert not User.objects.filter(username="two").exists()


# --- updating yourself --------------------------------------------------------------


def test_you_can_update_your_own_username_email_and_about_me(client):
    me = UserFactory(username="ann")
    changes = {"username": "annie", "email": "annie@example.com", "about_me": "Hello"}

    response = update(client, me.pk, changes, as_user=me)

    me.refresh_from_db()
    assert response.status_code == 200
    assert (me.username, me.email, me.about_me) == ("annie", "annie@example.com", "Hello")
    assert response.json()["email"] == "annie@example.com"


def test_an_update_changes_only_the_fields_sent_and_never_the_password(client):
    me = UserFactory(username="ann", about_me="old")

    response = update(client, me.pk, {"about_me": "new", "password": "x"}, as_user=me)

    me.refresh_from_db()
    assert response.status_code == 200
    assert (me.username, me.about_me) == ("ann", "new")
    assert me.check_password(DEFAULT_PASSWORD)


def test_keeping_your_own_username_in_another_case_is_not_a_clash(client):
    me = UserFactory(username="ann")

    response = update(client, me.pk, {"username": "Ann"}, as_user=me)

    assert response.status_code == 200


def test_updating_to_someone_elses_email_in_any_case_is_refused(client):
    me = UserFactory()
    UserFactory(email="taken@example.com")

    response = update(client, me.pk, {"email": "TAKEN@example.com"}, as_user=me)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]


def test_updating_another_user_is_403(client):
    me, other = UserFactory(), UserFactory(username="other")

    response = update(client, other.pk, {"username": "x"}, as_user=me)

    other.refresh_from_db()
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert other.username == "other"


# --- following ----------------------------------------------------------------------


def test_following_and_unfollowing_are_idempotent_204s(client):
    me, ann = UserFactory.create_batch(2)
    headers = bearer(me)

    first = client.post(f"/api/users/{ann.pk}/follow", headers=headers)
    again = client.post(f"/api/users/{ann.pk}/follow", headers=headers)
    assert Follow.objects.filter(follower=me, followed=ann).count() == 1
    stop = client.delete(f"/api/users/{ann.pk}/follow", headers=headers)
    stop_again = client.delete(f"/api/users/{ann.pk}/follow", headers=headers)

    assert [first.status_code, again.status_code, stop.status_code, stop_again.status_code] == [204] * 4
    assert not Follow.objects.exists()


def test_following_yourself_is_a_400(client):
    me = UserFactory()

    response = client.post(f"/api/users/{me.pk}/follow", headers=bearer(me))

    assert response.status_code == 400
    assert response.json()["message"] == "You cannot follow yourself."


def test_following_an_unknown_user_is_a_404(client):
    me = UserFactory()

    response = client.post("/api/users/999999/follow", headers=bearer(me))

    assert response.status_code == 404


def test_writes_are_throttled_per_user(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "2/min"}}
    me, ann = UserFactory.create_batch(2)
    headers = bearer(me)

    statuses = [client.post(f"/api/users/{ann.pk}/follow", headers=headers).status_code for _attempt in range(3)]
    reads_still_work = client.get("/api/users", headers=headers)

    assert statuses == [204, 204, 429]
    assert reads_still_work.status_code == 200
