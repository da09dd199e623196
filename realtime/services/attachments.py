"""Attachments: checked, re-encoded uploads and audited downloads."""

from __future__ import annotations

import hashlib
import secrets
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.directory.models import User
from realtime import errors, files
from realtime.models import (
    Attachment,
)
from realtime.tasks import attachment_make_thumbnail

# --- attachments ---------------------------------------------------------------


def attachment_upload(
    *, actor: User, name: str, size: int, stream: IO[bytes], context: RequestContext = NO_CONTEXT
) -> Attachment:
    """Store an upload after checking what it really is; images are re-encoded.

    The thumbnail is made by the worker (enqueued in this transaction).
    """
    if size > settings.ZT_UPLOAD_MAX_BYTES:
        limit_mb = settings.ZT_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise errors.AttachmentTooLarge(f"文件过大，最大{limit_mb}MB")
    if size == 0:
        raise errors.AttachmentRejected("不能上传空文件")
    head = stream.read(8192)
    stream.seek(0)
    sniffed = files.sniff(head, stream)
    if sniffed is None:
        raise errors.AttachmentRejected()
    width = height = None
    if sniffed.kind == "image":
        data, width, height, mime = files.reencode_image(stream, sniffed.mime)
    else:
        data, mime = stream.read(), sniffed.mime
    safe_name = _safe_filename(name) or "未命名"
    with transaction.atomic():
        attachment = Attachment(
            token=secrets.token_hex(16),
            uploader=actor,
            kind=sniffed.kind,
            name=safe_name,
            mime=mime,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            width=width,
            height=height,
            created_at=timezone.now(),
        )
        attachment.file.save(attachment.token, ContentFile(data), save=False)
        attachment.save()
        if attachment.kind == "image":
            attachment_make_thumbnail.enqueue(attachment.pk)
        audit_record(
            "attachment.upload",
            actor=actor,
            target=attachment,
            data={"name": safe_name, "mime": mime, "size": len(data)},
            context=context,
        )
    return attachment


def _safe_filename(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base.strip()[:200]


def attachment_download_record(
    *, actor: User, attachment: Attachment, context: RequestContext = NO_CONTEXT
) -> None:
    """Audit a download (the selector has already checked access)."""
    audit_record(
        "attachment.download",
        actor=actor,
        target=attachment,
        data={"name": attachment.name},
        context=context,
    )
