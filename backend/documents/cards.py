"""The `document` card: a live view of a 公文 (object id `12`) or of one unit's 收文 of it
(object id `r34`), with the buttons this viewer may press."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count
from django.utils import timezone

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from backend.documents import actions as doc_actions
from backend.documents import receiving, services
from backend.documents.kinds import Urgency
from backend.documents.models import Document, Receipt
from backend.documents.selectors import (
    OFFICE_ROLES,
    documents_visible,
    receipts_visible,
    units_with_role,
)
from backend.workflow import selectors as flow
from backend.workflow.models import Instance, Task
from backend.workflow.services import ActParams
from realtime.cards import CardAction, CardView

RECEIPT_ONLY = ("sign_for", "refuse")


def _hidden() -> CardView:
    return {
        "title": "公文",
        "status": "hidden",
        "status_label": "",
        "fields": [],
        "actions": [],
        "link": "",
    }


def _title(document: Document) -> str:
    mark = {"extra_urgent": "【特急】", "urgent": "【加急】"}.get(document.urgency, "")
    return f"{mark}{document.title}"


def _step_fields(instance: Instance | None, due: dict[int, Any]) -> list[dict[str, str]]:
    if instance is None or instance.state != Instance.State.RUNNING:
        return []
    step = instance.step()
    fields = [{"label": "当前步骤", "value": str(step["name"])}] if step else []
    if instance.pk in due:
        fields.append(
            {"label": "办理时限", "value": f"{timezone.localtime(due[instance.pk]):%m月%d日 %H:%M}"}
        )
    return fields


def _doc_fields(document: Document) -> list[dict[str, str]]:
    fields = [{"label": "文种", "value": Document.Kind(document.kind).label}]
    if document.doc_number:
        fields.append({"label": "发文字号", "value": document.doc_number})
    if document.urgency != Urgency.NORMAL:
        fields.append({"label": "紧急程度", "value": Urgency(document.urgency).label})
    return fields


def _receipt_summary(counts: dict[str, int]) -> list[dict[str, str]]:
    if not counts:
        return []
    order = ("delivered", "refused", "signed", "handling", "done")
    parts = [f"{Receipt.Status(s).label}{counts[s]}" for s in order if counts.get(s)]
    return [{"label": "送达回执", "value": "，".join(parts)}]


class DocumentCard:
    card_type = services.SUBJECT

    def render(self, object_id: str, viewer: Any) -> CardView:
        return self.render_many([object_id], viewer)[object_id]

    def render_many(self, object_ids: Sequence[str], viewer: User) -> dict[str, CardView]:
        """Views of many 公文/收文 cards for one viewer in a fixed number of queries:
        the visible documents (1) and receipts (1), the viewer's office units (1),
        which documents they see as the sender (1) and their 送达回执 counts (1),
        open-task deadlines (1) and the viewer's actions (`flow.actions_for_many`:
        at most 4)."""
        doc_ids, rec_ids = _split(object_ids)
        documents = (
            documents_visible(viewer)
            .select_related("instance__initiator")
            .in_bulk(list(doc_ids.values()))
        )
        receipts = (
            receipts_visible(viewer)
            .select_related("document", "instance__initiator")
            .in_bulk(list(rec_ids.values()))
        )
        office = set(units_with_role(viewer, OFFICE_ROLES).values_list("unit_id", flat=True))
        sender = _sender_side(list(documents.values()), viewer, office)
        counts = _receipt_counts(sorted(sender))
        instances = [d.instance for d in documents.values() if d.instance] + [
            r.instance for r in receipts.values() if r.instance
        ]
        due = _due_times(instances)
        engine = flow.actions_for_many(instances, viewer, timezone.now())
        views: dict[str, CardView] = {}
        for object_id in object_ids:
            document = documents.get(doc_ids.get(object_id, 0))
            receipt = receipts.get(rec_ids.get(object_id, 0))
            if document is not None:
                views[object_id] = _document_view(document, viewer, engine, due, counts)
            elif receipt is not None:
                views[object_id] = _receipt_view(receipt, engine, due, receipt.unit_id in office)
            else:
                views[object_id] = _hidden()
        return views

    def act(self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]) -> CardView:
        opinion = str(payload.get("opinion") or "")
        params = ActParams(
            opinion=opinion,
            target=_str(payload.get("target")),
            user_id=_int(payload.get("user_id")),
            next_assignees=_ints(payload.get("next_assignees")),
        )
        if object_id.startswith("r"):
            _act_receipt(viewer, _int(object_id[1:]) or 0, action, params)
        elif action in RECEIPT_ONLY or not object_id.isdigit():
            raise InvalidInput.of(codes.UNKNOWN_CARD_ACTION)
        else:
            services.document_act(
                actor=viewer, document_id=int(object_id), action=action, params=params
            )
        return self.render(object_id, viewer)


def _act_receipt(viewer: User, receipt_id: int, action: str, params: ActParams) -> None:
    if action == "sign_for":
        receiving.receipt_sign(actor=viewer, receipt_id=receipt_id)
    elif action == "refuse":
        receiving.receipt_refuse(actor=viewer, receipt_id=receipt_id, reason=params.opinion)
    else:
        receiving.receipt_act(actor=viewer, receipt_id=receipt_id, action=action, params=params)


def _document_view(
    document: Document,
    viewer: User,
    engine: dict[int, list[CardAction]],
    due: dict[int, Any],
    counts: dict[int, dict[str, int]],
) -> CardView:
    instance = document.instance
    actions = doc_actions.flow_actions(instance, engine[instance.pk]) if instance else []
    actions += doc_actions.withdraw_action(document, viewer.pk)
    fields = _doc_fields(document) + _step_fields(instance, due)
    fields += _receipt_summary(counts.get(document.pk, {}))
    status_label = Document.Status(document.status).label
    if document.archived_at:
        status_label += "（已归档）"
    return {
        "title": _title(document),
        "status": document.status,
        "status_label": status_label,
        "fields": fields,
        "actions": actions,
        "link": f"/documents/{document.pk}",
    }


def _receipt_view(
    receipt: Receipt, engine: dict[int, list[CardAction]], due: dict[int, Any], is_office: bool
) -> CardView:
    document, instance = receipt.document, receipt.instance
    actions = doc_actions.office_actions(receipt, is_office)
    if instance is not None:
        actions += doc_actions.flow_actions(instance, engine[instance.pk])
    fields = (
        [{"label": "来文单位", "value": receipt.source_unit_name or "—"}]
        if receipt.register_no
        else []
    )
    fields = _doc_fields(document) + fields
    if receipt.register_no:
        fields.append({"label": "收文编号", "value": receipt.register_no})
    fields += _step_fields(instance, due)
    return {
        "title": _title(document),
        "status": f"receipt_{receipt.status}",
        "status_label": Receipt.Status(receipt.status).label,
        "fields": fields,
        "actions": actions,
        "link": f"/documents/receipts/{receipt.pk}",
    }


def _split(object_ids: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    docs, recs = {}, {}
    for object_id in object_ids:
        if object_id.isdigit():
            docs[object_id] = int(object_id)
        elif object_id.startswith("r") and object_id[1:].isdigit():
            recs[object_id] = int(object_id[1:])
    return docs, recs


def _sender_side(documents: list[Document], viewer: User, office: set[int]) -> set[int]:
    """The documents whose 送达回执 this viewer may read: in their 发文 flow, or the
    sending unit's office (as `detail.sender_side`, for many at once: 1 query)."""
    mine = {d.pk for d in documents if d.unit_id in office}
    instance_ids = [d.instance_id for d in documents if d.instance_id and d.pk not in mine]
    if instance_ids:
        involved = set(
            Instance.objects.filter(pk__in=instance_ids)
            .filter(flow.involved_q(viewer))
            .values_list("pk", flat=True)
        )
        mine |= {d.pk for d in documents if d.instance_id in involved}
    return mine


def _receipt_counts(document_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    if not document_ids:
        return counts
    rows = (
        Receipt.objects.filter(document_id__in=document_ids)
        .values("document_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["document_id"], {})[row["status"]] = row["n"]
    return counts


def _due_times(instances: list[Instance]) -> dict[int, Any]:
    """The earliest deadline of each running instance's open tasks."""
    running = [i.pk for i in instances if i.state == Instance.State.RUNNING]
    due: dict[int, Any] = {}
    if not running:
        return due
    rows = Task.objects.filter(
        instance_id__in=running, state=Task.State.PENDING, due_at__isnull=False
    ).values_list("instance_id", "due_at")
    for instance_id, due_at in rows:
        if instance_id not in due or due_at < due[instance_id]:
            due[instance_id] = due_at
    return due


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _ints(value: Any) -> list[int] | None:
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
