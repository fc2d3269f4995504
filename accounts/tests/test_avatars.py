"""Uploaded avatars: the edit-profile form, the services, the sizes pages ask for, and the files' lifecycle."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts import services
from accounts.avatars import AVATAR_SIZES, stored_variant_path
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("accounts:edit_profile")


@pytest.fixture
def me(client):
    user = UserFactory(username="me", about_me="Just me.")
    client.force_login(user)
    return user


@pytest.fixture
def media_root(settings):
    """This test's own MEDIA_ROOT (conftest.py gives every test one)."""
    return settings.MEDIA_ROOT


def picture(fmt="JPEG", size=(900, 600), colour="teal", mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **options)
    return out.getvalue()


def upload(data: bytes, name="me.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media_root) -> list[str]:
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())


def edit(client, **data):
    return client.post(EDIT, {"username": "me", "about_me": "Just me.", **data})


# --- The form -------------------------------------------------------------------------


def test_the_form_is_multipart_with_a_file_input_and_the_current_avatar(client, me):
    page = client.get(EDIT).text

    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="avatar"' in page
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in page
    assert me.avatar_large in page  # the identicon, until a picture is uploaded
    assert 'name="remove_avatar"' not in page  # nothing to remove yet


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_an_uploaded_picture_becomes_the_avatar_in_every_size(client, me, fmt, media_root):
    response = edit(client, avatar=upload(picture(fmt), name=f"me.{fmt.lower()}"))

    assert response.status_code == 302
    me.refresh_from_db()
    assert set(me.avatar_variants) == set(AVATAR_SIZES)
    for name, side in AVATAR_SIZES.items():
        entry = me.avatar_variants[name]
        # 600 px high: a square of 600, so 512 is the largest and nothing is enlarged.
        assert (entry["width"], entry["height"]) == (side, side)
        with default_storage.open(entry["path"]) as stored, Image.open(stored) as image:
            assert (image.format, image.size) == ("WEBP", (side, side))
    assert len(stored_files(media_root)) == len(AVATAR_SIZES)
    assert all(path.startswith("avatars/") and path.endswith(".webp") for path in stored_files(media_root))


def test_a_rectangle_is_cropped_to_the_square_in_its_middle(client, me):
    wide = Image.new("RGB", (1200, 600), "red")
    wide.paste(Image.new("RGB", (600, 600), "blue"), (300, 0))
    out = io.BytesIO()
    wide.save(out, "PNG")

    edit(client, avatar=upload(out.getvalue(), name="wide.png"))

    me.refresh_from_db()
    with default_storage.open(me.avatar_variants["512"]["path"]) as stored, Image.open(stored) as image:
        assert image.size == (512, 512)
        for corner in [(0, 0), (511, 0), (0, 511), (511, 511)]:
            red, _green, blue = image.convert("RGB").getpixel(corner)
            assert blue > 200, "a corner shows the red sides that the crop should cut off"
            assert red < 50


def test_a_small_picture_is_never_enlarged(client, me):
    edit(client, avatar=upload(picture("PNG", size=(100, 80)), name="tiny.png"))

    me.refresh_from_db()
    sides = {name: entry["width"] for name, entry in me.avatar_variants.items()}
    assert sides == {"48": 48, "96": 80, "128": 80, "256": 80, "512": 80}


def zipped_jpeg() -> bytes:
    out = io.BytesIO(picture())
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


