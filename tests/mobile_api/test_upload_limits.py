"""Uploads refused cheaply or cleaned: pixel bombs, GIF bombs, corrupt files, comments."""

from __future__ import annotations

import io
import random
import struct
import time
import zlib
from typing import Any

import pytest
from PIL import Image, ImageCms

from realtime.models import Attachment
from tests.mobile_api.conftest import error_of
from tests.mobile_api.test_attachments import body, upload
from tests.realtime import factories

pytestmark = pytest.mark.django_db


def gif_bomb(frames: int, size: int = 2000) -> bytes:
    """A few hundred bytes: a size×size canvas and `frames` one-pixel frames."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", size, size) + bytes([0x80, 0, 0]))
    out += b"\x00\x00\x00\xff\xff\xff"  # a two-colour global palette
    for i in range(frames):
        out += b"!\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms
        out += b"," + struct.pack("<HHHH", i, i, 1, 1) + b"\x00"
        out += b"\x02\x02\x4c\x01\x00"  # LZW data of one white pixel
    return bytes(out + b";")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height, with only its first rows of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def timed_upload(client: Any, name: str, data: bytes) -> tuple[Any, float]:
    start = time.monotonic()
    response = upload(client, name, data)
    return response, time.monotonic() - start


def test_animated_gif_bomb_is_refused_from_its_header(client_for: Any, clerk: Any) -> None:
    client = client_for(clerk)
    for frames in (20, 30):
        data = gif_bomb(frames)
        assert len(data) < 1000
        response, seconds = timed_upload(client, "表情.gif", data)
        assert error_of(response) == (400, "image_too_large")
        assert "帧" in response.json()["error"]["message"]
        assert seconds < 1.0
    assert not Attachment.objects.exists()


def test_an_ordinary_animation_is_kept_cheaply(settings: Any, client_for: Any, clerk: Any) -> None:
    client = client_for(clerk)
    # 10 frames of 2000×2000 = 40 MP: under the animation budget, re-saved in palette mode.
    response, seconds = timed_upload(client, "动图.gif", gif_bomb(10))
    assert response.status_code == 201, response.json()
    assert seconds < 2.0
    stored = Attachment.objects.get(token=response.json()["id"])
    with Image.open(stored.file) as img:
        assert (img.size, getattr(img, "n_frames", 1)) == ((2000, 2000), 10)
    settings.ZT_IMAGE_MAX_TOTAL_PIXELS = 30_000_000
    assert error_of(upload(client, "动图.gif", gif_bomb(10))) == (400, "image_too_large")


def test_pixel_limit_is_ours_and_checked_before_decoding(
    settings: Any, client_for: Any, clerk: Any
) -> None:
    client = client_for(clerk)
    response, seconds = timed_upload(client, "大图.png", png_header_only(8000, 8000))
    assert error_of(response) == (400, "image_too_large")
    assert "8000×8000" in response.json()["error"]["message"]
    assert seconds < 1.0
    # 7000×7000 = 49 MP: under Pillow's own limit but over ours (40 MP).
    assert error_of(upload(client, "大图.png", png_header_only(7000, 7000))) == (
        400,
        "image_too_large",
    )
    settings.ZT_IMAGE_MAX_PIXELS = 60 * 50
    assert error_of(upload(client, "小图.png", factories.image_bytes("PNG"))) == (
        400,
        "image_too_large",
    )
    assert not Attachment.objects.exists()


def test_truncated_images_are_a_clear_400(client_for: Any, clerk: Any) -> None:
    client = client_for(clerk)
    noise = Image.frombytes("L", (640, 480), random.Random(11).randbytes(640 * 480))
    for fmt, name in (("JPEG", "断.jpg"), ("PNG", "断.png")):
        out = io.BytesIO()
        noise.save(out, format=fmt)
        data = out.getvalue()
        assert error_of(upload(client, name, data[: len(data) // 2])) == (400, "image_corrupt")
    assert not Attachment.objects.exists()


def test_comments_are_stripped_and_the_colour_profile_kept(client_for: Any, clerk: Any) -> None:
    client = client_for(clerk)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    jpeg = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(
        jpeg, format="JPEG", comment=b"secret: room 301", icc_profile=icc
    )
    gif = io.BytesIO()
    frames = [Image.new("RGB", (16, 16), (80 * i, 0, 0)) for i in range(3)]
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], comment=b"secret")
    for name, data in (("注释.jpg", jpeg.getvalue()), ("注释.gif", gif.getvalue())):
        with Image.open(io.BytesIO(data)) as original:
            assert original.info.get("comment")  # the probe's premise: it is there
        response = upload(client, name, data)
        assert response.status_code == 201
        stored = body(client.get(response.json()["url"]))
        assert b"secret" not in stored
        with Image.open(io.BytesIO(stored)) as img:
            assert "comment" not in img.info
            if img.format == "JPEG":
                assert img.info.get("icc_profile") == icc
            else:
                assert getattr(img, "n_frames", 1) == 3
