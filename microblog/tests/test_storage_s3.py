"""Uploaded pictures in an S3-compatible store: moto's S3 server on loopback, never a mock object.

The `s3_storage` fixture (conftest.py) gives each test a fresh bucket and points the
default storage at it; without a server the tests skip (CI starts one and sets
REQUIRE_S3=1, which makes them fail instead). The settings tests at the end need no server.
"""

import io
from datetime import timedelta
from io import StringIO

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from microblog.images import delete_files, make_variants, save_variants
from microblog.tests.test_settings import run_check, settings_values
from posts.management.commands import cleanup


def jpeg(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG")
    return out.getvalue()


def test_save_variants_writes_webp_objects_that_delete_files_removes(s3_storage):
    variants = make_variants(Image.new("RGB", (300, 200), "red"), {"small": 64, "large": 256})

    saved = save_variants(variants, folder="tests")

    keys = s3_storage.object_keys()
    assert keys == sorted(entry["path"] for entry in saved.values())
    for key in keys:
        head = s3_storage.client.head_object(Bucket=s3_storage.name, Key=key)
        assert head["ContentType"] == "image/webp"
        assert head["CacheControl"] == "max-age=31536000, immutable"
        assert "ACL" not in head  # the bucket's own (private) access, never public-read by us
    delete_files(entry["path"] for entry in saved.values())
    assert s3_storage.object_keys() == []


def test_delete_files_ignores_objects_already_gone(s3_storage):
    delete_files(["tests/never-there.webp"])

    assert s3_storage.object_keys() == []


@pytest.mark.django_db
def test_an_avatar_uploads_shows_and_is_replaced_in_the_bucket(client, s3_storage, django_capture_on_commit_callbacks):
    me = UserFactory(username="me")
    client.force_login(me)
    edit = reverse("accounts:edit_profile")

    avatar = SimpleUploadedFile("me.jpg", jpeg(), content_type="image/jpeg")
    response = client.post(edit, {"username": "me", "about_me": "", "avatar": avatar})

    assert response.status_code == 302
    me.refresh_from_db()
    first = sorted(entry["path"] for entry in me.avatar_variants.values())
    assert s3_storage.object_keys() == first
    # Display: the link is the store's, signed (the bucket is private), and serves the WebP.
    url = me.avatar(48)
    assert url.startswith(f"{s3_storage.endpoint_url}/{s3_storage.name}/avatars/")
    assert "X-Amz-Signature=" in url
    assert escape(url).split("X-Amz-Date")[0] in client.get(edit).text
    served = requests.get(url, timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(served.content)).size == (48, 48)

    with django_capture_on_commit_callbacks(execute=True):
        again = SimpleUploadedFile("again.png", jpeg((400, 400)), content_type="image/png")
        client.post(edit, {"username": "me", "about_me": "", "avatar": again})

    me.refresh_from_db()
    assert s3_storage.object_keys() == sorted(entry["path"] for entry in me.avatar_variants.values())
    assert not set(first) & set(s3_storage.object_keys())


@pytest.mark.django_db
def test_a_custom_domain_serves_the_avatar_unsigned(s3_storage):
    s3_storage.use(custom_domain="media.example.com", querystring_auth=False)
    user = UserFactory(avatar=True)

    assert user.avatar(128) == f"https://media.example.com/{user.avatar_variants['128']['path']}"


@pytest.mark.django_db
def test_unsigned_links_point_at_the_bucket(s3_storage):
    s3_storage.use(querystring_auth=False)
    user = UserFactory(avatar=True)

    assert user.avatar(96) == f"{s3_storage.endpoint_url}/{s3_storage.name}/{user.avatar_variants['96']['path']}"
    assert default_storage.exists(user.avatar_variants["96"]["path"])


@pytest.mark.django_db
def test_removing_an_avatar_deletes_its_objects(client, s3_storage, django_capture_on_commit_callbacks):
    me = UserFactory(username="me", avatar=True)
    client.force_login(me)
    assert len(s3_storage.object_keys()) == 5

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:edit_profile"), {"username": "me", "about_me": "", "remove_avatar": "on"})

    assert s3_storage.object_keys() == []


@pytest.mark.django_db
def test_deleting_an_account_deletes_its_avatar_objects(client, s3_storage, django_capture_on_commit_callbacks):
    me = UserFactory(avatar=True)
    client.force_login(me)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:delete_account"), {"password": DEFAULT_PASSWORD})

    assert not User.objects.filter(pk=me.pk).exists()
    assert s3_storage.object_keys() == []


# --- MEDIA_STORAGE=s3 in the settings (no server needed) ------------------------------


def test_s3_without_a_bucket_refuses_to_start():
    result = run_check("microblog.settings.dev", MEDIA_STORAGE="s3")

    assert result.returncode != 0
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_an_unknown_media_storage_refuses_to_start():
    result = run_check("microblog.settings.dev", MEDIA_STORAGE="ftp")

    assert result.returncode != 0
    assert "MEDIA_STORAGE must be filesystem or s3" in result.stderr


def test_s3_settings_come_from_the_environment_and_reach_the_csp():
    env = {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "pictures",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.net",
        "AWS_S3_REGION_NAME": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    expression = (
        "s.STORAGES['default']['BACKEND'], "
        "*[s.STORAGES['default']['OPTIONS'][k] for k in ('bucket_name', 'endpoint_url', 'region_name', "
        "'access_key', 'secret_key', 'default_acl', 'querystring_auth')], "
        "*s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-2:]"
    )

    values = settings_values("microblog.settings.dev", expression, **env)

    assert values == [
        "storages.backends.s3.S3Storage",
        "pictures",
        "https://s3.example.net",
        "eu-west-1",
        "key",
        "secret",
        "None",
        "True",
        "https://s3.example.net",
        "https://pictures.s3.example.net",
    ]


def test_a_custom_domain_is_the_only_media_source_in_the_csp():
    env = {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "pictures", "AWS_S3_CUSTOM_DOMAIN": "media.example.com"}

    values = settings_values("microblog.settings.dev", "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1]", **env)

    assert values == ["https://media.example.com"]


def test_production_keeps_the_s3_storage_and_its_own_static_files():
    env = {
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.com",
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "pictures",
    }

    values = settings_values(
        "microblog.settings.prod", "s.STORAGES['default']['BACKEND'], s.STORAGES['staticfiles']['BACKEND']", **env
    )

    assert values == ["storages.backends.s3.S3Storage", "microblog.storage.StaticFilesStorage"]


@pytest.mark.django_db
def test_a_posts_pictures_upload_show_and_go_with_the_post_in_the_bucket(
    client, s3_storage, django_capture_on_commit_callbacks
):
    me = UserFactory(username="me")
    client.force_login(me)
    picture = SimpleUploadedFile("cat.jpg", jpeg((1200, 900)), content_type="image/jpeg")

    response = client.post(reverse("posts:home"), {"body": "my cat", "images": [picture], "alt_text_1": "A cat"})

    assert response.status_code == 302
    post = me.posts.get()
    (attachment,) = post.attachments.all()
    stored = sorted(variant["path"] for variant in attachment.variants.values())
    assert s3_storage.object_keys() == stored
    # Display: the page links the store's signed URL with the description as alt, and it serves the WebP.
    page = client.get(reverse("posts:post", args=[post.pk])).text
    assert 'alt="A cat"' in page
    url = attachment.small["url"]
    assert url.startswith(f"{s3_storage.endpoint_url}/{s3_storage.name}/")
    assert escape(url).split("X-Amz-Date")[0] in page
    served = requests.get(url, timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/webp"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("posts:delete", args=[post.pk]))

    assert s3_storage.object_keys() == []


@pytest.mark.django_db
def test_cleanup_finds_and_removes_orphans_in_the_bucket(s3_storage, monkeypatch):
    kept = UserFactory(avatar=True)
    saved = save_variants(make_variants(Image.new("RGB", (64, 64), "red"), {"small": 32}), folder="posts")
    orphan = saved["small"]["path"]
    monkeypatch.setattr(cleanup, "ORPHAN_MIN_AGE", timedelta(seconds=-60))  # the new object is old enough

    dry = StringIO()
    call_command("cleanup", "--dry-run", stdout=dry)

    assert orphan in dry.getvalue()
    assert orphan in s3_storage.object_keys()

    call_command("cleanup", stdout=StringIO())

    assert s3_storage.object_keys() == sorted(entry["path"] for entry in kept.avatar_variants.values())