BAD_FILES = {
    "empty": (b"", "The submitted file is empty."),
    "text named .jpg": (b"not a picture at all " * 20, "This file is not a picture we can read"),
    "SVG": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "more than a picture"),
    "BMP": (picture("BMP", size=(64, 64)), "Pictures must be JPEG, PNG, WebP or GIF."),
    "truncated JPEG": (picture(size=(900, 600))[:2000], "This picture is damaged or cut short."),
    "JPEG with a zip": (zipped_jpeg(), "This file holds more than a picture."),
    "JPEG with HTML": (picture() + b"<html><script>alert(1)</script></html>", "This file holds more than a picture."),
    "20,000 x 20,000 bomb": (picture("PNG", size=(20_000, 20_000), mode="1"), "too many pixels"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_a_form_error_that_keeps_what_was_typed_and_leaves_no_file(client, me, kind, media_root):
    data, error = BAD_FILES[kind]

    response = client.post(EDIT, {"username": "newme", "about_me": "Typed this.", "avatar": upload(data)})

    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors["avatar"])
    assert response.context["form"]["username"].value() == "newme"
    assert response.context["form"]["about_me"].value() == "Typed this."
    me.refresh_from_db()
    assert (me.username, me.about_me, me.avatar_variants) == ("me", "Just me.", {})
    assert stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_a_form_error(client, me, settings, media_root):
    settings.MEDIA_MAX_UPLOAD_MB = 1
    big = picture("PNG", size=(2000, 2000), compress_level=0)

    response = edit(client, avatar=upload(big, name="big.png"))

    assert "Pictures may be at most 1 MB." in response.context["form"].errors["avatar"]
    assert stored_files(media_root) == []


def test_a_good_picture_with_a_bad_username_stores_nothing(client, me, media_root):
    UserFactory(username="susan")

    response = client.post(EDIT, {"username": "susan", "about_me": "", "avatar": upload(picture())})

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert stored_files(media_root) == []


def test_the_name_and_the_picture_change_together(client, me):
    response = client.post(EDIT, {"username": "newme", "about_me": "New.", "avatar": upload(picture())})

    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.username, me.about_me, bool(me.avatar_variants)) == ("newme", "New.", True)


def test_the_navbar_profile_header_and_popup_show_the_new_avatar_at_once(client, me):
    edit(client, avatar=upload(picture()))
    me.refresh_from_db()

    assert me.avatar_small in client.get(EDIT).text  # the navbar
    assert me.avatar_large in client.get(reverse("posts:profile", args=["me"])).text
    assert me.avatar_large in client.get(reverse("accounts:popup", args=["me"])).text
    assert me.avatar_small.startswith("/media/avatars/")


def test_anonymous_uploads_go_to_the_login_page_and_store_nothing(client, media_root):
    response = client.post(EDIT, {"username": "x", "about_me": "", "avatar": upload(picture())})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert stored_files(media_root) == []


def test_another_users_avatar_cannot_be_changed(client, me):
    other = UserFactory(username="other")

    edit(client, avatar=upload(picture()), pk=other.pk, id=other.pk, user=other.pk)

    other.refresh_from_db()
    me.refresh_from_db()
    assert other.avatar_variants == {}
    assert me.avatar_variants != {}


# --- Replacing and removing -----------------------------------------------------------


def test_replacing_the_avatar_deletes_the_old_files_after_the_commit(
    client, me, django_capture_on_commit_callbacks, media_root
):
    services.set_avatar(user=me, image=Image.new("RGB", (300, 300), "red"))
    old = set(stored_files(media_root))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        edit(client, avatar=upload(picture(colour="blue")))
    assert old <= set(stored_files(media_root)), "the old files went before the new avatar was committed"

    for callback in callbacks:
        callback()
    me.refresh_from_db()
    assert set(stored_files(media_root)) == {f"{path}" for path in stored_paths(me)}
    assert not old & set(stored_files(media_root))


def stored_paths(user) -> set[str]:
    return {entry["path"] for entry in user.avatar_variants.values()}


def test_the_remove_box_goes_back_to_the_identicon_and_deletes_the_files(
    client, django_capture_on_commit_callbacks, media_root
):
    me = UserFactory(username="me", about_me="Just me.", avatar=True)
    client.force_login(me)
    assert 'name="remove_avatar"' in client.get(EDIT).text

    with django_capture_on_commit_callbacks(execute=True):
        response = edit(client, remove_avatar="on")

    assert response.status_code == 302
    me.refresh_from_db()
    assert me.avatar_variants == {}
    assert "/avatar/" in me.avatar(48)  # the identicon's URL
    assert stored_files(media_root) == []


