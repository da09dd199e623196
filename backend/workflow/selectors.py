"""Reads of flow instances for one viewer: the diagram, the timeline, what they may do.

Visibility of the subject (who may open an approval at all) is the owning
app's rule; these selectors assume it has been checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, prefetch_related_objects

from backend.directory.models import User
from backend.workflow.models import CarbonCopy, HistoryEntry, Instance, SavedOpinion, Task
from backend.workflow.services import URGE_INTERVAL, URGE_TOO_OFTEN
from realtime.cards import ActionChoice, ActionStyle, CardAction, OpinionNeed, card_action

ACTION_LABELS = {
    "submit": "提交申请",
    "resubmit": "重新提交",
    "approve": "同意",
    "reject": "驳回",
    "return": "退回",
    "transfer": "转办",
    "add_sign": "加签",
    "comment": "评论",
    "urge": "催办",
    "withdraw": "撤回",
    "cc": "抄送",
    "overdue": "超时提醒",
    "deadline": "调整办理时限",
    "finish": "流程结束",
}
MODE_LABELS = {"sequential": "依次审批", "all": "会签", "any": "或签"}


def involved_q(user: User, prefix: str = "") -> Q:
    """Instances the user started, handles or handled, or was copied on."""
    return (
        Q(**{f"{prefix}initiator": user})
        | Q(**{f"{prefix}tasks__assignee": user})
        | Q(**{f"{prefix}ccs__user": user})
    )


def is_involved(instance: Instance, user: User) -> bool:
    return (
        instance.initiator_id == user.pk
        or instance.tasks.filter(assignee=user).exists()
        or instance.ccs.filter(user=user).exists()
    )


def pending_tasks_of(user: User) -> QuerySet[Task]:
    return Task.objects.filter(assignee=user, state=Task.State.PENDING)


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.name}


def _task_view(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "assignee": _person(task.assignee),
        "state": task.state,
        "state_label": Task.State(task.state).label,
        "result": task.result,
        "result_label": Task.Result(task.result).label if task.result else "",
        "opinion": task.opinion,
        "added_position": task.added_position,
        "opened_at": task.opened_at,
        "acted_at": task.acted_at,
        "due_at": task.due_at,
        "overdue": task.overdue_at is not None,
    }


def _step_state(instance: Instance, index: int) -> str:
    if instance.state == Instance.State.APPROVED or index < instance.current_index:
        return "done"
    if index == instance.current_index and instance.state == Instance.State.RUNNING:
        return "current"
    if index == instance.current_index and instance.state != Instance.State.RETURNED:
        return "stopped"
    return "future"


def route_view(instance: Instance) -> list[dict[str, Any]]:
    """Each step with its state and the tasks of its latest activation (the diagram)."""
    tasks = list(
        instance.tasks.filter(round=instance.round)
        .select_related("assignee")
        .order_by("activation", "order", "pk")
    )
    latest: dict[int, int] = {}
    for task in tasks:
        latest[task.step_index] = max(latest.get(task.step_index, 0), task.activation)
    names = dict(
        User.objects.filter(
            pk__in={i for step in instance.route for i in step.get("assignee_ids", [])}
        ).values_list("pk", "name")
    )
    ccs = {cc.user_id: cc for cc in instance.ccs.all()}
    steps = []
    for index, step in enumerate(instance.route):
        step_tasks = [
            _task_view(t)
            for t in tasks
            if t.step_index == index and t.activation == latest.get(index)
        ]
        steps.append(
            {
                "id": step["id"],
                "type": step["type"],
                "name": step["name"],
                "mode": step.get("mode", ""),
                "mode_label": MODE_LABELS.get(step.get("mode", ""), ""),
                "chooser": step.get("chooser", ""),
                "state": _step_state(instance, index),
                "assignees": [
                    {"id": i, "name": names.get(i, "")} for i in step.get("assignee_ids", [])
                ],
                "tasks": step_tasks,
                "cc_read": [i for i in step.get("assignee_ids", []) if i in ccs and ccs[i].read_at]
                if step["type"] == "cc"
                else [],
                "deadline_hours": step.get("deadline_hours"),
            }
        )
    return steps


def history_view(instance: Instance) -> list[dict[str, Any]]:
    entries = HistoryEntry.objects.filter(instance=instance).select_related("actor")
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "action_label": _history_label(e),
            "actor": _person(e.actor),
            "step_name": e.step_name,
            "opinion": e.opinion,
            "data": e.data,
            "at": e.at,
        }
        for e in entries
    ]


def _history_label(entry: HistoryEntry) -> str:
    if entry.action == "finish":
        return {"approved": "审批通过", "rejected": "审批未通过", "withdrawn": "已撤回"}.get(
            entry.data.get("state", ""), "流程结束"
        )
    if entry.action == "add_sign":
        return "前加签" if entry.data.get("position") == "before" else "后加签"
    return ACTION_LABELS.get(entry.action, entry.action)


def my_pending_task(instance: Instance, viewer: User) -> Task | None:
    if instance.state != Instance.State.RUNNING:
        return None
    return instance.tasks.filter(assignee=viewer, state=Task.State.PENDING).order_by("pk").first()


def _next_needs_choice(instance: Instance) -> bool:
    for step in instance.route[instance.current_index + 1 :]:
        if step["type"] == "approver":
            return bool(step.get("chooser") == "previous")
    return False


def _return_targets(instance: Instance) -> list[ActionChoice]:
    targets: list[ActionChoice] = [
        {"id": "initiator", "name": f"发起人({instance.initiator.name})"}
    ]
    targets += [
        {"id": step["id"], "name": step["name"]}
        for step in instance.route[: instance.current_index]
        if step["type"] == "approver"
    ]
    return targets


@dataclass(frozen=True)
class _ActionNeeds:
    """What an action asks of the person pressing it (the server decides, not the client)."""

    opinion: OpinionNeed
    style: ActionStyle = "default"
    needs_person: bool = False
    confirm: str = ""


OPINION_LABEL = "审批意见"
WITHDRAW_CONFIRM = "撤回后该审批将终止，确定撤回？"
ADD_SIGN_POSITIONS: list[ActionChoice] = [
    {"id": "before", "name": "在我之前"},
    {"id": "after", "name": "在我之后"},
]
ACTION_NEEDS: dict[str, _ActionNeeds] = {
    "approve": _ActionNeeds("optional", "primary"),
    "reject": _ActionNeeds("required", "danger"),
    "return": _ActionNeeds("required"),
    "transfer": _ActionNeeds("optional", needs_person=True),
    "add_sign": _ActionNeeds("optional", needs_person=True),
    "comment": _ActionNeeds("required"),
    "urge": _ActionNeeds("none"),
    "withdraw": _ActionNeeds("none", "danger", confirm=WITHDRAW_CONFIRM),
    # The client opens the form again for it; no sheet.
    "resubmit": _ActionNeeds("none", "primary"),
}


def _action(action: str, **extra: Any) -> CardAction:
    """One action in the shared shape (realtime.cards.CardAction), per ACTION_NEEDS."""
    needs = ACTION_NEEDS[action]
    return card_action(
        action,
        ACTION_LABELS[action],
        style=needs.style,
        opinion=needs.opinion,
        opinion_label=OPINION_LABEL,
        needs_person=needs.needs_person,
        confirm=needs.confirm,
        **extra,
    )


def _last_in_step(instance: Instance, task: Task) -> bool:
    """Whether this task's approval completes its step (no other open task in it, or 或签)."""
    return (
        not instance.tasks.filter(
            step_index=task.step_index, activation=task.activation, state__in=Task.OPEN
        )
        .exclude(pk=task.pk)
        .exists()
        or instance.route[task.step_index].get("mode") == "any"
    )


