"""Uploads and per-request authorised downloads."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.audit.models import AuditEntry
from realtime import services
from realtime.models import Attachment
from realtime.tasks import attachment_make_thumbnail
from tests.mobile_api.conftest import error_of
from tests.realtime import factories

pytestmark = pytest.mark.django_db


def upload(client: Any, name: str, data: bytes, mime: str = "application/octet-stream") -> Any:
    return client.post(
        "/api/v1/attachments", {"file": SimpleUploadedFile(name, data, content_type=mime)}
    )


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def group(director: Any, clerk: Any, staff: Any) -> Any:
    return services.group_create(actor=director, name="工作群", member_ids=[clerk.pk, staff.pk])


def test_upload_image_send_and_download(
    client_for: Any, group: Any, clerk: Any, staff: Any, outsider: Any
) -> None:
    uploader = client_for(clerk)
    response = upload(uploader, "现场.jpg", factories.image_bytes("JPEG"), "image/jpeg")
    assert response.status_code == 201
    info = response.json()
    assert (info["kind"], info["mime"], info["name"]) == ("image", "image/jpeg", "现场.jpg")
    sent = uploader.post(
        f"/api/v1/conversations/{group.pk}/messages",
        {"attachment_id": info["id"]},
        content_type="application/json",
    )
    assert sent.status_code == 201
    assert sent.json()["attachment"]["id"] == info["id"]

    member = client_for(staff)
    inline = member.get(info["url"])
    assert inline.status_code == 200
    assert inline["Content-Type"] == "image/jpeg"
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(body(inline))) as img:
        assert dict(img.getexif()) == {}
    forced = member.get(info["url"] + "?download=1")
    assert forced["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA.jpg" in forced["Content-Disposition"]
    downloads = AuditEntry.objects.filter(action="attachment.download", actor=staff)
    assert downloads.count() == 2
    assert downloads.first().target_id == str(Attachment.objects.get(token=info["id"]).pk)  # type: ignore[union-attr]

    # Before the worker runs, the thumbnail URL serves the (re-encoded) image.
    early = member.get(info["thumbnail_url"])
    assert (early.status_code, early["Content-Type"]) == (200, "image/jpeg")
    attachment_make_thumbnail.call(Attachment.objects.get(token=info["id"]).pk)
    thumb = member.get(info["thumbnail_url"])
    assert thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(body(thumb))) as img:
        assert img.format == "JPEG"

    stranger = client_for(outsider)
    before = AuditEntry.objects.count()
    for url in (info["url"], info["thumbnail_url"]):
        assert error_of(stranger.get(url)) == (404, "attachment_not_found")
    assert AuditEntry.objects.count() == before
    assert error_of(member.get("/api/v1/attachments/nope/download")) == (
        404,
        "attachment_not_found",
    )


def test_upload_files_and_rejections(settings: Any, client_for: Any, clerk: Any) -> None:
    client = client_for(clerk)
    pdf = upload(client, "通知.pdf", factories.pdf_bytes())
    assert (pdf.status_code, pdf.json()["mime"], pdf.json()["thumbnail_url"]) == (
        201,
        "application/pdf",
        None,
    )
    own = client.get(pdf.json()["url"])
    assert own["Content-Disposition"].startswith("attachment")
    assert body(own) == factories.pdf_bytes()
    assert error_of(client.get(pdf.json()["url"].replace("download", "thumbnail"))) == (
        400,
        "no_thumbnail",
    )
    docx = upload(client, "方案.docx", factories.docx_bytes())
    assert docx.json()["mime"].endswith("wordprocessingml.document")

    settings.ZT_UPLOAD_MAX_BYTES = 1024
    assert error_of(upload(client, "病毒.jpg", factories.exe_bytes(), "image/jpeg")) == (
        400,
        "attachment_rejected",
    )
    assert error_of(upload(client, "空.txt", b"")) == (400, "attachment_rejected")
    assert error_of(upload(client, "大.txt", b"a" * 2048)) == (400, "attachment_too_large")
    assert error_of(client.post("/api/v1/attachments", {})) == (400, "no_file")
    assert Attachment.objects.count() == 2
