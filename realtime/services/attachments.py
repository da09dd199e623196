"""Attachments: checked, re-encoded uploads and audited downloads."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.directory.models import User
from realtime import attachment_uses, errors, files
from realtime.models import Attachment, Message
from realtime.tasks import attachment_make_thumbnail, attachment_purge

logger = logging.getLogger(__name__)

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
        # 剩余信息保护: an upload never sent anywhere is removed from storage later.
        _enqueue_purge(
            attachment.pk,
            run_after=timezone.now() + timedelta(seconds=settings.ZT_UPLOAD_UNUSED_SECONDS),
        )
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


# --- 剩余信息保护: removing files nobody may see any more ---------------------------


def _enqueue_purge(attachment_id: int, *, run_after: datetime | None = None) -> None:
    """The purge job, stored in the caller's transaction (database back end); a back end
    that cannot hold a job until later (the browser tests' immediate one) gets only the
    undelayed ones, after commit (`attachments_sweep` catches the rest)."""
    backend = task_backends[attachment_purge.backend]
    if run_after is not None and not backend.supports_defer:
        return
    job = attachment_purge.using(run_after=run_after) if run_after else attachment_purge
    if isinstance(backend, DatabaseBackend):
        job.enqueue(attachment_id)
    else:
        transaction.on_commit(lambda: job.enqueue(attachment_id))


def attachment_purge_later(attachment_id: int) -> None:
    """A message with this attachment was recalled: purge it (worker) if nothing else uses it.
    Call inside the recall's transaction."""
    _enqueue_purge(attachment_id)


def attachment_in_use(attachment: Attachment) -> bool:
    """Someone may still see it: a message not recalled, another table's row, a domain app."""
    if Message.objects.filter(attachment=attachment, recalled_at__isnull=True).exists():
        return True
    if attachment_uses.referenced_by_other_tables(attachment):
        return True
    return bool(attachment_uses.tokens_in_use([attachment.token]))


def attachment_purge_if_unused(
    *, attachment_id: int, min_age_seconds: int = 0, context: RequestContext = NO_CONTEXT
) -> bool:
    """Remove an attachment's file and thumbnail from storage once nothing may show it.

    Recalled messages keep the row (their history shows 已撤回, and downloads
    answer `attachment_not_found`); an upload never sent is deleted whole.
    `min_age_seconds`: leave uploads younger than that (one may be about to be
    sent). The files go after commit, so a rolled-back purge loses nothing.
    Audited (`attachment.purge`). Returns whether anything was removed.
    """
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if attachment is None:
            return False
        young = (timezone.now() - attachment.created_at).total_seconds() < min_age_seconds
        if young or attachment_in_use(attachment):
            return False
        names = [f.name for f in (attachment.file, attachment.thumbnail) if f.name]
        storage = attachment.file.storage
        if not names:
            return False
        recalled = Message.objects.filter(attachment=attachment).exists()
        audit_record(
            "attachment.purge",
            target=attachment,
            data={"name": attachment.name, "why": "recalled" if recalled else "never_sent"},
            context=context,
        )
        if recalled:
            attachment.file.name = ""
            attachment.thumbnail.name = ""
            attachment.save(update_fields=["file", "thumbnail"])
        else:
            attachment.delete()
        transaction.on_commit(lambda: storage_delete(storage, names))
    return True


def storage_delete(storage: Any, names: list[str]) -> None:
    """Delete stored files; one already gone is no error (a retried job)."""
    for name in names:
        try:
            storage.delete(name)
        except FileNotFoundError:
            continue
        except OSError:
            logger.exception("could not delete %s from storage", name)


def attachments_sweep(*, older_than_seconds: int) -> int:
    """Purge every attachment older than that which nothing uses; returns how many.
    `manage.py attachments_sweep` (uploads from before the purge job existed, or whose
    job was lost)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Attachment.objects.filter(created_at__lt=cutoff)
        .exclude(file="")
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    return sum(attachment_purge_if_unused(attachment_id=pk) for pk in ids)