def test_removing_and_uploading_at_once_is_a_form_error(client, media_root):
    me = UserFactory(username="me", about_me="Just me.", avatar=True)
    client.force_login(me)
    before = set(stored_files(media_root))

    response = edit(client, remove_avatar="on", avatar=upload(picture()))

    assert response.status_code == 200
    assert "not both" in " ".join(response.context["form"].non_field_errors())
    assert set(stored_files(media_root)) == before


def test_remove_without_an_avatar_changes_nothing(client, me):
    assert services.remove_avatar(user=me) is False

    response = edit(client, remove_avatar="on")  # not a field without an avatar: ignored

    assert response.status_code == 302


def test_a_failed_save_deletes_the_new_files(me, monkeypatch, media_root):
    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(User.objects, "select_for_update", fail)

    with pytest.raises(RuntimeError):
        services.set_avatar(user=me, image=Image.new("RGB", (300, 300)))

    assert stored_files(media_root) == []


def test_an_avatar_for_an_account_deleted_meanwhile_stores_nothing(me, media_root):
    User.objects.filter(pk=me.pk).delete()

    with pytest.raises(services.ValidationError):
        services.set_avatar(user=me, image=Image.new("RGB", (300, 300)))

    assert stored_files(media_root) == []


def test_deleting_the_account_deletes_the_avatar_after_the_commit(
    client, django_capture_on_commit_callbacks, media_root
):
    me = UserFactory(avatar=True)
    client.force_login(me)
    assert stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("accounts:delete_account"), {"password": DEFAULT_PASSWORD})
    assert stored_files(media_root), "the files went before the deletion was committed"

    for callback in callbacks:
        callback()
    assert not User.objects.filter(pk=me.pk).exists()
    assert stored_files(media_root) == []


# --- The sizes pages ask for ----------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "stored"), [(16, "48"), (48, "48"), (49, "96"), (96, "96"), (128, "128"), (200, "256"), (512, "512")]
)
def test_avatar_gives_the_smallest_stored_size_at_least_as_big(size, stored):
    user = UserFactory(avatar=True)

    assert user.avatar(size) == default_storage.url(user.avatar_variants[stored]["path"])


def test_a_size_past_the_largest_gets_the_largest():
    user = UserFactory(avatar=True)

    assert user.avatar(2048) == default_storage.url(user.avatar_variants["512"]["path"])


def test_the_2x_properties_are_twice_the_1x_ones():
    user = UserFactory(avatar=True)

    assert (user.avatar_small, user.avatar_small_2x) == (user.avatar(48), user.avatar(96))
    assert (user.avatar_large, user.avatar_large_2x) == (user.avatar(128), user.avatar(256))


def test_without_an_upload_the_identicon_stays():
    user = UserFactory()

    assert stored_variant_path(user.avatar_variants, 48) == ""
    assert user.avatar(48).endswith("?s=48")


def test_the_api_avatar_link_is_the_absolute_url_of_the_upload(client):
    user = UserFactory(avatar=True)
    client.force_login(user)
    token = services.issue_api_token(user=user)

    links = client.get(f"/api/users/{user.pk}", headers={"Authorization": f"Bearer {token}"}).json()["_links"]

    assert links["avatar"] == "http://testserver" + default_storage.url(user.avatar_variants["128"]["path"])


# --- Pages cost the same queries with avatars -----------------------------------------


@pytest.mark.parametrize("url", [reverse("posts:explore"), reverse("posts:home")])
def test_avatars_add_no_query_to_a_page_of_posts(client, url, django_assert_num_queries):
    viewer = UserFactory()
    client.force_login(viewer)
    plain, pictured = UserFactory.create_batch(3), UserFactory.create_batch(3, avatar=True)
    for author in plain:
        PostFactory(author=author)
    client.get(url)
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    for author in pictured:
        PostFactory(author=author)

    with django_assert_num_queries(len(without)):
        page = client.get(url).text

    if url == reverse("posts:explore"):
        assert all(author.avatar_small in page for author in pictured)
