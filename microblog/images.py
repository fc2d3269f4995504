"""Uploaded pictures: checked by decoding them, re-encoded without metadata, stored in our sizes.

Both kinds of picture go through here: a post's attachments (posts) and a person's
avatar (accounts). An upload is never trusted by its name or declared type:

1. `open_image()` reads the bytes (refusing empty and oversized files and files that are
   also a zip or an HTML page), lets Pillow name the format from the content (JPEG, PNG,
   WebP or GIF, nothing else: no SVG), refuses more pixels than `MEDIA_MAX_PIXELS`
   before decoding a byte of them (a decompression bomb), decodes the first frame (a
   GIF's or an animated WebP's first frame only), and turns it upright from its EXIF
   orientation.
2. `make_variants()` draws the sizes the pages show from it, as new WebP files: nothing
   of the upload's bytes survives, so neither does its metadata (GPS, camera serial) nor
   anything hidden in it.
3. `save_variants()` stores them through Django's default storage (the filesystem, or
   S3 when configured) under names of our own, and `delete_files()` takes them back.

Every refusal is an `ImageRejected` (a ValidationError with a message for the person and
a code for the API), never a 500.
"""

import contextlib
import io
import math
import os
import secrets
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

# What Pillow may name an upload; any other format (SVG, BMP, TIFF, ICO, PSD...) is refused.
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# What a file input offers to pick (`accept`): a hint for the picker, never a check.
ACCEPTED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
OUTPUT_FORMAT, OUTPUT_EXTENSION, OUTPUT_CONTENT_TYPE = "WEBP", "webp", "image/webp"
OUTPUT_QUALITY = 82
# Markup that a browser could render if it ever sniffed the file as HTML; our variants are
# new files anyway, but an upload that carries it is refused rather than quietly cleaned.
_MARKUP = (b"<!doctype html", b"<html", b"<script", b"<iframe", b"<object", b"<embed")


class ImageRejected(ValidationError):
    """An upload that is not a picture we take; `message` says why in the person's language."""


@dataclass(frozen=True)
class Variant:
    """One size of a picture, as a new WebP file."""

    content: bytes
    width: int
    height: int


def max_upload_bytes() -> int:
    return settings.MEDIA_MAX_UPLOAD_MB * 1024 * 1024


def open_image(upload, *, largest: int | None = None) -> Image.Image:
    """Return the first frame of `upload` (a file object), decoded and upright, or raise ImageRejected.

    With `largest` (the longest side any variant will have), a big JPEG is decoded at a
    fraction of its size straight away (Pillow's draft mode), which is several times faster.
    """
    data = _read_limited(upload)
    _refuse_hidden_payloads(data)
    with warnings.catch_warnings():
        # Pillow warns past its own pixel limit and raises past twice it; ours is checked below.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            image_format, (width, height) = image.format, image.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            message = _("This file is not a picture we can read (JPEG, PNG, WebP or GIF).")
            raise ImageRejected(message, code="invalid_image") from None
        if image_format not in ALLOWED_FORMATS:
            raise ImageRejected(_("Pictures must be JPEG, PNG, WebP or GIF."), code="unsupported_format")
        if width < 1 or height < 1 or width * height > settings.MEDIA_MAX_PIXELS:
            raise _too_many_pixels()
        try:
            if largest and image_format == "JPEG" and max(width, height) > largest:
                scale = largest / max(width, height)
                image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
            image.seek(0)  # an animation shows its first frame
            image.load()
            image = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError, SyntaxError):
            raise ImageRejected(_("This picture is damaged or cut short."), code="corrupt_image") from None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    return image.convert("RGB")


def make_variants(image: Image.Image, sizes: Mapping[str, int], *, square: bool = False) -> dict[str, Variant]:
    """Return `image` in each of `sizes` (name -> longest side, or side when `square`), never enlarged."""
    if square:
        side = min(image.size)
        image = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
    variants = {}
    for name, longest in sizes.items():
        sized = image.copy()
        if square:
            if sized.width > longest:
                sized = sized.resize((longest, longest), Image.Resampling.LANCZOS)
        else:
            sized.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        sized.save(out, OUTPUT_FORMAT, quality=OUTPUT_QUALITY, method=4)
        variants[name] = Variant(out.getvalue(), sized.width, sized.height)
    return variants


def save_variants(variants: Mapping[str, Variant], *, folder: str) -> dict[str, dict]:
    """Store `variants` under `folder`/<a random name>/, and return name -> {"path", "width", "height"}."""
    token = secrets.token_hex(12)
    saved = {}
    try:
        for name, variant in variants.items():
            content = ContentFile(variant.content)
            # Our type, not one guessed from the name: S3 stores it and serves it back.
            content.content_type = OUTPUT_CONTENT_TYPE
            path = default_storage.save(f"{folder}/{token}/{name}.{OUTPUT_EXTENSION}", content)
            saved[name] = {"path": path, "width": variant.width, "height": variant.height}
    except Exception:
        delete_files(entry["path"] for entry in saved.values())
        raise
    return saved


def delete_files(paths: Iterable[str]) -> None:
    """Delete the stored files at `paths`; a file already gone is not an error.

    On the filesystem, the picture's own folder (`folder`/<random>/) goes too once empty;
    an object store has no folders to leave behind.
    """
    for path in paths:
        if path:
            default_storage.delete(path)
            _remove_empty_folder(path)


def _remove_empty_folder(path: str) -> None:
    try:
        folder = os.path.dirname(default_storage.path(path))
    except NotImplementedError:
        return
    with contextlib.suppress(OSError):  # not empty (another size still there), or already gone
        os.rmdir(folder)


def _too_many_pixels() -> ImageRejected:
    return ImageRejected(
        _("This picture has too many pixels: at most %(limit)s million are allowed.")
        % {"limit": settings.MEDIA_MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _read_limited(upload) -> bytes:
    """Return the bytes of `upload`, refusing an empty one and one over MEDIA_MAX_UPLOAD_MB."""
    limit = max_upload_bytes()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise ImageRejected(_("This file is empty."), code="empty_file")
    if len(data) > limit:
        raise ImageRejected(
            ngettext(
                "Pictures may be at most %(size)d MB.",
                "Pictures may be at most %(size)d MB.",
                settings.MEDIA_MAX_UPLOAD_MB,
            )
            % {"size": settings.MEDIA_MAX_UPLOAD_MB},
            code="file_too_large",
        )
    return data


def _refuse_hidden_payloads(data: bytes) -> None:
    """Refuse a file that is also an archive or a web page (a polyglot), whatever it decodes as."""
    head = data[:1024].lower()
    if zipfile.is_zipfile(io.BytesIO(data)) or any(marker in head for marker in _MARKUP) or b"<script" in data.lower():
        raise ImageRejected(_("This file holds more than a picture."), code="polyglot")