def handler_actions(
    instance: Instance, task: Task, *, last_in_step: bool | None = None
) -> list[CardAction]:
    """What the holder of a pending task may do (the card shows the first few).

    `last_in_step` is asked of the database unless the caller already knows it
    (`actions_for_many` finds it for a whole page at once).
    """
    if last_in_step is None:
        last_in_step = _last_in_step(instance, task)
    needs_next = last_in_step and _next_needs_choice(instance)
    # 自由流: the last handler of a free step may pass it on to more people.
    may_continue = last_in_step and bool(instance.route[task.step_index].get("free"))
    return [
        _action(
            "approve",
            task_id=task.pk,
            needs_next_assignees=needs_next,
            may_pass_on=may_continue,
        ),
        _action("reject", task_id=task.pk),
        _action("return", task_id=task.pk, targets=_return_targets(instance)),
        _action("transfer", task_id=task.pk),
        _action("add_sign", task_id=task.pk, positions=ADD_SIGN_POSITIONS),
    ]


def initiator_actions(instance: Instance, now: Any) -> list[CardAction]:
    actions = []
    if instance.state == Instance.State.RETURNED:
        actions.append(_action("resubmit"))
    if instance.state == Instance.State.RUNNING:
        # Shown but disabled inside the interval, so the reason is visible.
        recently = bool(instance.last_urged_at and now - instance.last_urged_at < URGE_INTERVAL)
        actions.append(_action("urge", enabled=not recently, disabled_reason=URGE_TOO_OFTEN))
    if instance.state == Instance.State.RETURNED or (
        instance.state == Instance.State.RUNNING and not instance.acted_in_round
    ):
        actions.append(_action("withdraw"))
    return actions


