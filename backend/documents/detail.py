"""What the detail pages show: a 公文 (its elements, files, flow, 处理笺, 送达回执) and
one unit's 收文 of it. Callers have checked visibility (selectors)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from backend.directory.models import Department, Position, User
from backend.documents import actions as doc_actions
from backend.documents import flows
from backend.documents.kinds import Direction, Publicity, Secrecy, Urgency
from backend.documents.models import CountersignParty, Document, HandSign, Receipt, UnitSettings
from backend.documents.selectors import OFFICE_ROLES, is_office_of, units_with_role
from backend.workflow import selectors as flow
from backend.workflow.models import HistoryEntry, Instance, Task
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


COUNTERSIGN_STEP = "countersign"
COUNTERSIGN_STATUS = {
    "future": "待会签",
    "pending": "会签中",
    "done": "已会签",
    "returned": "已退回",
    "cancelled": "已取消",
}


def _images(instance: Instance) -> dict[int, str]:
    return {
        h.seq: h.image.token
        for h in HandSign.objects.filter(instance=instance).select_related("image")
    }


def handling_sheet(
    instance: Instance | None, document_id: int, parties: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """处理笺: the flow's history, each entry with its 手写签批 image if written by hand,
    and, for a 会签 entry, the department or unit (`party`) the actor signed for."""
    if instance is None:
        return []
    images = _images(instance)
    steps = dict(
        HistoryEntry.objects.filter(instance=instance, action="approve").values_list(
            "seq", "step_id"
        )
    )
    signers: dict[int, str] = {}
    if parties:
        signers = {
            seq: parties.get(actor_id or 0, "")
            for seq, actor_id in HistoryEntry.objects.filter(
                instance=instance, step_id=COUNTERSIGN_STEP
            ).values_list("seq", "actor_id")
        }
    return [
        {
            **entry,
            "action_label": _sheet_label(instance, entry, steps.get(entry["seq"], "")),
            "handwriting_url": _stroke_url(document_id, images.get(entry["seq"])),
            "party": signers.get(entry["seq"], ""),
        }
        for entry in flow.history_view(instance)
    ]


def _sheet_label(instance: Instance, entry: dict[str, Any], step_id: str) -> str:
    """The 处理笺 in 公文 words: 同意 named after its step (签发, 批示, 已阅…), the start
    (拟稿 / 登记) and the end (已分发 / 办结) instead of approvals' 提交申请 / 审批通过."""
    incoming = instance.subject_type == "document_receipt"
    action = entry["action"]
    if action == "approve":
        return doc_actions.APPROVE_LABELS.get(step_id, str(entry["action_label"]))
    if action == "submit":
        return "登记" if incoming else "拟稿"
    if action == "finish" and entry["data"].get("state") == Instance.State.APPROVED:
        return "办结" if incoming else "分发完成"
    return str(entry["action_label"])


def _countersign_tasks(instance: Instance) -> tuple[dict[int, Task], dict[int, int]]:
    """The 会签 step's tasks of the current round's latest activation, by the party's
    负责人 (the root of a 转办 chain: the holder is the last one), and holder → root."""
    tasks = list(
        Task.objects.filter(
            instance=instance, step_id=COUNTERSIGN_STEP, round=instance.round
        ).order_by("activation", "pk")
    )
    latest = max((t.activation for t in tasks), default=0)
    by_pk = {t.pk: t for t in tasks}
    roots: dict[int, int] = {}
    holders: dict[int, Task] = {}
    for task in tasks:
        root = task
        while root.transferred_from_id is not None and root.transferred_from_id in by_pk:
            root = by_pk[root.transferred_from_id]
        roots[task.assignee_id] = root.assignee_id
        if task.activation == latest:
            holders[root.assignee_id] = task
    return holders, roots


def countersign_view(document: Document) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """会签 per department/unit: who signs for it, where it stands, its opinion (and the
    actor → party-name map the 处理笺 uses)."""
    parties = list(document.countersign_parties.select_related("assignee"))
    instance = document.instance
    if not parties or instance is None:
        return [], {}
    holders, roots = _countersign_tasks(instance)
    names_by_root: dict[int, str] = {}
    for party in parties:
        names_by_root.setdefault(party.assignee_id, party.name)
    actor_party = {actor: names_by_root.get(root, "") for actor, root in roots.items()}
    entries = {
        e.actor_id: e
        for e in HistoryEntry.objects.filter(
            instance=instance, step_id=COUNTERSIGN_STEP, action__in=("approve", "return")
        ).order_by("seq")
    }
    images = _images(instance)
    holder_ids = [t.assignee_id for t in holders.values()]
    people = {u.pk: u for u in User.objects.filter(pk__in=holder_ids)}
    rows = []
    for party in parties:
        task = holders.get(party.assignee_id)
        holder = people.get(task.assignee_id) if task else party.assignee
        status = "future"
        if task is not None:
            status = {
                Task.State.DONE: "returned" if task.result == Task.Result.RETURNED else "done",
                Task.State.CANCELLED: "cancelled",
            }.get(Task.State(task.state), "pending")
        acted = task is not None and status in ("done", "returned")
        entry = entries.get(task.assignee_id) if task is not None and acted else None
        rows.append(
            {
                "kind": party.kind,
                "kind_label": CountersignParty.Kind(party.kind).label,
                "id": party.unit_id if party.kind == "unit" else party.department_id,
                "name": party.name,
                "assignee": _person(holder),
                "status": status,
                "status_label": COUNTERSIGN_STATUS[status],
                "opinion": task.opinion if task is not None and entry is not None else "",
                "acted_at": task.acted_at if entry is not None and task is not None else None,
                "handwriting_url": _stroke_url(document.pk, images.get(entry.seq))
                if entry is not None
                else None,
            }
        )
    return rows, actor_party


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
    countersign, parties = countersign_view(document) if sender else ([], {})
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
        "history": handling_sheet(instance, document.pk, parties) if sender else [],
        "countersign": countersign if sender else [],
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


def _instructing(instance: Instance | None, viewer: User) -> bool:
    """The viewer holds an open 批办 task of this 收文."""
    return instance is not None and (
        Task.objects.filter(
            instance=instance, assignee=viewer, state=Task.State.PENDING, step_id=flows.INSTRUCT
        ).exists()
    )


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
        # Only 批办 chooses 承办 departments (拟办 of a 阅件 picks people to 传阅).
        "departments": _departments(receipt) if _instructing(instance, viewer) else [],
    }
