"""Deciding what an upload really is, from its bytes (never its name).

The allow-list is by detected content. Images are re-encoded by Pillow, which
drops EXIF (GPS, camera serials), XMP, IPTC, JPEG/GIF comments and anything
appended after the image data; the ICC colour profile is kept (it only says
how to show the colours, and dropping it turns wide-gamut phone photos dull).

Before anything is decoded the header's size is checked against our own
limits (`ZT_IMAGE_MAX_PIXELS` for one frame, `ZT_IMAGE_MAX_TOTAL_PIXELS` for
frames × width × height of an animation): Pillow's own guard only raises at
twice its limit, and it never counts frames.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO

import puremagic
from django.conf import settings
from PIL import GifImagePlugin, Image, ImageOps

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Pillow's own decompression-bomb guard warns at its limit and raises only at
# twice it; `check_pixels` below runs on every untrusted image before any
# decoding, with our limits and a clear error, so Pillow's is switched off.
Image.MAX_IMAGE_PIXELS = None
# Animated GIFs stay in palette mode while they share one palette: re-saving
# them then needs no re-quantising of every frame (a 20-frame 2000×2000 GIF
# costs 0.05 s instead of seconds).
GifImagePlugin.LOADING_STRATEGY = GifImagePlugin.LoadingStrategy.RGB_AFTER_DIFFERENT_PALETTE_ONLY
# Errors Pillow raises on a corrupt or truncated file while decoding.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
THUMBNAIL_SIZE = (480, 480)

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}
MAGIC_ALLOWED = {
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".amr": "audio/amr",
    ".7z": "application/x-7z-compressed",
    ".rar": "application/vnd.rar",
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc/.xls/.ppt/.wps


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "image" | "file"
    mime: str


def sniff(head: bytes, stream: IO[bytes]) -> Sniffed | None:
    """Classify by content; None means not on the allow-list."""
    image = _sniff_image(stream)
    if image is not None:
        return image
    if head.startswith(OLE2):
        return Sniffed("file", "application/msword")
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(stream)
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    for match in matches:
        mime = MAGIC_ALLOWED.get(match.extension)
        if mime:
            return Sniffed("file", mime)
    if _is_text(head):
        return Sniffed("file", "text/plain")
    return None


def _sniff_image(stream: IO[bytes]) -> Sniffed | None:
    stream.seek(0)
    try:
        with Image.open(stream) as img:
            if img.format not in IMAGE_FORMATS:
                return None
            check_pixels(img)  # header only: nothing decoded yet
            try:
                img.verify()
            except Exception:
                # It says it is one of our image formats but its data is broken.
                raise InvalidInput.of(codes.IMAGE_CORRUPT) from None
            return Sniffed("image", IMAGE_FORMATS[img.format])
    except InvalidInput:
        raise
    except Exception:
        return None
    finally:
        stream.seek(0)


def check_pixels(img: Image.Image) -> None:
    """Refuse an image whose decoded size is over our limits, from its header alone.

    Counting an animation's frames walks the frame headers without decoding
    them (cheap even for thousands of one-pixel frames).
    """
    width, height = img.size
    if width * height > settings.ZT_IMAGE_MAX_PIXELS:
        limit = settings.ZT_IMAGE_MAX_PIXELS / 1_000_000
        raise InvalidInput.of(
            codes.IMAGE_TOO_LARGE, f"图片尺寸过大（{width}×{height}），最多{limit:g}百万像素"
        )
    frames = getattr(img, "n_frames", 1)
    if frames > 1 and frames * width * height > settings.ZT_IMAGE_MAX_TOTAL_PIXELS:
        limit = settings.ZT_IMAGE_MAX_TOTAL_PIXELS / 1_000_000
        raise InvalidInput.of(
            codes.IMAGE_TOO_LARGE,
            f"动图过大（{frames}帧，{width}×{height}），帧数×像素最多{limit:g}百万",
        )


def _sniff_zip(stream: IO[bytes]) -> Sniffed | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    finally:
        stream.seek(0)
    if "[Content_Types].xml" in names:
        for prefix, (mime, _ext) in OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return Sniffed("file", mime)
    if "OFD.xml" in names:
        return Sniffed("file", "application/ofd")
    return Sniffed("file", "application/zip")


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sample.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def reencode_image(stream: IO[bytes], mime: str) -> tuple[bytes, int, int, str]:
    """Re-encode without metadata; orientation applied. Returns (bytes, w, h, mime).

    A truncated or corrupt image raises `InvalidInput` (`image_corrupt`).
    """
    stream.seek(0)
    try:
        with Image.open(stream) as img:
            check_pixels(img)
            return _reencode(img, mime)
    except DECODE_ERRORS:
        raise InvalidInput.of(codes.IMAGE_CORRUPT) from None


def _reencode(img: Image.Image, mime: str) -> tuple[bytes, int, int, str]:
    out = io.BytesIO()
    # Pillow copies a comment (and, for PNG, the ICC profile) from `info`
    # unless told otherwise: say exactly what is written.
    icc = img.info.get("icc_profile") or None
    if mime == "image/gif":
        # Keep animations (in palette mode, see LOADING_STRATEGY); no comment.
        img.save(out, format="GIF", save_all=True, comment=b"")
        return out.getvalue(), img.width, img.height, mime
    upright = ImageOps.exif_transpose(img)
    upright.info.pop("comment", None)
    if mime == "image/png":
        upright.save(out, format="PNG", optimize=True, icc_profile=icc)
    elif mime == "image/webp":
        upright.save(out, format="WEBP", quality=90, icc_profile=icc)
    else:
        upright.convert("RGB").save(
            out, format="JPEG", quality=90, optimize=True, icc_profile=icc, comment=b""
        )
    return out.getvalue(), upright.width, upright.height, mime


def make_thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        img.seek(0)
        thumb = img.convert("RGB")
        thumb.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        thumb.save(out, format="JPEG", quality=80)
        return out.getvalue()
