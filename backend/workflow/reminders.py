"""Deadline reminders of flow tasks, for every app that runs on the engine.

A step with `deadline_hours` gives each task a `due_at`. When the task
opens, two reminders are stored through `push.services.remind` in the same
transaction: 24 h before (web push) and 2 h before (web push + SMS). At the
due time the engine's `task_deadline_check` marks it overdue and the
handler and their leader are told (`overdue`). Each reminder's key carries
the due time, so storing it twice never doubles it; when the deadline moves
the old ones are cancelled and new ones stored; and each is checked again
when it runs (`workflow.task_open`): a task done or re-timed meanwhile is
skipped. Reminders whose time has already passed when the task opens are not
stored (the new 待办 push has just told the person).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from backend.workflow import listeners, resolvers
from backend.workflow.models import Instance, Task
from push import rules
from push import services as push

STILL_OPEN = "workflow.task_open"
BEFORE = (
    ("due24h", timedelta(hours=24), False),
    ("due2h", timedelta(hours=2), True),
)


def _key(task: Task) -> str:
    return f"wf-task:{task.pk}:"


def _ref(task: Task) -> dict[str, int]:
    if task.due_at is None:  # callers only pass tasks with a deadline
        raise ValueError(f"task {task.pk} has no deadline")
    return {"task_id": task.pk, "due": int(task.due_at.timestamp())}


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%m月%d日 %H:%M}"


def schedule(task: Task, instance: Instance, *, now: datetime) -> None:
    """Store the before-deadline reminders of a task that just opened (or was re-timed)."""
    if task.due_at is None:
        return
    subject = listeners.describe(instance)
    due = int(task.due_at.timestamp())
    for name, ahead, text in BEFORE:
        at = task.due_at - ahead
        if at <= now:
            continue
        push.remind(
            [task.assignee_id],
            key=f"{_key(task)}{due}:{name}",
            at=at,
            kind="deadline",
            title=f"【即将到期】{subject.title}",
            body=f"请于{_when(task.due_at)}前办理",
            url=subject.url,
            tag=f"wf-task:{task.pk}",
            sms_params={"title": subject.title[:20], "due": _when(task.due_at)} if text else None,
            condition=STILL_OPEN,
            condition_ref=_ref(task),
        )


def moved(task: Task, instance: Instance, *, now: datetime) -> None:
    """The deadline changed: cancel what was stored for the old one, store anew."""
    push.cancel(_key(task))
    schedule(task, instance, now=now)


def overdue(task: Task, instance: Instance) -> None:
    """Past due and not done: the handler is pushed, their leader pushed and texted."""
    if task.due_at is None:
        return
    subject = listeners.describe(instance)
    base = f"{_key(task)}{int(task.due_at.timestamp())}"
    common: dict[str, Any] = {
        "kind": "overdue",
        "url": subject.url,
        "tag": f"wf-task:{task.pk}",
        "condition": STILL_OPEN,
        "condition_ref": _ref(task),
    }
    push.notify(
        [task.assignee_id],
        title=f"【已超期】{subject.title}",
        body=f"办理时限{_when(task.due_at)}已过，请尽快办理",
        dedup_key=f"{base}:overdue",
        **common,
    )
    leaders = [u for u in resolvers.leaders_of(task.assignee) if u != task.assignee_id]
    push.notify(
        leaders,
        title=f"【超期提醒】{subject.title}",
        body=f"{task.assignee.name}的待办已超过办理时限({_when(task.due_at)})",
        sender_name=task.assignee.name,
        dedup_key=f"{base}:overdue-leader",
        sms_params={"name": task.assignee.name, "title": subject.title[:20]},
        **common,
    )


def still_open(user_id: int, ref: Mapping[str, Any]) -> str | None:
    """At delivery: None while the task waits with the same deadline."""
    row = Task.objects.filter(pk=ref["task_id"]).values_list("state", "due_at").first()
    if row is None or row[0] != Task.State.PENDING:
        return "事项已办结"
    if row[1] is None or int(row[1].timestamp()) != int(ref["due"]):
        return "办理时限已变更"
    return None


def register() -> None:
    rules.condition_register(STILL_OPEN, still_open)
