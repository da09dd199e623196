"""Background jobs of the messaging core, run by the worker (`Procfile` worker:)."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django_tasks import task

from realtime.files import make_thumbnail
from realtime.models import Attachment

logger = logging.getLogger(__name__)


@task()
def attachment_make_thumbnail(attachment_id: int) -> None:
    """Render the chat thumbnail of an image; idempotent."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.kind != "image" or attachment.thumbnail:
        return
    if not attachment.file:  # purged meanwhile (剩余信息保护)
        return
    with attachment.file.open("rb") as handle:
        data = handle.read()
    thumbnail = make_thumbnail(data)
    attachment.thumbnail.save(f"{attachment.token}.jpg", ContentFile(thumbnail), save=False)
    attachment.save(update_fields=["thumbnail"])
    logger.info("thumbnail made for attachment %s", attachment.pk)


@task()
def attachment_purge(attachment_id: int) -> None:
    """剩余信息保护: remove the attachment's files from storage if nothing uses it now
    (after a recall, or an upload never sent within `ZT_UPLOAD_UNUSED_SECONDS`)."""
    from realtime.services.attachments import attachment_purge_if_unused

    attachment_purge_if_unused(attachment_id=attachment_id)
