"""发文 writes: 拟稿 (submit), actions on the flow, 发文字号, 手写签批, 归档, 重新分发.

Every change of the flow goes through the engine; what follows from it
(status, cards, 待办, delivery to the recipient units) is done by
`DocumentFlowListener` (backend/documents/flow.py) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import Conflict, InvalidInput, PermissionDenied
from backend.directory.models import Unit, User
from backend.documents import actions as doc_actions
from backend.documents import drafting, flows, numbering
from backend.documents.kinds import direction_of
from backend.documents.models import (
    CountersignParty,
    Document,
    DocumentFile,
    HandSign,
    Recipient,
    UnitSettings,
)
from backend.documents.selectors import document_get, is_office_of
from backend.workflow import resolvers
from backend.workflow import services as workflow
from backend.workflow.models import HistoryEntry, Instance, Task
from realtime import services as chat
from realtime.models import Attachment

SUBJECT = "document"  # the 发文 flow's subject type and the card type
RECEIPT_SUBJECT = "document_receipt"  # the 收文 flow's subject type
ASSISTANT = "documents"
ASSISTANT_NAME = "公文助手"
ASSISTANT_MOBILE = "10000000002"
CLIENT_ID_MAX = 64
OUTGOING_ACTIONS = ("approve", "return", "transfer", "comment", "urge", "withdraw", "resubmit")


# --- files ---------------------------------------------------------------------------


def document_file_upload(
    *,
    actor: User,
    name: str,
    size: int,
    stream: IO[bytes],
    main: bool,
    context: RequestContext = NO_CONTEXT,
) -> Attachment:
    """Store a 正文 file (`main`) or an 附件 after the 公文 checks; nothing stored if refused."""
    drafting.check_upload(name, size, stream, main=main)
    return chat.attachment_upload(actor=actor, name=name, size=size, stream=stream, context=context)


def handwriting_upload(
    *, actor: User, size: int, stream: IO[bytes], context: RequestContext = NO_CONTEXT
) -> Attachment:
    """Store a 手写签批 stroke image (a bounded PNG) to attach to an action."""
    drafting.check_handwriting(size, stream)
    return chat.attachment_upload(
        actor=actor, name="手写签批.png", size=size, stream=stream, context=context
    )


# --- 拟稿 --------------------------------------------------------------------------------


def document_submit(
    *,
    actor: User,
    data: Mapping[str, Any],
    client_id: str,
    context: RequestContext = NO_CONTEXT,
) -> Document:
    """拟稿 and send into the unit's 发文 flow; the same `client_id` returns the first one."""
    client_id = str(client_id or "").strip()
    if not 1 <= len(client_id) <= CLIENT_ID_MAX:
        raise InvalidInput.of(codes.INVALID_CLIENT_ID, "缺少请求标识")
    existing = Document.objects.filter(drafter=actor, client_id=client_id).first()
    if existing is not None:
        return existing
    origin = resolvers.origin_of(actor)
    draft = drafting.clean_draft(actor, data, origin.unit)
    flows.defaults_ensure(origin.unit)
    try:
        with transaction.atomic():
            document = _create(actor, origin, draft, client_id)
            audit_record(
                "document.submit",
                actor=actor,
                target=document,
                data={"kind": document.kind, "title": document.title},
                context=context,
            )
    except IntegrityError:
        existing = Document.objects.filter(drafter=actor, client_id=client_id).first()
        if existing is None:
            raise
        return existing
    document.refresh_from_db()
    return document


def _ancestors(unit: Unit) -> list[int]:
    ids, current = [], unit.parent
    while current is not None:
        ids.append(current.pk)
        current = current.parent
    return ids


def _direction(unit: Unit, draft: drafting.Draft) -> str:
    below = {u.pk for u in draft.main_to if unit.pk in _ancestors(u)}
    return direction_of(
        draft.kind, main_to=[u.pk for u in draft.main_to], above=set(_ancestors(unit)), below=below
    )


