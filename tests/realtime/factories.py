"""Bytes of real files for upload tests (made with Pillow and zipfile, not fixtures on disk)."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

GPS_IFD = 0x8825


def image_bytes(fmt: str = "PNG", *, size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    """An image with camera EXIF and (by default) a GPS position in it."""
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS R5"  # Model
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (22.0, 32.0, 1.5), 3: "E", 4: (113.0, 15.0, 2.0)}
    out = io.BytesIO()
    img.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>关于做好年度预算编制的通知'
            "</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def exe_bytes() -> bytes:
    """The start of a Windows PE executable (MZ header, DOS stub)."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\xb8"
        + b"\x00" * 7
        + b"\x40"
        + b"\x00" * 35
        + b"\x80\x00\x00\x00"
        + b"This program cannot be run in DOS mode.\r\r\n$"
        + b"\x00" * 200
    )