def actions_for(instance: Instance, viewer: User, now: Any) -> list[CardAction]:
    """Every button this viewer may see now: the ones they may press, and 催办 while it waits."""
    return actions_for_many([instance], viewer, now)[instance.pk]


@dataclass
class _ViewerFacts:
    """What decides one viewer's buttons on one instance (see `actions_for_many`)."""

    pending: Task | None = None  # their first pending task, while the flow runs
    involved: bool = False  # initiator, handler past or present, or CC'd
    last_in_step: bool = False  # their pending task completes its step


def _viewer_facts(instances: Sequence[Instance], viewer: User) -> dict[int, _ViewerFacts]:
    """`my_pending_task`, `is_involved` and `_last_in_step` for many instances in at most 3
    queries: the viewer's tasks, their CC rows, the open tasks of the steps they hold."""
    facts = {i.pk: _ViewerFacts(involved=i.initiator_id == viewer.pk) for i in instances}
    running = {i.pk for i in instances if i.state == Instance.State.RUNNING}
    for task in Task.objects.filter(instance_id__in=list(facts), assignee=viewer).order_by("pk"):
        fact = facts[task.instance_id]
        fact.involved = True
        if task.instance_id in running and task.state == Task.State.PENDING and not fact.pending:
            fact.pending = task
    uninvolved = [pk for pk, fact in facts.items() if not fact.involved]
    if uninvolved:  # a CC row matters only where nothing else involves the viewer
        copied = CarbonCopy.objects.filter(instance_id__in=uninvolved, user=viewer)
        for instance_id in copied.values_list("instance_id", flat=True):
            facts[instance_id].involved = True
    pending = {pk: f.pending for pk, f in facts.items() if f.pending is not None}
    if pending:
        # Every open task of the steps the viewer holds a task in, to see who else is open.
        open_in_step: dict[tuple[int, int, int], set[int]] = {}
        others = Task.objects.filter(instance_id__in=list(pending), state__in=Task.OPEN)
        for row in others.values_list("instance_id", "step_index", "activation", "pk"):
            open_in_step.setdefault(row[:3], set()).add(row[3])
        by_pk = {i.pk: i for i in instances}
        for instance_id, task in pending.items():
            step = (instance_id, task.step_index, task.activation)
            alone = not (open_in_step.get(step, set()) - {task.pk})
            is_any = by_pk[instance_id].route[task.step_index].get("mode") == "any"
            facts[instance_id].last_in_step = alone or is_any
    return facts


def actions_for_many(
    instances: Sequence[Instance], viewer: User, now: Any
) -> dict[int, list[CardAction]]:
    """`actions_for` of many instances for one viewer, keyed by instance id.

    A fixed number of queries however many instances (at most 4): the viewer's
    tasks, their CC rows, the open tasks of the steps they hold, and the
    initiators (for 退回's targets) of those not loaded with
    `select_related("initiator")`.
    """
    facts = _viewer_facts(instances, viewer)
    holding = [i for i in instances if facts[i.pk].pending is not None]
    prefetch_related_objects(holding, "initiator")  # skips the ones already loaded
    by_instance: dict[int, list[CardAction]] = {}
    for instance in instances:
        fact = facts[instance.pk]
        actions: list[CardAction] = []
        if fact.pending is not None:
            actions += handler_actions(instance, fact.pending, last_in_step=fact.last_in_step)
        if viewer.pk == instance.initiator_id:
            actions += initiator_actions(instance, now)
        if fact.involved:
            actions.append(_action("comment"))
        by_instance[instance.pk] = actions
    return by_instance


def saved_opinions(viewer: User) -> QuerySet[SavedOpinion]:
    return SavedOpinion.objects.filter(user=viewer)