def _create(
    actor: User, origin: resolvers.Origin, draft: drafting.Draft, client_id: str
) -> Document:
    document = Document.objects.create(
        unit=origin.unit,
        department=origin.department,
        drafter=actor,
        kind=draft.kind,
        direction=_direction(origin.unit, draft),
        title=draft.title,
        secrecy=draft.secrecy,
        urgency=draft.urgency,
        publicity=draft.publicity,
        body=draft.body,
        main_file=draft.main_file,
        note=draft.note,
        client_id=client_id,
        created_at=timezone.now(),
    )
    Recipient.objects.bulk_create(
        [
            Recipient(document=document, unit=u, role="main", order=i)
            for i, u in enumerate(draft.main_to)
        ]
        + [
            Recipient(document=document, unit=u, role="copy", order=i)
            for i, u in enumerate(draft.copy_to)
        ]
    )
    DocumentFile.objects.bulk_create(
        DocumentFile(document=document, attachment=a, order=i)
        for i, a in enumerate(draft.attachments)
    )
    CountersignParty.objects.bulk_create(
        CountersignParty(
            document=document,
            order=i,
            kind=p.kind,
            unit=p.unit if p.kind == "unit" else None,
            department=p.department,
            name=p.name,
            assignee_id=p.assignee_id,
        )
        for i, p in enumerate(draft.countersign)
    )
    document.search_text = search_text(document, draft.main_to + draft.copy_to)
    document.save(update_fields=["search_text"])
    document.instance = workflow.instance_start(
        version=flows.current_version(origin.unit.pk, flows.OUTGOING),
        subject_type=SUBJECT,
        subject_id=str(document.pk),
        initiator=actor,
        facts={"countersign": bool(draft.countersigners), "kind": draft.kind},
        chosen={"countersign": draft.countersigners} if draft.countersigners else {},
        unit=origin.unit,
    )
    document.save(update_fields=["instance"])
    return document


def search_text(document: Document, units: list[Unit]) -> str:
    names = " ".join(u.name for u in units)
    return f"{document.title} {document.doc_number} {document.drafter.name} {names}"[:4000]


# --- acting on the 发文 flow -----------------------------------------------------------


def document_act(
    *,
    actor: User,
    document_id: int,
    action: str,
    params: workflow.ActParams | None = None,
    doc_number: str = "",
    handwriting: str = "",
    save_opinion: bool = False,
    context: RequestContext = NO_CONTEXT,
) -> Document:
    """One action on a document's 发文 flow, checked by the engine.

    Approving 签发 makes the actor the 签发人; approving 登记 assigns the
    发文字号 (the one typed in `doc_number`, refused if taken, else the next
    of the unit's series); approving 用印 stamps the time. `handwriting` is
    the token of a 手写签批 image the actor uploaded; it joins the 处理笺.
    """
    if action not in OUTGOING_ACTIONS:
        raise InvalidInput.of(codes.UNKNOWN_ACTION)
    document_get(viewer=actor, document_id=document_id)
    params = params or workflow.ActParams()
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        image = handwriting_of(actor, handwriting)
        require_opinion(document.flow, actor, action, params, image)
        if save_opinion and params.opinion.strip():
            workflow.opinion_save(actor=actor, text=params.opinion)
        changed = _before_engine(document, actor, action, params, doc_number)
        workflow.instance_act(
            instance_id=document.flow.pk, actor=actor, action=action, params=params
        )
        if changed:
            document.save(update_fields=changed)
        if image is not None:
            hand_sign_record(document.flow.pk, actor, image)
        audit_record(
            f"document.{action}",
            actor=actor,
            target=document,
            data={"opinion": params.opinion[:200], "doc_number": document.doc_number},
            context=context,
        )
    document.refresh_from_db()
    return document


def _before_engine(
    document: Document, actor: User, action: str, params: workflow.ActParams, doc_number: str
) -> list[str]:
    """The document's own part of an action (the engine may still refuse it: all rolls back)."""
    if action == "withdraw":
        _check_withdraw(document, actor)
        params.withdraw_until = flows.SIGN
        return []
    if action != "approve":
        return []
    step_id = my_step_id(document.flow, actor, params.task_id)
    now = timezone.now()
    if step_id == flows.SIGN:
        document.signer, document.signed_at = actor, now
        return ["signer", "signed_at"]
    if step_id == flows.REGISTER:
        return assign_number(document, doc_number.strip(), now)
    if step_id == flows.SEAL:
        document.sealed_at = now
        return ["sealed_at"]
    return []


