"""Approvals' part of the 待办 centre: tasks waiting on me, and my returned requests."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from backend.approvals.models import Approval
from backend.approvals.services import SUBJECT
from backend.directory.models import User
from backend.todo import registry
from backend.todo.registry import TodoItem
from backend.workflow.models import Task


def _pending_tasks(user: User) -> QuerySet[Task]:
    return Task.objects.filter(
        assignee=user, state=Task.State.PENDING, instance__subject_type=SUBJECT
    )


class ApprovalTodo:
    app = "approvals"
    label = "审批"

    def count(self, user: User) -> int:
        tasks = _pending_tasks(user).count()
        returned = Approval.objects.filter(initiator=user, status=Approval.Status.RETURNED).count()
        return tasks + returned

    def items(self, user: User, limit: int) -> list[TodoItem]:
        now = timezone.now()
        tasks = list(_pending_tasks(user).select_related("instance").order_by("-opened_at")[:limit])
        approvals = Approval.objects.select_related("template", "initiator").in_bulk(
            [int(t.instance.subject_id) for t in tasks]
        )
        items = [
            task_item(approvals[int(task.instance.subject_id)], task, now=now) for task in tasks
        ]
        for approval in Approval.objects.filter(
            initiator=user, status=Approval.Status.RETURNED
        ).select_related("template")[:limit]:
            items.append(resubmit_item(approval))
        return items


def _item(
    approval: Approval,
    kind: str,
    state: str,
    *,
    created_at: datetime,
    due_at: datetime | None = None,
    overdue: bool = False,
) -> TodoItem:
    """An approval as a 待办 row: its title, its template and `state` below, its page."""
    return TodoItem(
        app=ApprovalTodo.app,
        kind=kind,
        id=str(approval.pk),
        title=approval.title,
        subtitle=f"{approval.template.name} · {state}",
        link=f"/approvals/{approval.pk}",
        created_at=created_at,
        due_at=due_at,
        overdue=overdue,
    )


def task_item(approval: Approval, task: Task, *, now: datetime | None = None) -> TodoItem:
    """One task waiting on its assignee, as the 待办 centre shows it."""
    now = now or timezone.now()
    step = task.instance.step(task.step_index) or {}
    return registry.for_task(
        task,
        app=ApprovalTodo.app,
        kind="approve",
        id=str(approval.pk),
        title=approval.title,
        subtitle=f"{approval.template.name} · {step.get('name', '')} · 待您审批",
        link=f"/approvals/{approval.pk}",
        now=now,
    )


def resubmit_item(approval: Approval) -> TodoItem:
    """A returned request waiting on its initiator to change and resubmit it."""
    return _item(approval, "resubmit", "已退回，待重新提交", created_at=approval.created_at)
