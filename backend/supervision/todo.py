"""督办's part of the 待办 centre: my tasks needing a report, near or past their dates,
and 办结/延期 applications waiting on my decision — the same occasions as the reminders."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from backend.directory.models import User
from backend.supervision import lights, selectors
from backend.supervision.models import Application, Milestone, SupervisionTask
from backend.supervision.services import FLOW_SUBJECTS
from backend.todo.registry import TodoItem
from backend.workflow.models import Task

SOON_DAYS = 3


def _mine(user: User) -> list[tuple[SupervisionTask, str, str]]:
    """My open tasks that need me now, with the 待办 kind and why."""
    tasks = list(
        SupervisionTask.objects.filter(owner=user)
        .exclude(status=SupervisionTask.Status.DONE)
        .select_related("unit")
    )
    ms = selectors.milestones_of(t.pk for t in tasks)
    on = lights.today()
    found = []
    for task in tasks:
        light = lights.light_of(task, ms.get(task.pk, []), on)
        due = lights.report_due(task)
        if light.light == "red":
            found.append((task, "overdue", light.text))
        elif due is not None and due <= on:
            found.append((task, "report", "待反馈进展"))
        elif _soon(task, ms.get(task.pk, []), on):
            found.append((task, "deadline", light.text))
    return found


def _soon(task: SupervisionTask, milestones: list[Milestone], on: date) -> bool:
    dates = [task.deadline, *(m.due for m in milestones if m.done_at is None)]
    return any(0 <= (d - on).days <= SOON_DAYS for d in dates)


def _deciding(user: User) -> list[Task]:
    return list(
        Task.objects.filter(
            assignee=user, state=Task.State.PENDING, instance__subject_type__in=FLOW_SUBJECTS
        ).select_related("instance")
    )


class SupervisionTodo:
    app = "supervision"
    label = "督办"

    def count(self, user: User) -> int:
        return len(_mine(user)) + len(_deciding(user))

    def items(self, user: User, limit: int) -> list[TodoItem]:
        items = [
            TodoItem(
                app=self.app,
                kind=kind,
                id=str(task.pk),
                title=task.title,
                subtitle=f"督办 · {why}",
                link=f"/supervision/{task.pk}",
                created_at=task.created_at,
                due_at=timezone.make_aware(datetime.combine(task.deadline, time(23, 59))),
                overdue=kind == "overdue",
            )
            for task, kind, why in _mine(user)
        ]
        tasks = _deciding(user)
        apps = Application.objects.select_related("task").in_bulk(
            [int(t.instance.subject_id) for t in tasks]
        )
        for t in tasks:
            application = apps[int(t.instance.subject_id)]
            items.append(
                TodoItem(
                    app=self.app,
                    kind="approve",
                    id=str(application.task_id),
                    title=application.task.title,
                    subtitle=f"督办 · {Application.Kind(application.kind).label}待您审核",
                    link=f"/supervision/{application.task_id}",
                    created_at=t.opened_at or t.created_at,
                )
            )
        return items[:limit]