def require_opinion(
    instance: Instance, actor: User, action: str, params: workflow.ActParams, image: Any
) -> None:
    """A 手写签批 image is the opinion: with one, words are optional everywhere; without,
    批示/拟办/办理完毕 need words (`opinion_required`), as 退回 does in the engine."""
    params.opinion_given = image is not None
    if image is not None or action != "approve" or params.opinion.strip():
        return
    step_id = my_step_id(instance, actor, params.task_id)
    if step_id in doc_actions.OPINION_REQUIRED:
        label = doc_actions.OPINION_LABELS.get(step_id, "意见")
        message = f"请填写{label}或手写签批"
        raise InvalidInput.of(codes.OPINION_REQUIRED, message, fields={"opinion": message})


def my_step_id(instance: Instance, actor: User, task_id: int | None = None) -> str:
    """The id of the step the actor holds a pending task on, or ""."""
    tasks = Task.objects.filter(instance=instance, assignee=actor, state=Task.State.PENDING)
    if task_id is not None:
        tasks = tasks.filter(pk=task_id)
    task = tasks.order_by("pk").first()
    return task.step_id if task is not None else ""


def _check_withdraw(document: Document, actor: User) -> None:
    if actor.pk != document.drafter_id:
        raise PermissionDenied.of(codes.NOT_DRAFTER, "只有拟稿人可以撤回")
    if document.signed_at is not None:
        raise Conflict.of(codes.WITHDRAW_AFTER_SIGN)


def assign_number(document: Document, typed: str, now: Any) -> list[str]:
    """登记: the 发文字号, kept if the document already has one (a return after 登记)."""
    if document.doc_number:
        return []
    prefix = UnitSettings.objects.get(unit_id=document.unit_id).prefix
    year = timezone.localtime(now).year
    if typed:
        if len(typed) > 64:
            raise InvalidInput.of(codes.INVALID_DOCUMENT, fields={"doc_number": "发文字号过长"})
        if Document.objects.filter(doc_number=typed).exists():
            raise Conflict.of(codes.DOC_NUMBER_TAKEN, f"发文字号{typed}已被使用")
        document.doc_number = typed
    else:
        seq = numbering.next_number(
            f"out:{prefix}",
            year,
            taken=lambda n: Document.objects.filter(
                doc_number=numbering.doc_number(prefix, year, n)
            ).exists(),
        )
        document.doc_number = numbering.doc_number(prefix, year, seq)
        document.number_year, document.number_seq = year, seq
    document.search_text = f"{document.search_text} {document.doc_number}"[:4000]
    return ["doc_number", "number_year", "number_seq", "search_text"]


def handwriting_of(actor: User, token: str) -> Attachment | None:
    if not token:
        return None
    image = Attachment.objects.filter(token=token, uploader=actor, mime="image/png").first()
    if image is None:
        raise InvalidInput.of(codes.INVALID_HANDWRITING, "手写签批图片不存在，请重新书写")
    return image


def hand_sign_record(instance_id: int, actor: User, image: Attachment) -> None:
    """Tie the stroke image to the actor's entry this action just wrote in the history."""
    entry = (
        HistoryEntry.objects.filter(instance_id=instance_id, actor=actor)
        .exclude(action__in=("finish", "cc"))
        .order_by("-seq")
        .first()
    )
    if entry is None:
        return
    HandSign.objects.get_or_create(
        instance_id=instance_id,
        seq=entry.seq,
        defaults={"user": actor, "image": image, "created_at": timezone.now()},
    )


# --- after 分发 --------------------------------------------------------------------------


def document_archive(
    *, actor: User, document_id: int, context: RequestContext = NO_CONTEXT
) -> Document:
    """归档: set the flag on a distributed document (its drafter or its unit's office)."""
    document = document_get(viewer=actor, document_id=document_id)
    if actor.pk != document.drafter_id and not is_office_of(actor, document.unit_id):
        raise PermissionDenied.of(codes.NOT_DRAFTER, "只有拟稿人或本单位收发员可以归档")
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.status != Document.Status.DISTRIBUTED:
            raise Conflict.of(codes.NOT_ARCHIVABLE)
        if locked.archived_at is None:
            locked.archived_at = timezone.now()
            locked.save(update_fields=["archived_at"])
            chat.card_updated(card_type=SUBJECT, object_id=str(locked.pk))
            audit_record("document.archive", actor=actor, target=locked, context=context)
    return locked
