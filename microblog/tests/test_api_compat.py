"""A client written for microblog's API (Flask Mega-Tutorial, chapter 23) works unchanged.

Each test follows microblog's documented behaviour: the request a microblog client
sends, and the status, headers and JSON it expects back.
"""

import base64
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory, bearer
from microblog.urls import api_patterns
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

failing_urls = pytest.mark.urls("microblog.tests.failing_urls")

PASSWORD = "an extremely long pass phrase"


class MicroblogClient:
    """What a microblog API client does, spelled with Django's test client."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def register(self, username, email=None, password=PASSWORD, **fields):
        data = {"username": username, "email": email or f"{username}@example.com", "password": password, **fields}
        return self.client.post("/api/users", data, content_type="application/json")

    def get_token(self, username, password=PASSWORD):
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
        response = self.client.post("/api/tokens", headers={"Authorization": f"Basic {credentials}"})
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def get(self, path):
        return self.client.get(path, headers=self._headers())

    def put(self, path, data):
        return self.client.put(path, data, content_type="application/json", headers=self._headers())

    def delete(self, path):
        return self.client.delete(path, headers=self._headers())


@pytest.fixture
def api(client):
    return MicroblogClient(client)


def test_create_user_answers_201_with_location_and_the_user(api):
    response = api.register("susan", about_me="Hi!")

    data = response.json()
    assert response.status_code == 201
    assert response["Location"] == f"/api/users/{data['id']}"
    assert data["username"] == "susan"
    assert data["about_me"] == "Hi!"
    assert data["_links"]["self"] == response["Location"]


def test_create_user_without_required_fields_is_400_with_a_message(api):
    response = api.client.post("/api/users", {"username": "susan"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert response.json()["message"]


def test_create_user_with_a_taken_username_or_email_is_400(api):
    api.register("susan")

    same_name = api.register("Susan", email="other@example.com")
    same_email = api.register("other", email="SUSAN@example.com")

    assert same_name.status_code == same_email.status_code == 400
    assert "username" in same_name.json()["message"]
    assert "email" in same_email.json()["message"]


def test_get_token_then_read_yourself_with_email(api):
    user_id = api.register("susan").json()["id"]

    token_response = api.get_token("susan")
    me = api.get(f"/api/users/{user_id}")

    assert token_response.status_code == 200
    assert len(api.token) == 32
    assert me.status_code == 200
    assert me.json()["email"] == "susan@example.com"
    assert set(me.json()["_links"]) == {"self", "followers", "following", "avatar"}


@pytest.mark.parametrize(
    ("provider", "prefix"), [("local", "http://testserver/avatar/"), ("gravatar", "https://www.gravatar.com/avatar/")]
)
def test_the_avatar_link_is_an_absolute_url_for_img_tags_on_another_origin(api, settings, provider, prefix):
    settings.AVATAR_PROVIDER = provider
    user_id = api.register("susan").json()["id"]
    api.get_token("susan")
    api.client.post("/api/posts", {"body": "hi"}, content_type="application/json", headers=api._headers())

    user = api.get(f"/api/users/{user_id}").json()
    post = api.get("/api/feed").json()["items"][0]

    assert user["_links"]["avatar"].startswith(prefix)
    assert user["_links"]["avatar"].endswith("s=128")
    assert post["author"]["_links"]["avatar"] == user["_links"]["avatar"]


def test_other_users_records_carry_no_email(api):
    other_id = api.register("david").json()["id"]
    api.register("susan")
    api.get_token("susan")

    data = api.get(f"/api/users/{other_id}").json()

    assert "email" not in data
    assert (data["post_count"], data["follower_count"], data["following_count"]) == (0, 0, 0)


def test_get_users_pages_with_links_that_carry_page_and_per_page(api):
    for name in ("a1", "a2", "a3"):
        api.register(name)
    api.get_token("a1")

    first = api.get("/api/users?per_page=2").json()
    second = api.get(first["_links"]["next"]).json()

    assert first["_meta"] == {"page": 1, "per_page": 2, "total_pages": 2, "total_items": 3}
    assert first["_links"] == {
        "self": "/api/users?page=1&per_page=2",
        "next": "/api/users?page=2&per_page=2",
        "prev": None,
    }
    assert [user["username"] for user in first["items"] + second["items"]] == ["a1", "a2", "a3"]
    assert second["_links"]["next"] is None
    assert second["_links"]["prev"] == "/api/users?page=1&per_page=2"


def test_default_page_size_is_10_and_per_page_is_capped_at_100(api):
    api.register("susan")
    api.get_token("susan")

    default = api.get("/api/users").json()["_meta"]
    capped = api.get("/api/users?per_page=500").json()["_meta"]

    assert default["per_page"] == 10
    assert capped["per_page"] == 100


def test_followers_and_following_collections(api, django_user_model):
    susan_id = api.register("susan").json()["id"]
    david_id = api.register("david").json()["id"]
    django_user_model.objects.get(pk=david_id).following.add(susan_id)
    api.get_token("susan")

    followers = api.get(f"/api/users/{susan_id}/followers").json()
    following = api.get(f"/api/users/{susan_id}/following").json()

    assert [user["id"] for user in followers["items"]] == [david_id]
    assert following["items"] == []
    assert followers["_links"]["self"] == f"/api/users/{susan_id}/followers?page=1&per_page=10"


def test_update_yourself(api):
    user_id = api.register("susan").json()["id"]
    api.get_token("susan")

    response = api.put(f"/api/users/{user_id}", {"about_me": "Updated", "email": "new@example.com"})

    assert response.status_code == 200
    assert response.json()["about_me"] == "Updated"
    assert api.get(f"/api/users/{user_id}").json()["email"] == "new@example.com"


def test_updating_another_user_is_403_json(api):
    other_id = api.register("david").json()["id"]
    api.register("susan")
    api.get_token("susan")

    response = api.put(f"/api/users/{other_id}", {"about_me": "hacked"})

    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert response.json()["message"]


def test_revoke_token_answers_204_then_the_token_gets_401(api):
    user_id = api.register("susan").json()["id"]
    api.get_token("susan")

    revoked = api.delete("/api/tokens")
    after = api.get(f"/api/users/{user_id}")

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert after["WWW-Authenticate"] == "Bearer"
    assert after.json()["error"] == "Unauthorized"


def test_a_token_expires_after_an_hour(api):
    user_id = api.register("susan").json()["id"]
    api.get_token("susan")

    with time_machine.travel(timezone.now() + timedelta(minutes=59)):
        before = api.get(f"/api/users/{user_id}")
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        after = api.get(f"/api/users/{user_id}")

    assert before.status_code == 200
    assert after.status_code == 401


def test_wrong_basic_credentials_are_401_json_with_a_basic_challenge(api):
    api.register("susan")

    response = api.get_token("susan", password="wrong")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.json()["error"] == "Unauthorized"


def test_no_token_is_401_json(api):
    response = api.get("/api/users")

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


@pytest.mark.parametrize("path", ["/api/users/999999", "/api/no/such/thing", "/api/users/", "/api/tokens/"])
def test_unknown_things_are_404_json_never_a_redirect(api, path):
    api.register("susan")
    api.get_token("susan")

    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "Not Found"
    assert response.json()["message"]


def test_an_unsupported_method_is_405_json(api):
    api.register("susan")
    api.get_token("susan")

    response = api.delete("/api/users")

    assert response.status_code == 405
    assert response.json()["error"] == "Method Not Allowed"


# The methods each route under /api/ has (HEAD comes with GET); every other one is a 405.
ROUTE_METHODS = {
    "tokens": {"POST", "DELETE"},
    "users": {"GET", "POST"},
    "user": {"GET", "PUT"},
    "followers": {"GET"},
    "following": {"GET"},
    "follow": {"POST", "DELETE"},
    "block": {"POST", "DELETE"},
    "mute": {"POST", "DELETE"},
    "blocks": {"GET"},
    "mutes": {"GET"},
    "user_posts": {"GET"},
    "posts": {"GET", "POST"},
    "post": {"GET", "PATCH", "DELETE"},
    "feed": {"GET"},
    "post_context": {"GET"},
    "post_history": {"GET"},
    "post_like": {"POST", "DELETE"},
    "post_boost": {"POST", "DELETE"},
    "post_bookmark": {"POST", "DELETE"},
    "tag_posts": {"GET"},
    "bookmarks": {"GET"},
    "notifications": {"GET"},
    "reports": {"POST"},
    "openapi": {"GET"},
    "docs": {"GET"},
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def test_the_method_table_names_every_api_route():
    names = {pattern.name for pattern in api_patterns} - {"not_found"}

    assert names == set(ROUTE_METHODS)


def _unsupported():
    return [(name, method) for name, allowed in ROUTE_METHODS.items() for method in METHODS if method not in allowed]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "with-token"])
@pytest.mark.parametrize(("name", "method"), _unsupported())
def test_a_method_a_route_lacks_is_405_json_before_any_credentials_are_checked(client, name, method, signed_in):
    user = UserFactory()
    post = PostFactory(author=user)
    path = reverse(f"api:{name}", kwargs=_kwargs(name, user, post))

    response = client.generic(method, path, headers=bearer(user) if signed_in else {})

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "Method Not Allowed"
    assert ROUTE_METHODS[name] <= {allowed.strip() for allowed in response["Allow"].split(",")}


def test_get_tokens_without_credentials_is_405_as_in_microblog(client):
    response = client.get("/api/tokens")

    assert response.status_code == 405
    assert "POST" in response["Allow"]


@pytest.mark.parametrize("name", sorted(set(ROUTE_METHODS) - {"openapi", "docs"}))
def test_options_says_which_methods_a_route_has_without_credentials(client, name):
    user = UserFactory()
    path = reverse(f"api:{name}", kwargs=_kwargs(name, user, PostFactory(author=user)))

    response = client.options(path)

    assert response.status_code == 200
    assert ROUTE_METHODS[name] <= {allowed.strip() for allowed in response["Allow"].split(",")}


ID_ROUTES = {"user", "followers", "following", "follow", "block", "mute", "user_posts"}
POST_ROUTES = {"post", "post_context", "post_history", "post_like", "post_boost", "post_bookmark"}


def _kwargs(name, user, post) -> dict:
    """Return the URL arguments of route `name`, aimed at `user` or `post`."""
    if name in POST_ROUTES:
        return {"id": post.pk}
    if name == "tag_posts":
        return {"tag": "django"}
    return {"id": user.pk} if name in ID_ROUTES else {}


def test_a_form_encoded_body_is_415_json(api):
    response = api.client.post("/api/users", "username=susan", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json()["error"] == "Unsupported Media Type"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"susan"', "null"])
def test_malformed_or_non_object_json_is_400_json(api, body):
    response = api.client.post("/api/users", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


@failing_urls
@pytest.mark.parametrize("path", ["/api/boom", "/api/plain-boom"])
def test_a_bug_under_api_is_a_500_json_body_not_the_html_page(client, path):
    client.raise_request_exception = False

    response = client.get(path)

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error", "message": "An unexpected error has occurred."}


@failing_urls
def test_a_lost_database_under_api_is_a_503_json_body(client):
    response = client.get("/api/db-gone")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["error"] == "Service Unavailable"


def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert b"<html" in response.content


@pytest.mark.parametrize("accept", ["text/html", "application/xml", ""])
def test_the_answer_is_json_whatever_the_accept_header_says(api, accept):
    api.register("susan")
    api.get_token("susan")

    response = api.client.get("/api/users", headers={**api._headers(), "Accept": accept})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
