"""剩余信息保护 (#11): files nobody may see any more are removed from storage — a recalled
message's file and thumbnail, an upload never sent, a replaced avatar — on the
filesystem storage, by the service and the worker's purge job."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backend.approvals import services as approvals
from backend.approvals.models import Template
from backend.audit.models import AuditEntry
from backend.directory import services as directory
from backend.directory.models import User
from realtime import services
from realtime.models import Attachment, Conversation
from realtime.services.attachments import attachment_purge_if_unused
from tests.push.conftest import run_jobs
from tests.realtime.factories import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(private_media: None) -> None:
    """Each test's uploads in its own folder (tests/conftest.py)."""


def upload(actor: User, name: str, data: bytes) -> Attachment:
    return services.attachment_upload(
        actor=actor, name=name, size=len(data), stream=io.BytesIO(data)
    )


def stored(attachment: Attachment) -> list[Path]:
    """The attachment's files on disk (file, thumbnail)."""
    root = Path(settings.MEDIA_ROOT)
    return [root / f.name for f in (attachment.file, attachment.thumbnail) if f.name]


@pytest.fixture
def chat(director: User, staff: User) -> Conversation:
    return services.direct_conversation_get_or_create(actor=director, other_id=staff.pk)


def test_a_recalled_image_leaves_storage_with_its_thumbnail(
    chat: Conversation, director: User, staff: User
) -> None:
    image = upload(director, "现场.png", image_bytes())
    run_jobs()  # the thumbnail (the purge job scheduled for tomorrow is not due)
    image.refresh_from_db()
    files = stored(image)
    assert len(files) == 2 and all(f.exists() for f in files)
    message, _ = services.message_send(
        actor=director, conversation_id=chat.pk, attachment_id=image.token, client_id="r1"
    )
    services.message_recall(actor=director, message_id=message.pk)
    assert all(f.exists() for f in files)  # the worker removes them
    run_jobs()
    assert not any(f.exists() for f in files)
    image.refresh_from_db()
    assert (image.file.name, image.thumbnail.name) == ("", "")  # the row stays for history
    entry = AuditEntry.objects.get(action="attachment.purge")
    assert (entry.target_id, entry.data) == (str(image.pk), {"name": "现场.png", "why": "recalled"})
    # Nobody downloads it any more, the uploader included.
    for user in (director, staff):
        client = Client()
        client.force_login(user)
        response = client.get(f"/api/v1/attachments/{image.token}/download")
        assert (response.status_code, response.json()["error"]["code"]) == (
            404,
            "attachment_not_found",
        )


def test_a_file_still_shown_elsewhere_stays(
    chat: Conversation, director: User, clerk: User
) -> None:
    """The same upload sent twice: recalling one message leaves the other's file."""
    document = upload(director, "通知.pdf", pdf_bytes())
    first, _ = services.message_send(
        actor=director, conversation_id=chat.pk, attachment_id=document.token, client_id="a"
    )
    group = services.group_create(actor=director, name="办公室", member_ids=[clerk.pk])
    services.message_send(
        actor=director, conversation_id=group.pk, attachment_id=document.token, client_id="b"
    )
    services.message_recall(actor=director, message_id=first.pk)
    run_jobs()
    assert all(f.exists() for f in stored(document))
    assert not AuditEntry.objects.filter(action="attachment.purge").exists()


def test_an_upload_in_an_approval_form_is_never_purged(
    director: User, staff: User, org: dict[str, Any]
) -> None:
    """审批 keeps upload tokens inside its form (a registered `attachment_uses` checker)."""
    scan = upload(staff, "请示.pdf", pdf_bytes())
    seal = Template.objects.get(unit=org["office"], code="seal")
    form = {
        "seal_type": "单位公章",
        "document": "关于申请2027年度专项经费的请示",
        "copies": 2,
        "reason": "报送市财政局",
        "files": [scan.token],
    }
    approvals.approval_submit(actor=staff, template_id=seal.pk, form=form, client_id="ap1")
    Attachment.objects.filter(pk=scan.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert not attachment_purge_if_unused(attachment_id=scan.pk)
    call_command("attachments_sweep", stdout=io.StringIO())
    assert all(f.exists() for f in stored(scan))


def test_an_upload_never_sent_is_removed_by_its_job(director: User) -> None:
    draft = upload(director, "草稿.pdf", pdf_bytes())
    files = stored(draft)
    run_jobs()
    assert Attachment.objects.filter(pk=draft.pk).exists()  # not due yet
    run_jobs(later=True)  # ZT_UPLOAD_UNUSED_SECONDS later
    assert not Attachment.objects.filter(pk=draft.pk).exists()
    assert not any(f.exists() for f in files)
    assert AuditEntry.objects.get(action="attachment.purge").data["why"] == "never_sent"


def test_the_sweep_command_catches_old_unused_uploads(chat: Conversation, director: User) -> None:
    old = upload(director, "旧.pdf", pdf_bytes())
    sent = upload(director, "已发.pdf", pdf_bytes())
    services.message_send(
        actor=director, conversation_id=chat.pk, attachment_id=sent.token, client_id="s"
    )
    fresh = upload(director, "新.pdf", pdf_bytes())
    Attachment.objects.filter(pk__in=[old.pk, sent.pk]).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    out = io.StringIO()
    call_command("attachments_sweep", stdout=out)
    assert out.getvalue().strip() == "removed 1 unused attachment(s) from storage"
    assert set(Attachment.objects.values_list("pk", flat=True)) == {sent.pk, fresh.pk}
    assert not any(f.exists() for f in stored(old))


def test_a_replaced_avatar_leaves_storage(staff: User) -> None:
    directory.avatar_set(user=staff, content=image_bytes(), name="a.png")
    first = Path(settings.MEDIA_ROOT) / staff.avatar.name
    assert first.exists()
    directory.avatar_set(user=staff, content=image_bytes(size=(32, 32)), name="b.png")
    second = Path(settings.MEDIA_ROOT) / staff.avatar.name
    assert second.exists() and not first.exists()
    directory.avatar_set(user=staff, content=None)
    assert not second.exists()
    staff.refresh_from_db()
    assert not staff.avatar
