"""Pictures on posts: the post and reply forms, the display, the lifecycle of the files, and bad uploads."""

import io
import threading
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts.services import delete_account
from accounts.tests.factories import UserFactory
from posts.models import Attachment, Post
from posts.services import delete_post
from posts.tests.factories import AttachmentFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def picture_bytes(fmt="JPEG", size=(300, 200), color="orange", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


def upload(name="photo.jpg", data=None, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, picture_bytes() if data is None else data, content_type=content_type)


def stored_files(media_root) -> list[Path]:
    root = Path(media_root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def post_home(client, **data):
    return client.post(reverse("posts:home"), {"body": "look at this", **data})


def test_the_post_box_is_multipart_with_a_file_input_and_four_descriptions(client, me):
    html = client.get(reverse("posts:home")).text

    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="images"' in html
    assert "multiple" in html
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in html
    for number in range(1, 5):
        assert f'name="alt_text_{number}"' in html
    assert 'name="is_sensitive"' in html


def test_the_message_form_has_no_pictures(client, me):
    UserFactory(username="bob")

    html = client.get(reverse("posts:send_message", args=["bob"])).text

    assert "multipart" not in html
    assert 'name="images"' not in html


def test_a_post_with_two_pictures_keeps_them_in_order_with_their_descriptions(client, me, settings):
    response = post_home(
        client,
        images=[upload("a.jpg"), upload("b.png", picture_bytes("PNG", (100, 400)), "image/png")],
        alt_text_1="  An orange field  ",
        alt_text_2="",
    )

    assert response.status_code == 302
    post = Post.objects.get()
    first, second = post.attachments.all()
    assert post.attachment_count == 2
    assert not post.is_sensitive
    assert (first.position, first.alt_text, first.width, first.height) == (0, "An orange field", 300, 200)
    assert (second.position, second.alt_text, second.width, second.height) == (1, "", 100, 400)
    assert set(first.variants) == {"small", "large"}
    assert len(stored_files(settings.MEDIA_ROOT)) == 4  # two sizes each
    assert all(path.suffix == ".webp" for path in stored_files(settings.MEDIA_ROOT))
    assert not any("a.jpg" in str(path) or "b.png" in str(path) for path in stored_files(settings.MEDIA_ROOT))


def test_the_sensitive_box_marks_the_post(client, me):
    post_home(client, images=[upload()], is_sensitive="on")

    assert Post.objects.get().is_sensitive


def test_the_sensitive_box_without_pictures_marks_nothing(client, me):
    post_home(client, is_sensitive="on")

    assert not Post.objects.get().is_sensitive


def test_a_reply_takes_pictures(client, me):
    parent = PostFactory()

    response = client.post(reverse("posts:reply", args=[parent.pk]), {"body": "same here", "images": [upload()]})

    assert response.status_code == 302
    assert Post.objects.get(in_reply_to=parent).attachments.count() == 1


def test_the_thread_reply_form_is_multipart(client, me):
    html = client.get(reverse("posts:post", args=[PostFactory().pk])).text

    assert 'enctype="multipart/form-data"' in html


BAD_FILES = {
    "corrupt": (b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20, "not a picture we can read"),
    "truncated": (picture_bytes(size=(800, 600), quality=95)[:3000], "damaged or cut short"),
    "zero-byte": (b"", "empty"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "more than a picture"),
    "text with an image name": (b"hello, I am text", "not a picture we can read"),
}


def jpeg_zip_polyglot() -> bytes:
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("evil.txt", "hidden")
    return picture_bytes() + archive.getvalue()


def gif_html_polyglot() -> bytes:
    return picture_bytes("GIF") + b"<html><script>alert(1)</script></html>"


def huge_canvas() -> bytes:
    # A 20,000 x 20,000 PNG of one colour compresses to a few hundred kB.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    return out.getvalue()


def animated_bomb() -> bytes:
    frames = [Image.new("P", (5000, 5000), index) for index in range(4)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], loop=0)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        *[(f"{kind}.jpg", data, reason) for kind, (data, reason) in BAD_FILES.items()],
        ("polyglot.jpg", jpeg_zip_polyglot(), "more than a picture"),
        ("polyglot.gif", gif_html_polyglot(), "more than a picture"),
        ("huge.png", huge_canvas(), "too many pixels"),
    ],
)
def test_a_bad_file_is_a_form_error_that_keeps_the_text_and_leaves_no_file(client, me, settings, name, data, reason):
    response = post_home(client, images=[upload("good.jpg"), upload(name, data)])

    assert response.status_code == 200
    errors = response.context["form"].errors["images"]
    assert len(errors) == 1
    assert errors[0].startswith(f"{name}:")
    assert reason in errors[0].lower()
    assert "look at this" in response.text
    assert "choose them again" not in response.text  # the field's own error says it
    assert not Post.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_an_animated_bomb_decodes_only_its_first_frame(client, me, settings):
    response = post_home(client, images=[upload("bomb.gif", animated_bomb(), "image/gif")])

    assert response.status_code == 302
    picture = Attachment.objects.get()
    assert (picture.width, picture.height) == (1600, 1600)
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_a_wrong_extension_is_read_by_its_content(client, me):
    response = post_home(client, images=[upload("photo.gif", picture_bytes("PNG"), "image/gif")])

    assert response.status_code == 302
    assert Attachment.objects.count() == 1


