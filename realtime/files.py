"""Deciding what an upload really is, from its bytes (never its name).

The allow-list is by detected content. Images are re-encoded by Pillow, which
drops EXIF (GPS, camera serials) and anything appended after the image data.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO

import puremagic
from PIL import Image, ImageOps

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Pillow's decompression-bomb guard, stated explicitly: 50 megapixels.
Image.MAX_IMAGE_PIXELS = 50_000_000
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
            fmt = img.format
            img.verify()
    except Exception:
        return None
    finally:
        stream.seek(0)
    if fmt in IMAGE_FORMATS:
        return Sniffed("image", IMAGE_FORMATS[fmt])
    return None


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
    """Re-encode without metadata; orientation applied. Returns (bytes, w, h, mime)."""
    stream.seek(0)
    with Image.open(stream) as img:
        if mime == "image/gif":
            # Keep animations: GIF has no EXIF; just re-save frames.
            out = io.BytesIO()
            img.save(out, format="GIF", save_all=True)
            return out.getvalue(), img.width, img.height, mime
        upright = ImageOps.exif_transpose(img)
        out = io.BytesIO()
        if mime == "image/png":
            upright.save(out, format="PNG", optimize=True)
        elif mime == "image/webp":
            upright.save(out, format="WEBP", quality=90)
        else:
            upright.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
        return out.getvalue(), upright.width, upright.height, mime


def make_thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        img.seek(0)
        thumb = img.convert("RGB")
        thumb.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        thumb.save(out, format="JPEG", quality=80)
        return out.getvalue()
