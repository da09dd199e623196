"""督办 reminders: durable push jobs (`push.services.remind`) that move with the dates.

When (09:00 local), who, kind and key:

- the reporting day (`lights.report_due`): the owner, `deadline`,
  `sup:<id>:report:<last report, epoch ms>:<day>`;
- 3 days before an unmet milestone: the owner, `deadline`,
  `sup:<id>:ms:<milestone id>:<day>:3d`;
- 3 days before the deadline: the owner, `deadline` (+ SMS), `sup:<id>:due:<deadline>:3d`;
- the day after the deadline: the owner, `overdue`, `sup:<id>:due:<deadline>:overdue`;
  and the owner's leaders, `overdue` (+ SMS), `…:overdue-leader`.

A reminder whose time has passed when it would be stored is not stored.
Every reminder carries the condition `supervision.still_due`: when it runs,
a finished task, a moved deadline, a met milestone or a newer report skips
it. A report cancels the old reporting reminder (`sup:<id>:report:`) and
stores the next; an approved extension cancels `sup:<id>:due:`; 办结 cancels
`sup:<id>:`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from backend.supervision import lights
from backend.supervision.models import Milestone, SupervisionTask
from backend.workflow import resolvers
from push import rules
from push import services as push

STILL_DUE = "supervision.still_due"
AHEAD = timedelta(days=3)
AT = time(9, 0)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, AT))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _key(task: SupervisionTask) -> str:
    return f"sup:{task.pk}:"


def _url(task: SupervisionTask) -> str:
    return f"/supervision/{task.pk}"


def _remind(
    task: SupervisionTask,
    user_ids: Sequence[int],
    *,
    key: str,
    day: date,
    kind: str,
    title: str,
    body: str,
    ref: dict[str, Any],
    sms_params: dict[str, str] | None = None,
) -> None:
    at = _at(day)
    if at <= timezone.now() or not user_ids:
        return
    push.remind(
        list(user_ids),
        key=key,
        at=at,
        kind=kind,
        title=title,
        body=body,
        url=_url(task),
        tag=f"sup:{task.pk}",
        sms_params=sms_params,
        condition=STILL_DUE,
        condition_ref={"task_id": task.pk, **ref},
    )


def _report(task: SupervisionTask) -> None:
    due = lights.report_due(task)
    if due is None:
        return
    since = _ms(task.last_report_at or task.created_at)
    _remind(
        task,
        [task.owner_id],
        key=f"{_key(task)}report:{since}:{due.isoformat()}",
        day=due,
        kind="deadline",
        title=f"【待反馈】{task.title}",
        body="今天是进展反馈日，请反馈工作进展",
        ref={"report_since": since},
    )


def _milestones(task: SupervisionTask, milestones: Sequence[Milestone]) -> None:
    for m in milestones:
        if m.done_at is not None:
            continue
        _remind(
            task,
            [task.owner_id],
            key=f"{_key(task)}ms:{m.pk}:{m.due.isoformat()}:3d",
            day=m.due - AHEAD,
            kind="deadline",
            title=f"【节点将到期】{task.title}",
            body=f"阶段节点「{m.title}」将于{m.due:%m月%d日}到期",
            ref={"milestone_id": m.pk},
        )


def _deadline(task: SupervisionTask) -> None:
    base = f"{_key(task)}due:{task.deadline.isoformat()}"
    ref = {"deadline": task.deadline.isoformat()}
    sms = {"title": task.title[:20], "due": f"{task.deadline:%m月%d日}"}
    _remind(
        task,
        [task.owner_id],
        key=f"{base}:3d",
        day=task.deadline - AHEAD,
        kind="deadline",
        title=f"【即将到期】{task.title}",
        body=f"请于{task.deadline:%m月%d日}前办结",
        ref=ref,
        sms_params=sms,
    )
    overdue_day = task.deadline + timedelta(days=1)
    _remind(
        task,
        [task.owner_id],
        key=f"{base}:overdue",
        day=overdue_day,
        kind="overdue",
        title=f"【已超期】{task.title}",
        body=f"截止日期{task.deadline:%m月%d日}已过，请尽快办理",
        ref=ref,
    )
    owner = task.owner
    leaders = [u for u in resolvers.leaders_of(owner) if u != task.owner_id]
    _remind(
        task,
        leaders,
        key=f"{base}:overdue-leader",
        day=overdue_day,
        kind="overdue",
        title=f"【超期提醒】{task.title}",
        body=f"{owner.name}负责的督办事项已超过截止日期（{task.deadline:%m月%d日}）",
        ref=ref,
        sms_params={"name": owner.name, "title": task.title[:20]},
    )


def schedule(task: SupervisionTask) -> None:
    """Store every reminder of a new task."""
    if task.is_done:
        return
    _report(task)
    _milestones(task, list(task.milestones.all()))
    _deadline(task)


def reported(task: SupervisionTask, met_milestone_ids: Sequence[int]) -> None:
    """A report moved the next reporting day and may have met milestones."""
    push.cancel(f"{_key(task)}report:")
    for pk in met_milestone_ids:
        push.cancel(f"{_key(task)}ms:{pk}:")
    _report(task)


def deadline_moved(task: SupervisionTask) -> None:
    """An approved extension: the deadline's reminders move to the new date."""
    push.cancel(f"{_key(task)}due:")
    _deadline(task)


def cancel_all(task: SupervisionTask) -> None:
    """办结: nothing more to remind of."""
    push.cancel(_key(task))


def still_due(user_id: int, ref: Mapping[str, Any]) -> str | None:
    """At delivery: None while the reminder still applies."""
    task = SupervisionTask.objects.filter(pk=ref["task_id"]).first()
    if task is None or task.is_done:
        return "事项已办结"
    if "deadline" in ref and task.deadline.isoformat() != ref["deadline"]:
        return "截止日期已变更"
    if (
        "milestone_id" in ref
        and Milestone.objects.filter(pk=ref["milestone_id"], done_at__isnull=False).exists()
    ):
        return "阶段节点已完成"
    last = task.last_report_at
    if "report_since" in ref and last is not None and _ms(last) != ref["report_since"]:
        return "已反馈进展"
    return None


def register() -> None:
    rules.condition_register(STILL_DUE, still_due)