def test_five_files_are_a_form_error(client, me, settings):
    response = post_home(client, images=[upload(f"{number}.jpg") for number in range(5)])

    assert response.status_code == 200
    assert response.context["form"].errors["images"] == ["A post can have at most 4 pictures."]
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_huge_description_is_a_form_error(client, me, settings):
    response = post_home(client, images=[upload()], alt_text_1="x" * 1501)

    assert response.status_code == 200
    assert "alt_text_1" in response.context["form"].errors
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_whitespace_only_description_is_no_description(client, me):
    post_home(client, images=[upload()], alt_text_1=" \n\t ")

    assert Attachment.objects.get().alt_text == ""


def test_media_require_alt_makes_a_description_required(client, me, settings):
    settings.MEDIA_REQUIRE_ALT = True

    response = post_home(client, images=[upload()], alt_text_1="   ")

    assert response.status_code == 200
    assert response.context["form"].errors["alt_text_1"] == ["Describe this picture for people who cannot see it."]
    assert stored_files(settings.MEDIA_ROOT) == []
    assert post_home(client, images=[upload()], alt_text_1="A cat").status_code == 302


def test_a_body_error_keeps_the_text_and_asks_for_the_pictures_again(client, me, settings):
    response = post_home(client, body="x" * 141, images=[upload()])

    assert response.status_code == 200
    assert "x" * 141 in response.text
    assert "choose them again" in response.text
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_failing_write_deletes_the_stored_files(client, me, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("posts.services.Attachment.objects.bulk_create", refuse)

    with pytest.raises(RuntimeError):
        post_home(client, images=[upload(), upload()])

    assert not Post.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_in_place_of_the_body_is_a_form_error(client, me):
    response = client.post(reverse("posts:home"), {"body": upload(), "alt_text_1": upload()})

    assert response.status_code == 200


def test_the_grid_shows_each_picture_with_its_size_description_and_large_link(client, me):
    post = PostFactory()
    first = AttachmentFactory(post=post, alt_text="A red kite")
    AttachmentFactory(post=post, alt_text="")

    html = client.get(reverse("posts:explore")).text

    assert 'class="media-grid media-grid-2"' in html
    small, large = first.variants["small"], first.variants["large"]
    assert f'src="/media/{small["path"]}" width="{small["width"]}" height="{small["height"]}" alt="A red kite"' in html
    assert f'href="/media/{large["path"]}"' in html
    assert 'loading="lazy"' in html
    assert 'alt=""' in html
    assert "without a description" in html
    assert "ALT missing" not in html  # to its author only


def test_alt_missing_is_shown_to_the_author_only(client, me):
    AttachmentFactory(post=PostFactory(author=me), alt_text="")

    assert "ALT missing" in client.get(reverse("posts:explore")).text


def test_a_sensitive_post_shows_its_pictures_behind_a_button(client, me):
    AttachmentFactory(post=PostFactory(is_sensitive=True))

    html = client.get(reverse("posts:explore")).text

    assert '<details class="media-sensitive">' in html
    assert "Sensitive: show" in html


def test_pictures_cost_one_query_per_page_and_none_without_them(client, me, django_assert_num_queries):
    PostFactory.create_batch(3)
    client.get(reverse("posts:explore"))
    cache.clear()
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("posts:explore"))
    for post in Post.objects.all():
        AttachmentFactory(post=post)
        AttachmentFactory(post=post)
    cache.clear()

    with django_assert_num_queries(len(without) + 1):
        client.get(reverse("posts:explore"))


def test_deleting_a_post_deletes_its_files_after_the_commit(client, me, settings, django_capture_on_commit_callbacks):
    post = PostFactory(author=me)
    AttachmentFactory(post=post)
    kept = AttachmentFactory()
    assert len(stored_files(settings.MEDIA_ROOT)) == 4

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("posts:delete", args=[post.pk]))
    assert len(stored_files(settings.MEDIA_ROOT)) == 4  # not before the commit
    for callback in callbacks:
        callback()

    assert {path.name for path in stored_files(settings.MEDIA_ROOT)} == {"small.webp", "large.webp"}
    assert all(kept.variants["small"]["path"].split("/")[1] in str(path) for path in stored_files(settings.MEDIA_ROOT))


def test_a_rolled_back_delete_keeps_the_files(settings, django_capture_on_commit_callbacks):
    post = AttachmentFactory().post

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            from django.db import transaction

            with transaction.atomic():
                delete_post(post=post)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert callbacks == []
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_deleting_an_account_deletes_its_posts_files(settings, django_capture_on_commit_callbacks):
    author = UserFactory()
    AttachmentFactory(post=PostFactory(author=author))
    AttachmentFactory(post=PostFactory(author=author))
    other = AttachmentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=author)

    assert {str(path.relative_to(settings.MEDIA_ROOT)) for path in stored_files(settings.MEDIA_ROOT)} == set(
        other.paths
    )


