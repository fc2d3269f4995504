"""Pictures through the API: multipart POST /api/posts, the attachments of every post's JSON, bad files as 400s."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory, bearer
from posts.models import Attachment, Post
from posts.tests.factories import AttachmentFactory, PostFactory
from posts.tests.test_attachments import BAD_FILES, animated_bomb, huge_canvas, jpeg_zip_polyglot, picture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def me():
    return UserFactory()


def stored_files(media_root) -> list[Path]:
    root = Path(media_root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def publish(client, user, **data):
    return client.post("/api/posts", {"body": "from the API", **data}, headers=bearer(user))


def jpeg(name="photo.jpg", data=None):
    return SimpleUploadedFile(name, picture_bytes() if data is None else data, content_type="image/jpeg")


def test_a_multipart_post_takes_pictures_descriptions_and_sensitive(client, me):
    response = publish(client, me, images=[jpeg(), jpeg("b.jpg")], alt_text=["A kite", ""], sensitive="true")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sensitive"] is True
    first, second = body["attachments"]
    picture = Attachment.objects.get(position=0)
    assert first == {
        "url": "http://testserver/media/" + picture.variants["large"]["path"],
        "preview_url": "http://testserver/media/" + picture.variants["small"]["path"],
        "width": 300,
        "height": 200,
        "preview_width": 300,
        "preview_height": 200,
        "alt_text": "A kite",
        "sensitive": True,
    }
    assert second["alt_text"] == ""


def test_a_multipart_reply_names_its_parent_by_a_digit_string(client, me):
    parent = PostFactory()

    response = publish(client, me, in_reply_to=str(parent.pk), images=[jpeg()])

    assert response.status_code == 201, response.json()
    assert response.json()["in_reply_to"] == parent.pk


def test_a_json_post_still_works_without_pictures(client, me):
    response = client.post("/api/posts", {"body": "plain"}, content_type="application/json", headers=bearer(me))

    assert response.status_code == 201
    assert response.json()["attachments"] == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        *[(f"{kind}.jpg", data) for kind, (data, _reason) in BAD_FILES.items()],
        ("polyglot.jpg", jpeg_zip_polyglot()),
        ("huge.png", huge_canvas()),
    ],
)
def test_a_bad_file_is_a_400_naming_it_and_leaves_no_file(client, me, settings, name, data):
    response = publish(client, me, images=[jpeg(), jpeg(name, data)])

    assert response.status_code == 400
    errors = response.json()["errors"]["images"]
    assert len(errors) == 1
    assert errors[0].startswith(f"{name}: ")
    assert name in response.json()["message"]
    assert not Post.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_an_animated_bomb_is_published_as_its_first_frame(client, me):
    response = publish(client, me, images=[SimpleUploadedFile("bomb.gif", animated_bomb(), content_type="image/gif")])

    assert response.status_code == 201
    assert response.json()["attachments"][0]["width"] == 1600


def test_five_pictures_are_a_400(client, me, settings):
    response = publish(client, me, images=[jpeg(f"{number}.jpg") for number in range(5)])

    assert response.status_code == 400
    assert "images" in response.json()["errors"]
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_huge_description_is_a_400_with_a_flat_message_list(client, me, settings):
    response = publish(client, me, images=[jpeg()], alt_text=["x" * 1501])

    assert response.status_code == 400
    assert response.json()["errors"]["alt_text"] == ["1: Ensure this field has no more than 1500 characters."]
    assert stored_files(settings.MEDIA_ROOT) == []


def test_descriptions_past_the_pictures_are_ignored(client, me):
    response = publish(client, me, images=[jpeg()], alt_text=["one", "two"])

    assert response.status_code == 201
    assert [picture["alt_text"] for picture in response.json()["attachments"]] == ["one"]


def test_media_require_alt_refuses_a_picture_without_a_description(client, me, settings):
    settings.MEDIA_REQUIRE_ALT = True

    response = publish(client, me, images=[jpeg()], alt_text=["   "])

    assert response.status_code == 400
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_string_in_place_of_a_file_is_a_400(client, me):
    response = publish(client, me, images="not a file")

    assert response.status_code == 400


def test_deleting_another_users_post_with_pictures_is_a_403_and_keeps_its_files(client, me, settings):
    picture = AttachmentFactory()

    response = client.delete(f"/api/posts/{picture.post_id}", headers=bearer(me))

    assert response.status_code == 403
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_lists_read_the_pictures_of_a_page_in_one_query(client, me, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    posts = PostFactory.create_batch(3)
    headers = bearer(me)
    with CaptureQueriesContext(connection) as without:
        client.get("/api/posts", headers=headers)
    for post in posts:
        AttachmentFactory(post=post)
        AttachmentFactory(post=post)

    with django_assert_num_queries(len(without) + 1):
        response = client.get("/api/posts", headers=headers)

    assert [len(item["attachments"]) for item in response.json()["items"]] == [2, 2, 2]


def test_the_feed_shows_the_pictures(client, me):
    AttachmentFactory(post=PostFactory(author=me), alt_text="Mine")

    response = client.get("/api/feed", headers=bearer(me))

    assert response.json()["items"][0]["attachments"][0]["alt_text"] == "Mine"


def test_the_schema_lists_the_attachments_and_the_multipart_body(client):
    schema = client.get("/api/openapi.json").json()

    create = schema["paths"]["/api/posts"]["post"]["requestBody"]["content"]
    assert "images" in create["multipart/form-data"]["schema"]["$ref"] or "multipart/form-data" in create
    assert "images" not in json_fields(schema, create["application/json"])
    post_schema = schema["components"]["schemas"]["Post"]["properties"]
    assert "attachments" in post_schema
    assert "Picture" in schema["components"]["schemas"]


def json_fields(schema, content) -> set:
    name = content["schema"]["$ref"].rsplit("/", 1)[1]
    return set(schema["components"]["schemas"][name]["properties"])
