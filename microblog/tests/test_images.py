"""The picture pipeline (microblog/images.py): what it takes, what it refuses, and what survives."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from microblog import images
from microblog.images import ImageRejected, make_variants, open_image, save_variants


def picture(fmt="JPEG", size=(640, 480), mode="RGB", **save_options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal").save(out, fmt, **save_options)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def rejected_code(data: bytes, **kwargs) -> str:
    with pytest.raises(ImageRejected) as caught:
        open_image(upload(data), **kwargs)
    return caught.value.code


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_the_four_formats_are_taken(fmt):
    image = open_image(upload(picture(fmt)))
    assert image.size == (640, 480)


def test_the_format_comes_from_the_bytes_not_the_name_or_declared_type():
    # A PNG named .gif and declared as text is read as the PNG it is.
    assert open_image(upload(picture("PNG"), name="x.gif", content_type="text/plain")).size == (640, 480)
    # Text named .jpg and declared as a JPEG is not a picture.
    assert rejected_code(b"just some text, honestly" * 10) == "invalid_image"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_other_formats_are_refused(fmt):
    assert rejected_code(picture(fmt, size=(64, 64))) == "unsupported_format"


def test_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    assert rejected_code(svg) in {"invalid_image", "polyglot"}


def test_an_empty_file_is_refused():
    assert rejected_code(b"") == "empty_file"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.MEDIA_MAX_UPLOAD_MB = 1
    big = picture("PNG", size=(2000, 2000), mode="RGB", compress_level=0)
    assert len(big) > 1024 * 1024
    assert rejected_code(big) == "file_too_large"


def test_too_many_pixels_are_refused_before_decoding(settings):
    settings.MEDIA_MAX_PIXELS = 1_000_000
    assert rejected_code(picture("PNG", size=(1001, 1000))) == "too_many_pixels"


def test_a_20000_pixel_square_bomb_is_refused():
    # A tiny PNG that declares 20,000 x 20,000 pixels (400 million: 1.6 GB decoded).
    bomb = picture("PNG", size=(20_000, 20_000), mode="1")
    assert len(bomb) < 200_000
    assert rejected_code(bomb) == "too_many_pixels"


def test_an_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (50, 40), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = open_image(upload(out.getvalue()))
    assert image.size == (50, 40)
    assert image.getpixel((0, 0))[0] > 200  # red


def test_a_truncated_picture_is_refused():
    data = picture("JPEG", size=(800, 600))
    assert rejected_code(data[: len(data) // 2]) == "corrupt_image"


def test_corrupt_bytes_inside_a_valid_header_are_refused():
    data = bytearray(picture("PNG", size=(300, 300)))
    data[60:400] = b"\x00" * 340
    assert rejected_code(bytes(data)) in {"corrupt_image", "invalid_image"}


def test_a_picture_that_is_also_a_zip_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script>")
    assert rejected_code(picture("JPEG") + archive.getvalue()) == "polyglot"


def test_a_picture_that_is_also_a_web_page_is_refused():
    assert rejected_code(picture("GIF") + b"<html><script>alert(1)</script></html>") == "polyglot"
    assert rejected_code(picture("JPEG", comment=b"<!DOCTYPE html><p>hi")) == "polyglot"


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image = open_image(upload(picture("JPEG", size=(400, 200), exif=exif.tobytes())))
    assert image.size == (200, 400)


def test_no_metadata_survives_the_variants():
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    image = open_image(upload(picture("JPEG", exif=exif.tobytes(), comment=b"secret serial 12345")))
    variant = make_variants(image, {"large": 2048})["large"]
    assert b"CameraMaker" not in variant.content
    assert b"12345" not in variant.content
    decoded = Image.open(io.BytesIO(variant.content))
    assert decoded.format == "WEBP"
    assert not decoded.getexif()


def test_transparency_is_kept():
    image = open_image(upload(picture("PNG", mode="RGBA"), name="a.png"))
    assert image.mode == "RGBA"
    assert open_image(upload(picture("JPEG"))).mode == "RGB"


def test_variants_fit_their_size_and_are_never_enlarged():
    image = open_image(upload(picture("JPEG", size=(4000, 3000))), largest=1600)
    variants = make_variants(image, {"large": 1600, "small": 640, "huge": 9000})
    assert (variants["large"].width, variants["large"].height) == (1600, 1200)
    assert (variants["small"].width, variants["small"].height) == (640, 480)
    assert variants["huge"].width <= 4000


def test_square_variants_are_cropped_from_the_middle():
    image = open_image(upload(picture("PNG", size=(300, 100))))
    variants = make_variants(image, {"48": 48, "512": 512}, square=True)
    assert (variants["48"].width, variants["48"].height) == (48, 48)
    assert (variants["512"].width, variants["512"].height) == (100, 100)  # never enlarged


def test_saved_files_have_our_names_and_can_be_deleted():
    image = open_image(upload(picture(), name="../../etc/passwd.jpg"))
    saved = save_variants(make_variants(image, {"small": 64}), folder="posts")
    path = saved["small"]["path"]
    assert path.startswith("posts/")
    assert path.endswith("/small.webp")
    assert "passwd" not in path
    assert default_storage.exists(path)
    images.delete_files([path, path])  # the second time is not an error
    assert not default_storage.exists(path)


def test_a_failed_save_leaves_no_file_behind(monkeypatch):
    image = open_image(upload(picture()))
    variants = make_variants(image, {"a": 32, "b": 16})
    stored = []
    real_save = default_storage.save

    def save_then_fail(name, content):
        if stored:
            raise OSError("disk full")  # the second file
        stored.append(real_save(name, content))
        return stored[-1]

    monkeypatch.setattr(default_storage, "save", save_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save_variants(variants, folder="posts")
    assert not default_storage.exists(stored[0])
