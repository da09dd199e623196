"""The 公文 lists: 待办 / 已办 / 我起草的 / 发文登记簿 / 收文登记簿, with search and filters.

A list mixes 发文 (a document the viewer handles as the sender) and 收文 (a
receipt of their unit), newest first. Each page costs a fixed number of
queries: one per kind of row, whatever the page holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR
from typing import Any

from django.db.models import Q, QuerySet

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from backend.documents.detail import summary
from backend.documents.kinds import Kind, Urgency
from backend.documents.models import Document, Receipt
from backend.documents.selectors import OFFICE_ROLES, units_with_role
from backend.workflow.models import Task

BOXES = ("todo", "done", "mine", "sent", "received")
PAGE_SIZE = 20
MAX_PAGE = 500


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    year: int | None = None
    urgency: str = ""
    status: str = ""
    query: str = ""

    def check(self) -> None:
        if self.kind and self.kind not in Kind.values:
            raise InvalidInput.of(codes.INVALID_DOCUMENT, "文种无效", fields={"kind": "文种无效"})
        if self.urgency and self.urgency not in Urgency.values:
            raise InvalidInput.of(codes.INVALID_DOCUMENT, "紧急程度无效")
        if self.year and not MINYEAR <= self.year <= MAXYEAR:
            raise InvalidInput.of(codes.INVALID_PARAM, f"参数 year 应在{MINYEAR}至{MAXYEAR}之间")
        known = {*Document.Status.values, *Receipt.Status.values}
        if self.status and self.status not in known:
            raise InvalidInput.of(codes.INVALID_STATUS)


def _tasks(viewer: User, state: str) -> QuerySet[Task, Any]:
    return Task.objects.filter(assignee=viewer, state=state).values("instance_id")


def _box_queries(viewer: User, box: str) -> tuple[Q | None, Q | None]:
    """(documents, receipts) of a box; None where the box has no rows of that kind."""
    office = units_with_role(viewer, OFFICE_ROLES)
    if box == "todo":
        pending = _tasks(viewer, Task.State.PENDING)
        return (
            Q(instance_id__in=pending) | Q(drafter=viewer, status=Document.Status.RETURNED),
            Q(instance_id__in=pending)
            | Q(unit_id__in=office, status__in=(Receipt.Status.DELIVERED, Receipt.Status.SIGNED)),
        )
    if box == "done":
        done = _tasks(viewer, Task.State.DONE)
        return (
            Q(instance_id__in=done),
            Q(instance_id__in=done) | Q(signed_by=viewer) | Q(refused_by=viewer),
        )
    if box == "mine":
        return Q(drafter=viewer), None
    if box == "sent":
        return Q(unit_id__in=office) & ~Q(doc_number=""), None
    if box == "received":
        return None, Q(unit_id__in=office) & ~Q(register_no="")
    raise InvalidInput.of(codes.INVALID_BOX)


def _documents(where: Q, filters: Filters) -> QuerySet[Document]:
    rows = Document.objects.filter(where)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.year:
        rows = rows.filter(created_at__year=filters.year)
    if filters.urgency:
        rows = rows.filter(urgency=filters.urgency)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.query:
        rows = rows.filter(search_text__icontains=filters.query)
    return rows.select_related("unit", "drafter", "instance").order_by("-created_at", "-pk")


def _receipts(where: Q, filters: Filters) -> QuerySet[Receipt]:
    rows = Receipt.objects.filter(where)
    if filters.kind:
        rows = rows.filter(document__kind=filters.kind)
    if filters.year:
        rows = rows.filter(delivered_at__year=filters.year)
    if filters.urgency:
        rows = rows.filter(document__urgency=filters.urgency)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.query:
        rows = rows.filter(
            Q(document__search_text__icontains=filters.query)
            | Q(register_no__icontains=filters.query)
        )
    return rows.select_related(
        "unit", "document__unit", "document__drafter", "document__instance"
    ).order_by("-delivered_at", "-pk")


def receipt_brief(receipt: Receipt) -> dict[str, Any]:
    return {
        "id": receipt.pk,
        "unit": {"id": receipt.unit.pk, "name": receipt.unit.name},
        "status": receipt.status,
        "status_label": Receipt.Status(receipt.status).label,
        "register_no": receipt.register_no,
        "handle_type": receipt.handle_type,
        "delivered_at": receipt.delivered_at,
    }


def document_list(
    *, viewer: User, box: str, filters: Filters, page: int = 1, size: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], bool]:
    """One page of a box (1-based), and whether more follow."""
    filters.check()
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput.of(codes.INVALID_PARAM, "参数 page 应为1至500的整数")
    doc_where, rec_where = _box_queries(viewer, box)
    wanted = page * size + 1
    rows: list[tuple[Any, dict[str, Any]]] = []
    if doc_where is not None and (not filters.status or filters.status in Document.Status.values):
        for document in _documents(doc_where, filters)[:wanted]:
            rows.append((document.created_at, {"document": summary(document), "receipt": None}))
    if rec_where is not None and (not filters.status or filters.status in Receipt.Status.values):
        for receipt in _receipts(rec_where, filters)[:wanted]:
            entry = {"document": summary(receipt.document), "receipt": receipt_brief(receipt)}
            rows.append((receipt.delivered_at, entry))
    rows.sort(key=lambda row: row[0], reverse=True)
    start = (page - 1) * size
    return [entry for _, entry in rows[start : start + size]], len(rows) > start + size


def document_counts(*, viewer: User) -> dict[str, int]:
    """How many rows each box holds (the 工作台 and 待办 badges read `todo`)."""
    counts = {}
    for box in BOXES:
        doc_where, rec_where = _box_queries(viewer, box)
        n = Document.objects.filter(doc_where).count() if doc_where is not None else 0
        n += Receipt.objects.filter(rec_where).count() if rec_where is not None else 0
        counts[box] = n
    return counts
