"""The API of content warnings and edits: `content_warning` on create, PATCH /api/posts/<id>, its history."""

import json

import pytest

from accounts.tests.factories import UserFactory, bearer
from posts import services
from posts.models import Activity, PostEdit
from posts.tests.factories import PostEditFactory, PostFactory

pytestmark = pytest.mark.django_db


def send(client, method, path, user=None, data=None):
    headers = bearer(user) if user else {}
    body = data if isinstance(data, str) else json.dumps(data) if data is not None else None
    return getattr(client, method)(path, body, content_type="application/json", headers=headers)


def test_a_post_is_published_with_its_warning(client):
    me = UserFactory()

    response = send(client, "post", "/api/posts", me, {"body": "the ending", "content_warning": "  spoilers\n"})

    assert response.status_code == 201
    data = response.json()
    assert (data["body"], data["content_warning"], data["edited_at"]) == ("the ending", "spoilers", None)
    assert data["_links"]["history"] == f"/api/posts/{data['id']}/history"


@pytest.mark.parametrize("warning", ["w" * 101, 5, ["a"], {"a": "b"}, None])
def test_a_bad_warning_is_a_400(client, warning):
    response = send(client, "post", "/api/posts", UserFactory(), {"body": "fine", "content_warning": warning})

    assert response.status_code == 400
    assert "content_warning" in response.json()["message"] or response.json()["error"] == "Bad Request"


def test_the_author_edits_the_text_and_the_warning(client):
    me, ann = UserFactory(), UserFactory(username="ann")
    post = services.publish_post(author=me, body="first")

    response = send(client, "patch", f"/api/posts/{post.pk}", me, {"body": "second @ann", "content_warning": "cw"})

    assert response.status_code == 200
    data = response.json()
    assert (data["body"], data["content_warning"]) == ("second @ann", "cw")
    assert data["edited_at"] is not None
    assert list(PostEdit.objects.of(post).values_list("body", flat=True)) == ["first"]
    assert Activity.objects.filter(post=post, recipient=ann, kind="mention").exists()


def test_a_field_left_out_stays(client):
    me = UserFactory()
    post = services.publish_post(author=me, body="the text", content_warning="old")

    data = send(client, "patch", f"/api/posts/{post.pk}", me, {"content_warning": ""}).json()

    assert (data["body"], data["content_warning"]) == ("the text", "")


def test_the_same_text_again_records_nothing(client):
    me = UserFactory()
    post = services.publish_post(author=me, body="the same")

    responses = [send(client, "patch", f"/api/posts/{post.pk}", me, {"body": "the same"}) for _ in range(2)]

    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0].json()["edited_at"] is None
    assert not PostEdit.objects.exists()


def test_someone_elses_post_is_a_403_and_a_missing_one_a_404(client):
    post = PostFactory(body="theirs")
    me = UserFactory()

    refused = send(client, "patch", f"/api/posts/{post.pk}", me, {"body": "mine"})
    missing = send(client, "patch", f"/api/posts/{post.pk + 1000}", me, {"body": "mine"})
    anonymous = send(client, "patch", f"/api/posts/{post.pk}", None, {"body": "mine"})

    assert (refused.status_code, missing.status_code, anonymous.status_code) == (403, 404, 401)
    assert refused.json() == {"error": "Forbidden", "message": "You can only edit your own posts."}
    post.refresh_from_db()
    assert post.body == "theirs"


@pytest.mark.parametrize(
    "data",
    [
        {"body": "x" * 141},
        {"body": ""},
        {"body": "\u200b "},
        {"body": 140},
        {"body": None},
        ["body"],
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "{not json",
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(client, data):
    me = UserFactory()
    post = services.publish_post(author=me, body="kept")

    response = send(client, "patch", f"/api/posts/{post.pk}", me, data)

    assert response.status_code == 400
    assert set(response.json()) >= {"error", "message"}
    post.refresh_from_db()
    assert post.body == "kept"
    assert not PostEdit.objects.exists()


def test_the_history_is_a_collection_newest_first(client):
    me = UserFactory()
    post = services.publish_post(author=me, body="one", content_warning="a")
    services.edit_post(post=post, editor=me, body="two")
    services.edit_post(post=post, editor=me, body="three", content_warning="")

    data = send(client, "get", f"/api/posts/{post.pk}/history", UserFactory()).json()

    assert [(item["body"], item["content_warning"]) for item in data["items"]] == [("two", "a"), ("one", "a")]
    assert data["_meta"]["total_items"] == 2
    assert data["_links"]["self"].startswith(f"/api/posts/{post.pk}/history")


def test_the_history_of_a_missing_or_hidden_post_is_a_404(client):
    hidden = PostFactory(author=UserFactory(is_active=False))
    PostEditFactory(post=hidden)
    me = UserFactory()

    assert send(client, "get", f"/api/posts/{hidden.pk}/history", me).status_code == 404
    assert send(client, "get", f"/api/posts/{hidden.pk + 1000}/history", me).status_code == 404


def test_the_history_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    post = PostFactory()
    me = UserFactory()
    headers = bearer(me)
    PostEditFactory.create_batch(3, post=post)
    with django_assert_max_num_queries(6) as few:
        client.get(f"/api/posts/{post.pk}/history", headers=headers)
    PostEditFactory.create_batch(30, post=post)
    with django_assert_max_num_queries(6) as many:
        client.get(f"/api/posts/{post.pk}/history", headers=headers)

    assert len(few.captured_queries) == len(many.captured_queries)