def test_cleanup_reports_then_removes_orphaned_files_older_than_an_hour(settings, time_machine):
    import os
    import time

    kept = AttachmentFactory()
    orphan_old = Path(settings.MEDIA_ROOT) / "posts" / "gone" / "small.webp"
    orphan_new = Path(settings.MEDIA_ROOT) / "posts" / "uploading" / "small.webp"
    for path in (orphan_old, orphan_new):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x")
    old = time.time() - 2 * 3600
    os.utime(orphan_old, (old, old))
    for path in kept.paths:
        os.utime(Path(settings.MEDIA_ROOT) / path, (old, old))

    out = io.StringIO()
    call_command("cleanup", "--dry-run", stdout=out)
    assert "posts/gone/small.webp" in out.getvalue()
    assert "Orphaned files: 1 would be deleted" in out.getvalue()
    assert orphan_old.exists()

    out = io.StringIO()
    call_command("cleanup", stdout=out)
    assert "Orphaned files: 1 deleted" in out.getvalue()
    assert not orphan_old.exists()
    assert orphan_new.exists()
    assert all((Path(settings.MEDIA_ROOT) / path).exists() for path in kept.paths)


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_keep_their_own_files(settings):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database is one connection")
    author = UserFactory()
    data = picture_bytes()
    results = []

    def publish():
        client = Client()
        client.force_login(author)
        try:
            results.append(post_home(client, images=[upload(data=data)]).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _attempt in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [302, 302]
    pictures = list(Attachment.objects.all())
    assert len(pictures) == 2
    assert set(pictures[0].paths).isdisjoint(pictures[1].paths)
    assert len(stored_files(settings.MEDIA_ROOT)) == 4


# The admin ------------------------------------------------------------------------------


def test_the_post_admin_shows_its_pictures_with_their_descriptions(moderator_client):
    picture = AttachmentFactory(alt_text="A heron")

    html = moderator_client.get(reverse("admin:posts_post_change", args=[picture.post_id])).text

    assert f'src="/media/{picture.variants["small"]["path"]}" alt="A heron"' in html


def test_mark_sensitive_is_a_moderator_action(moderator_client):
    posts = [AttachmentFactory().post, AttachmentFactory().post]

    moderator_client.post(
        reverse("admin:posts_post_changelist"),
        {"action": "mark_sensitive", "_selected_action": [post.pk for post in posts]},
    )

    assert Post.objects.filter(is_sensitive=True).count() == 2


def test_the_pictures_changelist_costs_the_same_for_1_and_20_rows(moderator_client, django_assert_max_num_queries):
    from microblog.tests.queries import count_queries

    url = reverse("admin:posts_attachment_changelist")
    AttachmentFactory()
    small = count_queries(moderator_client, url, django_assert_max_num_queries, 8)
    for _number in range(19):
        AttachmentFactory()

    assert count_queries(moderator_client, url, django_assert_max_num_queries, 8) == small


def test_a_moderator_removing_a_picture_deletes_its_files(
    moderator_client, settings, django_capture_on_commit_callbacks
):
    picture = AttachmentFactory()
    kept = AttachmentFactory(post=picture.post)

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(reverse("admin:posts_attachment_delete", args=[picture.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert {str(path.relative_to(settings.MEDIA_ROOT)) for path in stored_files(settings.MEDIA_ROOT)} == set(kept.paths)


def test_a_moderator_can_delete_a_post_with_pictures(moderator_client, settings, django_capture_on_commit_callbacks):
    post = AttachmentFactory().post

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(reverse("admin:posts_post_delete", args=[post.pk]), {"post": "yes"})

    assert not Post.objects.filter(pk=post.pk).exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_the_export_lists_each_pictures_url_and_description():
    import json

    from posts.exports import write_posts_json

    picture = AttachmentFactory(alt_text="A heron")
    PostFactory(author=picture.post.author)  # a post without pictures has no "pictures"
    out = io.StringIO()

    write_posts_json(picture.post.author, out, site_url="https://example.org")

    first, second = json.loads(out.getvalue())["posts"]
    assert first["pictures"] == [
        {"url": "https://example.org/media/" + picture.variants["large"]["path"], "alt_text": "A heron"}
    ]
    assert "pictures" not in second


def test_deleting_another_users_post_is_a_404_and_keeps_its_files(client, me, settings):
    picture = AttachmentFactory()

    response = client.post(reverse("posts:delete", args=[picture.post_id]))

    assert response.status_code == 404
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_a_visitor_cannot_post_pictures(client, settings):
    response = post_home(client, images=[upload()])

    assert response.status_code == 302
    assert "/auth/login/" in response["Location"]
    assert stored_files(settings.MEDIA_ROOT) == []
