"""公文's part of the 待办 centre: steps waiting on me (发文 and 收文), my returned drafts,
and the 收文 my unit's office has to sign for or register."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from backend.directory.models import User
from backend.documents.models import Document, Receipt
from backend.documents.selectors import OFFICE_ROLES, units_with_role
from backend.documents.services import RECEIPT_SUBJECT, SUBJECT
from backend.todo import registry
from backend.todo.registry import TodoItem
from backend.workflow.models import Task

SUBJECTS = (SUBJECT, RECEIPT_SUBJECT)
OFFICE_WAITING = (Receipt.Status.DELIVERED, Receipt.Status.SIGNED)


def pending_tasks(user: User) -> QuerySet[Task]:
    return Task.objects.filter(
        assignee=user, state=Task.State.PENDING, instance__subject_type__in=SUBJECTS
    )


def returned_drafts(user: User) -> QuerySet[Document]:
    return Document.objects.filter(drafter=user, status=Document.Status.RETURNED)


def office_receipts(user: User) -> QuerySet[Receipt]:
    return Receipt.objects.filter(
        unit_id__in=units_with_role(user, OFFICE_ROLES), status__in=OFFICE_WAITING
    )


class DocumentTodo:
    app = "documents"
    label = "公文"

    def count(self, user: User) -> int:
        return (
            pending_tasks(user).count()
            + returned_drafts(user).count()
            + office_receipts(user).count()
        )

    def items(self, user: User, limit: int) -> list[TodoItem]:
        now = timezone.now()
        tasks = list(pending_tasks(user).select_related("instance").order_by("-opened_at")[:limit])
        doc_ids = [int(t.instance.subject_id) for t in tasks if t.instance.subject_type == SUBJECT]
        rec_ids = [int(t.instance.subject_id) for t in tasks if t.instance.subject_type != SUBJECT]
        documents = Document.objects.in_bulk(doc_ids)
        receipts = Receipt.objects.select_related("document").in_bulk(rec_ids)
        items = []
        for task in tasks:
            subject_id = int(task.instance.subject_id)
            if task.instance.subject_type == SUBJECT:
                items.append(task_item(documents[subject_id], task, now=now))
            else:
                items.append(
                    task_item(
                        receipts[subject_id].document, task, now=now, receipt=receipts[subject_id]
                    )
                )
        items += [returned_item(d) for d in returned_drafts(user)[:limit]]
        office = office_receipts(user).select_related("document")[:limit]
        items += [office_item(r) for r in office]
        return items


def _link(document: Document, receipt: Receipt | None) -> str:
    return f"/documents/receipts/{receipt.pk}" if receipt else f"/documents/{document.pk}"


def task_item(
    document: Document, task: Task, *, now: datetime | None = None, receipt: Receipt | None = None
) -> TodoItem:
    now = now or timezone.now()
    step = task.instance.step(task.step_index) or {}
    side = "收文" if receipt else "发文"
    return registry.for_task(
        task,
        app=DocumentTodo.app,
        kind="handle",
        id=f"r{receipt.pk}" if receipt else str(document.pk),
        title=document.title,
        subtitle=f"{side} · {step.get('name', '')} · 待您办理",
        link=_link(document, receipt),
        now=now,
    )


def returned_item(document: Document) -> TodoItem:
    return TodoItem(
        app=DocumentTodo.app,
        kind="resubmit",
        id=str(document.pk),
        title=document.title,
        subtitle="发文 · 已退回，待修改后重新提交",
        link=_link(document, None),
        created_at=document.created_at,
    )


def office_item(receipt: Receipt) -> TodoItem:
    verb = "待签收" if receipt.status == Receipt.Status.DELIVERED else "待登记"
    return TodoItem(
        app=DocumentTodo.app,
        kind="sign_for" if receipt.status == Receipt.Status.DELIVERED else "register",
        id=f"r{receipt.pk}",
        title=receipt.document.title,
        subtitle=f"收文 · {verb}",
        link=_link(receipt.document, receipt),
        created_at=receipt.delivered_at,
    )
