"""What the detail pages show: a 公文 (its elements, files, flow, 处理笺, 送达回执) and
one unit's 收文 of it. Callers have checked visibility (selectors)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from backend.directory.models import Department, Position, User
from backend.documents import actions as doc_actions
from backend.documents.kinds import Direction, Publicity, Secrecy, Urgency
from backend.documents.models import Document, HandSign, Receipt, UnitSettings
from backend.documents.selectors import OFFICE_ROLES, is_office_of, units_with_role
from backend.workflow import selectors as flow
from backend.workflow.models import Instance
from realtime.models import Attachment


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.name}


def _unit(unit: Any) -> dict[str, Any]:
    return {"id": unit.pk, "name": unit.name}


def file_view(document_id: int, attachment: Attachment) -> dict[str, Any]:
    return {
        "token": attachment.token,
        "name": attachment.name,
        "mime": attachment.mime,
        "size": attachment.size,
        "url": f"/api/v1/documents/{document_id}/files/{attachment.token}",
    }


def handling_sheet(instance: Instance | None, document_id: int) -> list[dict[str, Any]]:
    """处理笺: the flow's history, each entry with its 手写签批 image if written by hand."""
    if instance is None:
        return []
    images = {
        h.seq: h.image.token
        for h in HandSign.objects.filter(instance=instance).select_related("image")
    }
    return [
        {**entry, "handwriting_url": _stroke_url(document_id, images.get(entry["seq"]))}
        for entry in flow.history_view(instance)
    ]


def _stroke_url(document_id: int, token: str | None) -> str | None:
    return None if token is None else f"/api/v1/documents/{document_id}/files/{token}"


def summary(document: Document) -> dict[str, Any]:
    step = document.instance.step() if document.instance else None
    running = document.status == Document.Status.RUNNING
    return {
        "id": document.pk,
        "title": document.title,
        "kind": document.kind,
        "kind_label": Document.Kind(document.kind).label,
        "doc_number": document.doc_number,
        "urgency": document.urgency,
        "urgency_label": Urgency(document.urgency).label,
        "unit": _unit(document.unit),
        "drafter": _person(document.drafter),
        "status": document.status,
        "status_label": Document.Status(document.status).label,
        "current_step": str(step["name"]) if step and running else "",
        "archived": document.archived_at is not None,
        "created_at": document.created_at,
    }


def sender_side(document: Document, viewer: User) -> bool:
    """In the 发文 flow, or the sending unit's office or admin: sees every 送达回执."""
    if document.instance is not None and flow.is_involved(document.instance, viewer):
        return True
    return is_office_of(viewer, document.unit_id)


def _receipt_row(receipt: Receipt, may_resend: bool) -> dict[str, Any]:
    return {
        "id": receipt.pk,
        "unit": _unit(receipt.unit),
        "role": receipt.role,
        "status": receipt.status,
        "status_label": Receipt.Status(receipt.status).label,
        "delivered_at": receipt.delivered_at,
        "signed_by": _person(receipt.signed_by),
        "signed_at": receipt.signed_at,
        "refused_by": _person(receipt.refused_by),
        "refused_at": receipt.refused_at,
        "refuse_reason": receipt.refuse_reason,
        "register_no": receipt.register_no,
        "finished_at": receipt.finished_at,
        "can_redistribute": may_resend and receipt.status == Receipt.Status.REFUSED,
    }


def document_detail(document: Document, viewer: User) -> dict[str, Any]:
    instance = document.instance
    sender = sender_side(document, viewer)
    may_manage = viewer.pk == document.drafter_id or is_office_of(viewer, document.unit_id)
    receipts = document.receipts.select_related("unit", "signed_by", "refused_by").order_by(
        "role", "pk"
    )
    mine_units = set(units_with_role(viewer, OFFICE_ROLES).values_list("unit_id", flat=True))
    recipients = list(document.recipients.select_related("unit"))
    engine = flow.actions_for(instance, viewer, timezone.now()) if instance else []
    settings = UnitSettings.objects.filter(unit_id=document.unit_id).first()
    return {
        **summary(document),
        "direction": document.direction,
        "direction_label": Direction(document.direction).label,
        "secrecy": document.secrecy,
        "secrecy_label": Secrecy(document.secrecy).label,
        "publicity": document.publicity,
        "publicity_label": Publicity(document.publicity).label,
        "issuer_mark": settings.issuer_mark if settings else document.unit.name,
        "body": document.body,
        "note": document.note,
        "main_file": file_view(document.pk, document.main_file) if document.main_file else None,
        "attachments": [
            file_view(document.pk, f.attachment)
            for f in document.files.select_related("attachment")
        ],
        "main_to": [_unit(r.unit) for r in recipients if r.role == "main"],
        "copy_to": [_unit(r.unit) for r in recipients if r.role == "copy"],
        "signer": _person(document.signer),
        "signed_at": document.signed_at,
        "sealed_at": document.sealed_at,
        "distributed_at": document.distributed_at,
        "archived_at": document.archived_at,
        "route": flow.route_view(instance) if instance and sender else [],
        "history": handling_sheet(instance, document.pk) if sender else [],
        "actions": (doc_actions.flow_actions(instance, engine) if instance else [])
        + doc_actions.withdraw_action(document, viewer.pk),
        "can_archive": may_manage
        and document.status == Document.Status.DISTRIBUTED
        and document.archived_at is None,
        "receipts": [_receipt_row(r, may_manage) for r in receipts] if sender else [],
        "my_receipts": [
            {"id": r.pk, "unit": _unit(r.unit), "status": r.status}
            for r in receipts
            if r.unit_id in mine_units
        ],
    }


def _departments(receipt: Receipt) -> list[dict[str, Any]]:
    """批办's choices: the receiving unit's departments that have a head."""
    heads: dict[int, list[dict[str, Any]]] = {}
    positions = Position.objects.filter(
        department__unit_id=receipt.unit_id, is_leader=True, user__is_active=True
    ).select_related("user")
    for position in positions.order_by("rank"):
        heads.setdefault(position.department_id, []).append(_person(position.user) or {})
    departments = Department.objects.filter(pk__in=list(heads)).order_by("order", "pk")
    return [{"id": d.pk, "name": d.name, "heads": heads[d.pk]} for d in departments]


def receipt_detail(receipt: Receipt, viewer: User) -> dict[str, Any]:
    instance = receipt.instance
    engine = flow.actions_for(instance, viewer, timezone.now()) if instance else []
    actions = doc_actions.office_actions(receipt, is_office_of(viewer, receipt.unit_id))
    if instance is not None:
        actions += doc_actions.flow_actions(instance, engine)
    return {
        **_receipt_row(receipt, False),
        "document": document_detail(receipt.document, viewer),
        "registered_at": receipt.registered_at,
        "source_unit_name": receipt.source_unit_name,
        "source_number": receipt.source_number,
        "copies": receipt.copies,
        "handle_type": receipt.handle_type,
        "handle_type_label": Receipt.HandleType(receipt.handle_type).label
        if receipt.handle_type
        else "",
        "route": flow.route_view(instance) if instance else [],
        "history": handling_sheet(instance, receipt.document_id),
        "actions": actions,
        "departments": _departments(receipt),
    }
