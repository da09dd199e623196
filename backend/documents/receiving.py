"""收文 writes: delivery to each recipient unit (分发), 签收 / 退回, 登记, handling, 重新分发.

签收, 退回 and 登记 are the recipient unit's office (its 收发员, or its admins
where it has none) acting on the `Receipt`; 登记 starts the unit's 收文 flow
(拟办 → 批办 → 承办, or 拟办 → 传阅), whose changes `ReceiptFlowListener`
follows. The sender sees each unit's 送达回执 live: every change of a
receipt updates the document's card too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import Conflict, InvalidInput, PermissionDenied
from backend.directory.models import Position, User
from backend.documents import flows, numbering
from backend.documents.models import Document, Receipt
from backend.documents.selectors import clerks_of, document_get, is_office_of, receipt_get
from backend.documents.services import (
    ASSISTANT,
    RECEIPT_SUBJECT,
    SUBJECT,
    hand_sign_record,
    handwriting_of,
    my_step_id,
    require_opinion,
)
from backend.todo import registry
from backend.workflow import services as workflow
from realtime import services as chat

RECEIPT_ACTIONS = ("approve", "return", "transfer", "comment", "urge", "resubmit")
REASON_MAX = 200
COPIES_MAX = 999


def receipt_card_id(receipt: Receipt) -> str:
    """The card of a 收文 is the `document` card type with object id `r<receipt id>`."""
    return f"r{receipt.pk}"


def receipt_changed(receipt: Receipt, user_ids: list[int] | None = None) -> None:
    """Cards of the receipt and of its document (the sender's 送达回执) are live; 待办 move."""
    chat.card_updated(card_type=SUBJECT, object_id=receipt_card_id(receipt))
    chat.card_updated(card_type=SUBJECT, object_id=str(receipt.document_id))
    registry.changed([*clerks_of([receipt.unit_id])[receipt.unit_id], *(user_ids or [])])


def deliver(document: Document, unit_ids: list[int] | None = None) -> list[Receipt]:
    """分发: a 待签收 receipt per recipient unit (or the ones named), a card to its clerks."""
    now = timezone.now()
    recipients = document.recipients.all()
    if unit_ids is not None:
        recipients = recipients.filter(unit_id__in=unit_ids)
    receipts = []
    for recipient in recipients:
        receipt, _ = Receipt.objects.update_or_create(
            document=document,
            unit_id=recipient.unit_id,
            defaults={
                "role": recipient.role,
                "status": Receipt.Status.DELIVERED,
                "delivered_at": now,
            },
        )
        receipts.append(receipt)
    clerks = clerks_of([r.unit_id for r in receipts])
    for receipt in receipts:
        chat.card_send_to_people(
            account=ASSISTANT,
            user_ids=clerks[receipt.unit_id],
            card_type=SUBJECT,
            object_id=receipt_card_id(receipt),
            title=f"{document.unit.name}来文：{document.title}，待签收",
        )
    registry.changed([i for ids in clerks.values() for i in ids])
    return receipts


def _locked(actor: User, receipt_id: int, *, office: bool = True) -> Receipt:
    receipt = receipt_get(viewer=actor, receipt_id=receipt_id)
    if office and not is_office_of(actor, receipt.unit_id):
        raise PermissionDenied.of(codes.NOT_DOCUMENT_CLERK)
    return Receipt.objects.select_for_update().select_related("document__unit").get(pk=receipt.pk)


def _require_status(receipt: Receipt, status: str, verb: str) -> None:
    if receipt.status != status:
        label = Receipt.Status(receipt.status).label
        raise Conflict.of(codes.RECEIPT_STATE, f"该收文{label}，不能再{verb}")


def receipt_sign(*, actor: User, receipt_id: int, context: RequestContext = NO_CONTEXT) -> Receipt:
    """签收; repeating it is harmless."""
    with transaction.atomic():
        receipt = _locked(actor, receipt_id)
        if receipt.status == Receipt.Status.SIGNED and receipt.signed_by_id == actor.pk:
            return receipt
        _require_status(receipt, Receipt.Status.DELIVERED, "签收")
        receipt.status, receipt.signed_by, receipt.signed_at = "signed", actor, timezone.now()
        receipt.save(update_fields=["status", "signed_by", "signed_at"])
        receipt_changed(receipt)
        audit_record("document.receipt.sign", actor=actor, target=receipt, context=context)
    return receipt


def receipt_refuse(
    *, actor: User, receipt_id: int, reason: str, context: RequestContext = NO_CONTEXT
) -> Receipt:
    """退回 to the sender with a reason, instead of signing for it."""
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        message = f"请填写退回理由（不超过{REASON_MAX}字）"
        raise InvalidInput.of(codes.OPINION_REQUIRED, message, fields={"reason": message})
    with transaction.atomic():
        receipt = _locked(actor, receipt_id)
        _require_status(receipt, Receipt.Status.DELIVERED, "退回")
        receipt.status, receipt.refused_by, receipt.refused_at = "refused", actor, timezone.now()
        receipt.refuse_reason = reason
        receipt.save(update_fields=["status", "refused_by", "refused_at", "refuse_reason"])
        receipt_changed(receipt)
        document = receipt.document
        chat.card_send_to_people(
            account=ASSISTANT,
            user_ids=[document.drafter_id],
            card_type=SUBJECT,
            object_id=str(document.pk),
            title=f"{receipt.unit.name}退回了《{document.title}》：{reason}",
        )
        audit_record(
            "document.receipt.refuse",
            actor=actor,
            target=receipt,
            data={"reason": reason},
            context=context,
        )
    return receipt


def _registration(receipt: Receipt, data: Mapping[str, Any]) -> dict[str, Any]:
    def bad(name: str, message: str) -> InvalidInput:
        return InvalidInput.of(codes.INVALID_REGISTRATION, message, fields={name: message})

    handle_type = data.get("handle_type")
    if handle_type not in Receipt.HandleType.values:
        raise bad("handle_type", "请选择办件或阅件")
    circulate = data.get("circulate") or "sequential"
    if circulate not in ("sequential", "all"):
        raise bad("circulate", "传阅方式应为依次或同时")
    copies = data.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= COPIES_MAX:
        raise bad("copies", f"份数应为1至{COPIES_MAX}")
    number = data.get("source_number")
    if number is not None and (not isinstance(number, str) or len(number) > 64):
        raise bad("source_number", "来文字号不能超过64字")
    return {
        "handle_type": handle_type,
        "circulate": circulate,
        "copies": copies,
        "source_number": (number or "").strip() or receipt.document.doc_number,
    }


def receipt_register(
    *,
    actor: User,
    receipt_id: int,
    data: Mapping[str, Any],
    context: RequestContext = NO_CONTEXT,
) -> Receipt:
    """登记: the 收文编号 (gapless per unit per year) and the details; starts the 收文 flow."""
    with transaction.atomic():
        receipt = _locked(actor, receipt_id)
        _require_status(receipt, Receipt.Status.SIGNED, "登记")
        cleaned = _registration(receipt, data)
        now = timezone.now()
        year = timezone.localtime(now).year
        seq = numbering.next_number(f"in:{receipt.unit_id}", year)
        receipt.register_no = numbering.register_number(year, seq)
        receipt.registered_at = now
        receipt.source_unit_name = receipt.document.unit.name
        receipt.source_number = cleaned["source_number"]
        receipt.copies, receipt.handle_type = cleaned["copies"], cleaned["handle_type"]
        receipt.status = Receipt.Status.HANDLING
        receipt.save()
        flows.defaults_ensure(receipt.unit)
        receipt.instance = workflow.instance_start(
            version=flows.current_version(receipt.unit_id, flows.INCOMING),
            subject_type=RECEIPT_SUBJECT,
            subject_id=str(receipt.pk),
            initiator=actor,
            facts={"handle_type": cleaned["handle_type"], "circulate": cleaned["circulate"]},
            chosen={},
            unit=receipt.unit,
        )
        receipt.save(update_fields=["instance"])
        # The flow's start is not announced (ReceiptFlowListener skips "submit"):
        # the sender's 送达回执 (办理中, 收文编号) and the receipt's card move here.
        receipt_changed(receipt)
        audit_record(
            "document.receipt.register",
            actor=actor,
            target=receipt,
            data={"register_no": receipt.register_no},
            context=context,
        )
    return receipt


def department_heads(receipt: Receipt, department_ids: Any) -> list[int]:
    """批办: the heads of the chosen 承办 departments of the receiving unit."""
    if not isinstance(department_ids, list) or not department_ids:
        raise InvalidInput.of(codes.INVALID_DEPARTMENTS, fields={"departments": "请选择承办部门"})
    heads = list(
        Position.objects.filter(
            department_id__in=department_ids,
            department__unit_id=receipt.unit_id,
            is_leader=True,
            user__is_active=True,
        )
        .order_by("department_id", "rank")
        .values_list("department_id", "user_id")
    )
    if {d for d, _ in heads} != set(department_ids):
        raise InvalidInput.of(
            codes.INVALID_DEPARTMENTS, fields={"departments": "部门无负责人或不属于本单位"}
        )
    return list(dict.fromkeys(u for _, u in heads))


def _same_department(actor: User, other_id: int | None) -> None:
    if other_id is None:
        return  # the engine asks for the person
    mine = set(Position.objects.filter(user=actor).values_list("department_id", flat=True))
    theirs = set(Position.objects.filter(user_id=other_id).values_list("department_id", flat=True))
    if not mine & theirs:
        raise InvalidInput.of(codes.PASS_ON_OUTSIDE)


def receipt_act(
    *,
    actor: User,
    receipt_id: int,
    action: str,
    params: workflow.ActParams | None = None,
    departments: Any = None,
    handwriting: str = "",
    save_opinion: bool = False,
    context: RequestContext = NO_CONTEXT,
) -> Receipt:
    """One action on a 收文 flow: 拟办 / 批办 (choosing 承办 departments) / 承办 / 已阅,
    退回 to an earlier step, 转办 inside the department (承办 passed on), 评论, 催办."""
    if action not in RECEIPT_ACTIONS:
        raise InvalidInput.of(codes.UNKNOWN_ACTION)
    params = params or workflow.ActParams()
    with transaction.atomic():
        receipt = _locked(actor, receipt_id, office=False)
        if receipt.instance is None:
            raise Conflict.of(codes.RECEIPT_STATE, "该收文尚未登记，不能办理")
        image = handwriting_of(actor, handwriting)
        require_opinion(receipt.instance, actor, action, params, image)
        if save_opinion and params.opinion.strip():
            workflow.opinion_save(actor=actor, text=params.opinion)
        step_id = my_step_id(receipt.instance, actor, params.task_id)
        if (
            action == "approve"
            and step_id == flows.INSTRUCT
            and (departments or not params.next_assignees)
        ):
            params.next_assignees = department_heads(receipt, departments)
        if action == "transfer" and step_id == flows.UNDERTAKE:
            _same_department(actor, params.user_id)
        workflow.instance_act(
            instance_id=receipt.instance.pk, actor=actor, action=action, params=params
        )
        if image is not None:
            hand_sign_record(receipt.instance.pk, actor, image)
        audit_record(
            f"document.receipt.{action}",
            actor=actor,
            target=receipt,
            data={"opinion": params.opinion[:200]},
            context=context,
        )
    receipt.refresh_from_db()
    return receipt


def document_redistribute(
    *, actor: User, document_id: int, unit_id: int, context: RequestContext = NO_CONTEXT
) -> Receipt:
    """重新分发 to a unit that returned the document (its drafter or its unit's office)."""
    document = document_get(viewer=actor, document_id=document_id)
    if actor.pk != document.drafter_id and not is_office_of(actor, document.unit_id):
        raise PermissionDenied.of(codes.NOT_DRAFTER, "只有拟稿人或本单位收发员可以重新分发")
    with transaction.atomic():
        locked = Document.objects.select_for_update().select_related("unit").get(pk=document.pk)
        receipt = Receipt.objects.filter(document=locked, unit_id=unit_id).first()
        if receipt is None or receipt.status != Receipt.Status.REFUSED:
            raise Conflict.of(codes.NOT_REDISTRIBUTABLE)
        Receipt.objects.filter(pk=receipt.pk).update(
            refused_by=None, refused_at=None, refuse_reason=""
        )
        (receipt,) = deliver(locked, [unit_id])
        receipt_changed(receipt)
        audit_record(
            "document.redistribute",
            actor=actor,
            target=locked,
            data={"unit_id": unit_id},
            context=context,
        )
    return receipt
