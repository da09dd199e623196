"""The flow engine's writes: saving definitions, starting instances, acting on them.

Every call that touches an instance holds its row lock for the whole
transaction, so two people pressing 同意 on a 或签 step at once are
serialised: the first completes the step, the second finds its task closed.
The app owning the subject hears of each change through `listeners`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import default_task_backend

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from backend.directory.models import Unit, User
from backend.workflow import listeners, reminders, resolvers
from backend.workflow.definitions import Step, validate_nodes
from backend.workflow.listeners import Change
from backend.workflow.models import (
    CarbonCopy,
    HistoryEntry,
    Instance,
    ProcessDefinition,
    ProcessVersion,
    SavedOpinion,
    Task,
)
from backend.workflow.routes import build_route

logger = logging.getLogger(__name__)

OPINION_MAX = 1000
URGE_INTERVAL = timedelta(minutes=5)
URGE_TOO_OFTEN = codes.URGE_TOO_OFTEN.message
SAVED_OPINIONS_MAX = 30
HANDLER_ACTIONS = ("approve", "reject", "return", "transfer", "add_sign")
INITIATOR_ACTIONS = ("urge", "withdraw", "resubmit")
ACTIONS = (*HANDLER_ACTIONS, *INITIATOR_ACTIONS, "comment")


class TaskClosed(Conflict):
    entry = codes.TASK_CLOSED


class InstanceNotFound(NotFound):
    entry = codes.INSTANCE_NOT_FOUND


@dataclass
class ActParams:
    """Everything an action may carry; each action reads what it needs."""

    opinion: str = ""
    target: str | None = None  # return: "initiator" or an earlier step id
    user_id: int | None = None  # transfer / add_sign
    position: str | None = None  # add_sign: "before" | "after"
    next_assignees: list[int] | None = None  # a next step chosen by this handler
    facts: dict[str, Any] | None = None  # resubmit
    chosen: dict[str, list[int]] | None = None  # resubmit
    task_id: int | None = None  # pin the action to one task (a stale screen is refused)
    # withdraw: also allowed after handlers acted, while this step (by id) is not yet done
    withdraw_until: str | None = None
    # The opinion was given in a form the app stores itself (公文: a 手写签批 image), so an
    # action that requires an opinion (退回, 驳回) accepts it without words.
    opinion_given: bool = False


@dataclass
class _Run:
    """One engine call: the locked instance and what it changed."""

    instance: Instance
    change: Change
    now: Any = field(default_factory=timezone.now)
    dirty: bool = False

    def record(
        self,
        action: str,
        actor: User | None,
        *,
        step: Mapping[str, Any] | None = None,
        opinion: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.instance.history_seq += 1
        HistoryEntry.objects.create(
            instance=self.instance,
            seq=self.instance.history_seq,
            step_id=str(step["id"]) if step else "",
            step_name=str(step["name"]) if step else "",
            actor=actor,
            action=action,
            opinion=opinion,
            data=data or {},
            at=self.now,
        )
        self.dirty = True


# --- definitions -----------------------------------------------------------------


def definition_save(
    *,
    key: str,
    name: str,
    nodes: Any,
    actor: User | None = None,
    check_condition: Callable[[Mapping[str, Any]], None] | None = None,
) -> ProcessVersion:
    """Save a new version of a flow (creating the flow on first save); old versions stay."""
    validate_nodes(nodes, check_condition=check_condition)
    with transaction.atomic():
        definition, _ = ProcessDefinition.objects.select_for_update().get_or_create(
            key=key, defaults={"name": name}
        )
        last = definition.versions.aggregate(n=Max("number"))["n"] or 0
        version = ProcessVersion.objects.create(
            definition=definition, number=last + 1, nodes=nodes, created_by=actor
        )
        definition.name = name
        definition.current_version = version
        definition.save(update_fields=["name", "current_version"])
    return version


# --- starting --------------------------------------------------------------------


def instance_start(
    *,
    version: ProcessVersion,
    subject_type: str,
    subject_id: str,
    initiator: User,
    facts: dict[str, Any],
    chosen: Mapping[str, list[int]],
    unit: Unit | None = None,
) -> Instance:
    """Start a run; call inside the transaction that creates the subject.

    `unit` is the unit the subject belongs to, when the app knows it (a 收文's
    recipient unit, a 发文's drafting unit): every role of the route resolves
    in it, and so does a resubmit. Without it the initiator's primary position
    decides (an approval request is the initiator's own).
    """
    origin = resolvers.origin_of(initiator, unit)
    route = build_route(version.nodes, origin, facts, chosen)
    with transaction.atomic():
        instance = Instance.objects.create(
            version=version,
            subject_type=subject_type,
            subject_id=subject_id,
            initiator=initiator,
            unit=origin.unit,
            department=origin.department,
            route=route,
            facts=facts,
            started_at=timezone.now(),
        )
        run = _Run(instance, Change("submit", initiator.pk))
        run.record("submit", initiator)
        _open_from(run, 0, next_assignees=None)
        _save_and_notify(run)
    return instance


# --- acting ----------------------------------------------------------------------


def instance_act(
    *, instance_id: int, actor: User, action: str, params: ActParams | None = None
) -> Instance:
    """Perform one action; idempotent when it repeats what the actor already did."""
    handler = _HANDLERS.get(action)
    if handler is None:
        raise InvalidInput.of(codes.UNKNOWN_ACTION)
    params = params or ActParams()
    if len(params.opinion) > OPINION_MAX:
        raise InvalidInput.of(codes.OPINION_TOO_LONG, f"意见不能超过{OPINION_MAX}字")
    with transaction.atomic():
        instance = Instance.objects.select_for_update().filter(pk=instance_id).first()
        if instance is None:
            raise InstanceNotFound()
        run = _Run(instance, Change(action, actor.pk))
        handler(run, actor, params)
        _save_and_notify(run)
    return instance


def _save_and_notify(run: _Run) -> None:
    if not run.dirty:
        return
    run.instance.save()
    listeners.notify(run.instance, run.change)


def _step(instance: Instance, index: int | None = None) -> Step:
    step = instance.step(index)
    if step is None:
        raise TaskClosed("该流程已没有待办步骤")
    return dict(step)


def _require_opinion(params: ActParams, message: str) -> str:
    opinion = params.opinion.strip()
    if not opinion and not params.opinion_given:
        raise InvalidInput.of(codes.OPINION_REQUIRED, message, fields={"opinion": message})
    return opinion


def _did_already(instance: Instance, actor: User, action: str, task_id: int | None) -> bool:
    """The actor's latest finished task in this run ended with this very action."""
    last = (
        instance.tasks.filter(assignee=actor, state=Task.State.DONE)
        .order_by("-acted_at", "-pk")
        .first()
    )
    if last is None or (task_id is not None and last.pk != task_id):
        return False
    return last.result == action or (action == "add_sign" and last.result == "approve")


def _my_task(run: _Run, actor: User, action: str, params: ActParams) -> Task | None:
    """The actor's open task on the current step, None for a harmless repeat, else an error."""
    instance = run.instance
    if instance.state == Instance.State.RUNNING:
        tasks = instance.tasks.filter(assignee=actor, state=Task.State.PENDING)
        if params.task_id is not None:
            tasks = tasks.filter(pk=params.task_id)
        task = tasks.order_by("pk").first()
        if task is not None:
            return task
    if _did_already(instance, actor, action, params.task_id):
        return None
    raise _why_not(instance, actor)


def _why_not(instance: Instance, actor: User) -> Exception:
    if instance.state != Instance.State.RUNNING:
        label = Instance.State(instance.state).label
        return TaskClosed(f"该审批{label}，无需再处理")
    mine = instance.tasks.filter(assignee=actor)
    if mine.filter(state__in=(Task.State.QUEUED, Task.State.WAITING)).exists():
        return TaskClosed.of(codes.NOT_YOUR_TURN)
    if not mine.exists():
        return PermissionDenied.of(codes.NOT_HANDLER)
    latest = mine.order_by("-pk").first()
    winner = (
        instance.tasks.filter(
            state=Task.State.DONE,
            step_index=latest.step_index if latest else -1,
            activation=latest.activation if latest else -1,
        )
        .exclude(assignee=actor)
        .select_related("assignee")
        .order_by("-acted_at", "-pk")
        .first()
    )
    if winner is not None:
        return TaskClosed(f"该审批已由{winner.assignee.name}处理")
    return TaskClosed("该审批已进入下一步，请刷新后查看")


def _close(run: _Run, task: Task, result: str, opinion: str) -> None:
    task.state = Task.State.DONE
    task.result = result
    task.opinion = opinion
    task.acted_at = run.now
    task.save(update_fields=["state", "result", "opinion", "acted_at"])
    run.instance.acted_in_round = True
    run.change.touched_user_ids.add(task.assignee_id)
    run.dirty = True


def _approve(run: _Run, actor: User, params: ActParams) -> None:
    task = _my_task(run, actor, "approve", params)
    if task is None:
        return
    opinion = params.opinion.strip()
    _close(run, task, Task.Result.APPROVED, opinion)
    run.record("approve", actor, step=_step(run.instance, task.step_index), opinion=opinion)
    _after_approval(run, task, params)


def _after_approval(run: _Run, task: Task, params: ActParams) -> None:
    """A finished approval hands back to the 前加签 parent, or completes a chain."""
    if task.added_position == "before" and task.parent is not None:
        parent = task.parent
        _activate(run, parent, reopen=True)
        return
    instance = run.instance
    step = _step(instance)
    open_tasks = instance.tasks.filter(
        step_index=task.step_index, activation=task.activation, state__in=Task.OPEN
    )
    if step["mode"] == "any":
        _cancel(run, open_tasks)
    elif open_tasks.exclude(state=Task.State.QUEUED).exists():
        return  # 会签 / an earlier 加签 still open
    else:
        queued = open_tasks.order_by("order", "pk").first()
        if queued is not None:
            _activate(run, queued)
            return
    if step.get("free") and params.next_assignees:
        _continue_free_step(run, step, params.next_assignees)
        return
    _open_from(run, instance.current_index + 1, next_assignees=params.next_assignees)


def _continue_free_step(run: _Run, step: Step, next_assignees: list[int]) -> None:
    """自由流: the handler passes the same step on to people they pick, or (without) ends it."""
    instance = run.instance
    step = {**step, "assignee_ids": _chosen_next(step, next_assignees)}
    route = list(instance.route)
    route[instance.current_index] = step
    instance.route = route
    _open_tasks(run, instance.current_index, step)


def _reject(run: _Run, actor: User, params: ActParams) -> None:
    task = _my_task(run, actor, "reject", params)
    if task is None:
        return
    opinion = _require_opinion(params, "请填写驳回理由")
    _close(run, task, Task.Result.REJECTED, opinion)
    run.record("reject", actor, step=_step(run.instance, task.step_index), opinion=opinion)
    _finish(run, Instance.State.REJECTED)


def _return(run: _Run, actor: User, params: ActParams) -> None:
    task = _my_task(run, actor, "return", params)
    if task is None:
        return
    opinion = _require_opinion(params, "请填写退回理由")
    instance = run.instance
    target = params.target or "initiator"
    target_index = None if target == "initiator" else _earlier_step(instance, target)
    _close(run, task, Task.Result.RETURNED, opinion)
    target_name = (
        instance.initiator.name if target_index is None else _step(instance, target_index)["name"]
    )
    run.record(
        "return",
        actor,
        step=_step(instance, task.step_index),
        opinion=opinion,
        data={"target": target, "target_name": target_name},
    )
    _cancel(run, instance.tasks.filter(state__in=Task.OPEN))
    if target_index is None:
        instance.state = Instance.State.RETURNED
        run.change.touched_user_ids.add(instance.initiator_id)
        return
    _open_from(run, target_index, next_assignees=None)


def _earlier_step(instance: Instance, step_id: str) -> int:
    for index, step in enumerate(instance.route[: instance.current_index]):
        if step["id"] == step_id and step["type"] == "approver":
            return index
    raise InvalidInput.of(codes.INVALID_RETURN_TARGET)


def _other_person(run: _Run, task: Task, params: ActParams, verb: str) -> User:
    """The person a 转办/加签 hands to: active, not the actor, not already on this step."""
    if params.user_id is None:
        raise InvalidInput.of(codes.USER_REQUIRED, f"请选择{verb}人员")
    person = User.objects.filter(pk=params.user_id, is_active=True, is_bot=False).first()
    if person is None:
        raise InvalidInput.of(codes.USER_NOT_FOUND)
    if person.pk == task.assignee_id:
        raise InvalidInput.of(codes.USER_IS_SELF, f"不能{verb}给自己")
    busy = run.instance.tasks.filter(
        step_index=task.step_index,
        activation=task.activation,
        assignee=person,
        state__in=Task.OPEN,
    )
    if busy.exists():
        raise InvalidInput.of(codes.USER_ALREADY_ASSIGNED, f"{person.name}已在本步骤办理中")
    return person


def _transfer(run: _Run, actor: User, params: ActParams) -> None:
    task = _my_task(run, actor, "transfer", params)
    if task is None:
        return
    person = _other_person(run, task, params, "转办")
    opinion = params.opinion.strip()
    _close(run, task, Task.Result.TRANSFERRED, opinion)
    successor = _new_task(run, task, person, parent=task.parent, position=task.added_position)
    successor.transferred_from = task
    successor.save(update_fields=["transferred_from"])
    run.record(
        "transfer",
        actor,
        step=_step(run.instance, task.step_index),
        opinion=opinion,
        data={"to": person.pk, "to_name": person.name},
    )


def _add_sign(run: _Run, actor: User, params: ActParams) -> None:
    task = _my_task(run, actor, "add_sign", params)
    if task is None:
        return
    if params.position not in ("before", "after"):
        raise InvalidInput.of(codes.INVALID_POSITION)
    if params.position == "after" and task.added_position == "before":
        raise InvalidInput.of(codes.INVALID_POSITION, "前加签人不能再后加签")
    person = _other_person(run, task, params, "加签")
    opinion = params.opinion.strip()
    step = _step(run.instance, task.step_index)
    data = {"to": person.pk, "to_name": person.name, "position": params.position}
    if params.position == "before":
        task.state = Task.State.WAITING
        task.save(update_fields=["state"])
        run.change.touched_user_ids.add(task.assignee_id)
        run.instance.acted_in_round = True
        run.record("add_sign", actor, step=step, opinion=opinion, data=data)
        _new_task(run, task, person, parent=task, position="before")
        return
    _close(run, task, Task.Result.APPROVED, opinion)
    run.record("add_sign", actor, step=step, opinion=opinion, data=data)
    _new_task(run, task, person, parent=task, position="after")


def _new_task(run: _Run, like: Task, person: User, *, parent: Task | None, position: str) -> Task:
    task = Task.objects.create(
        instance=run.instance,
        step_index=like.step_index,
        step_id=like.step_id,
        activation=like.activation,
        round=like.round,
        assignee=person,
        order=like.order,
        state=Task.State.QUEUED,
        parent=parent,
        added_position=position,
        created_at=run.now,
    )
    _activate(run, task)
    return task


def _comment(run: _Run, actor: User, params: ActParams) -> None:
    instance = run.instance
    involved = (
        actor.pk == instance.initiator_id
        or instance.tasks.filter(assignee=actor).exists()
        or instance.ccs.filter(user=actor).exists()
    )
    if not involved:
        raise PermissionDenied.of(codes.NOT_PARTICIPANT)
    opinion = _require_opinion(params, "请填写评论内容")
    run.record("comment", actor, opinion=opinion)


def _require_initiator(instance: Instance, actor: User, verb: str) -> None:
    if actor.pk != instance.initiator_id:
        raise PermissionDenied.of(codes.NOT_INITIATOR, f"只有发起人可以{verb}")


def _urge(run: _Run, actor: User, params: ActParams) -> None:
    instance = run.instance
    _require_initiator(instance, actor, "催办")
    if instance.state != Instance.State.RUNNING:
        raise TaskClosed.of(codes.NOT_RUNNING)
    if instance.last_urged_at and run.now - instance.last_urged_at < URGE_INTERVAL:
        raise RateLimited.of(codes.URGE_TOO_OFTEN)
    handlers = list(
        instance.tasks.filter(state=Task.State.PENDING).values_list("assignee_id", flat=True)
    )
    instance.last_urged_at = run.now
    run.change.urged_user_ids = sorted(set(handlers))
    run.record(
        "urge", actor, step=_step(instance), opinion=params.opinion.strip(), data={"to": handlers}
    )


def _withdraw(run: _Run, actor: User, params: ActParams) -> None:
    instance = run.instance
    _require_initiator(instance, actor, "撤回")
    if instance.state == Instance.State.WITHDRAWN:
        return
    if instance.is_terminal:
        raise TaskClosed.of(codes.NOT_RUNNING, "该审批已结束，无法撤回")
    if (
        instance.state == Instance.State.RUNNING
        and instance.acted_in_round
        and not _step_ahead(instance, params.withdraw_until)
    ):
        raise Conflict.of(codes.WITHDRAW_TOO_LATE)
    run.record("withdraw", actor, opinion=params.opinion.strip())
    _finish(run, Instance.State.WITHDRAWN)


def _step_ahead(instance: Instance, step_id: str | None) -> bool:
    """Whether the step with this id is the current one or still to come."""
    return step_id is not None and any(
        step["id"] == step_id for step in instance.route[instance.current_index :]
    )


def _resubmit(run: _Run, actor: User, params: ActParams) -> None:
    instance = run.instance
    _require_initiator(instance, actor, "重新提交")
    if instance.state != Instance.State.RETURNED:
        raise Conflict.of(codes.NOT_RETURNED)
    facts = params.facts if params.facts is not None else dict(instance.facts)
    # The run stays anchored where it started (the unit the app named, if any).
    origin = resolvers.origin_of(actor, instance.unit)
    instance.route = build_route(instance.version.nodes, origin, facts, params.chosen or {})
    instance.facts = facts
    instance.state = Instance.State.RUNNING
    instance.round += 1
    instance.acted_in_round = False
    run.change.touched_user_ids.add(actor.pk)
    run.record("resubmit", actor, opinion=params.opinion.strip())
    _open_from(run, 0, next_assignees=None)


_HANDLERS: dict[str, Callable[[_Run, User, ActParams], None]] = {
    "approve": _approve,
    "reject": _reject,
    "return": _return,
    "transfer": _transfer,
    "add_sign": _add_sign,
    "comment": _comment,
    "urge": _urge,
    "withdraw": _withdraw,
    "resubmit": _resubmit,
}


# --- steps -----------------------------------------------------------------------


def _open_from(run: _Run, index: int, *, next_assignees: list[int] | None) -> None:
    """Walk the route from `index`: CC steps inform and pass, the first approver step opens."""
    instance = run.instance
    route = list(instance.route)
    while index < len(route):
        instance.current_index = index
        step = dict(route[index])
        if step["type"] == "cc":
            _carbon_copy(run, step)
            index += 1
            continue
        if step.get("chooser") == "previous" and (next_assignees or not step["assignee_ids"]):
            step["assignee_ids"] = _chosen_next(step, next_assignees)
            route[index] = step
            instance.route = route
        next_assignees = None
        _open_tasks(run, index, step)
        return
    instance.current_index = len(route)
    _finish(run, Instance.State.APPROVED)


def _chosen_next(step: Step, next_assignees: list[int] | None) -> list[int]:
    ids = resolvers.active_people(next_assignees or [])
    if not ids:
        message = f"请选择「{step['name']}」的办理人"
        raise InvalidInput.of(
            codes.NEXT_ASSIGNEES_REQUIRED, message, fields={"next_assignees": message}
        )
    return ids


def _open_tasks(run: _Run, index: int, step: Step) -> None:
    instance = run.instance
    activation = (
        instance.tasks.filter(step_index=index).aggregate(n=Max("activation"))["n"] or 0
    ) + 1
    sequential = step["mode"] == "sequential"
    tasks = [
        Task.objects.create(
            instance=instance,
            step_index=index,
            step_id=step["id"],
            activation=activation,
            round=instance.round,
            assignee_id=user_id,
            order=order if sequential else 0,
            state=Task.State.QUEUED,
            created_at=run.now,
        )
        for order, user_id in enumerate(step["assignee_ids"])
    ]
    for task in tasks[:1] if sequential else tasks:
        _activate(run, task)
    run.dirty = True


def _activate(run: _Run, task: Task, *, reopen: bool = False) -> None:
    """Make a task actionable now; its deadline (if the step has one) starts now."""
    task.state = Task.State.PENDING
    task.opened_at = run.now
    hours = _step(run.instance, task.step_index).get("deadline_hours")
    if hours and not reopen:
        task.due_at = run.now + timedelta(hours=int(hours))
    task.save(update_fields=["state", "opened_at", "due_at"])
    run.change.opened.append(task)
    run.change.touched_user_ids.add(task.assignee_id)
    run.dirty = True
    if task.due_at and not reopen:
        _schedule_deadline(task)
        reminders.schedule(task, run.instance, now=run.now)


def _schedule_deadline(task: Task) -> None:
    # The job module imports this one, so it is imported at call time.
    from backend.workflow.tasks import task_deadline_check

    if task.due_at is None:
        return
    if not default_task_backend.supports_defer:
        logger.warning("task backend cannot defer; deadline of task %s is not watched", task.pk)
        return
    task_deadline_check.using(run_after=task.due_at).enqueue(task.pk)


def _carbon_copy(run: _Run, step: Step) -> None:
    instance = run.instance
    already = set(instance.ccs.values_list("user_id", flat=True))
    new_ids = [i for i in step["assignee_ids"] if i not in already and i != instance.initiator_id]
    CarbonCopy.objects.bulk_create(
        CarbonCopy(instance=instance, step_id=step["id"], user_id=i, created_at=run.now)
        for i in new_ids
    )
    if new_ids:
        run.record("cc", None, step=step, data={"to": new_ids})
        run.change.cc_user_ids.extend(new_ids)


def _cancel(run: _Run, tasks: Any) -> None:
    for task in tasks:
        run.change.touched_user_ids.add(task.assignee_id)
    tasks.update(state=Task.State.CANCELLED)


def _finish(run: _Run, state: str) -> None:
    instance = run.instance
    _cancel(run, instance.tasks.filter(state__in=Task.OPEN))
    instance.state = state
    instance.ended_at = run.now
    run.change.ended = True
    run.change.touched_user_ids.add(instance.initiator_id)
    run.record("finish", None, data={"state": state})


# --- deadlines -------------------------------------------------------------------


def deadline_check(task_id: int) -> bool:
    """Mark one task overdue if it is still waiting past its due time; True if it did."""
    with transaction.atomic():
        instance_id = Task.objects.filter(pk=task_id).values_list("instance_id", flat=True).first()
        if instance_id is None:
            return False
        instance = Instance.objects.select_for_update().get(pk=instance_id)
        task = Task.objects.get(pk=task_id)
        now = timezone.now()
        if task.state != Task.State.PENDING or task.overdue_at or not task.due_at:
            return False
        if task.due_at > now:
            return False
        task.overdue_at = now
        task.save(update_fields=["overdue_at"])
        run = _Run(instance, Change("overdue", None), now=now)
        run.change.overdue.append(task)
        run.record(
            "overdue",
            None,
            step=_step(instance, task.step_index),
            data={"to": task.assignee_id, "due_at": task.due_at.isoformat()},
        )
        _save_and_notify(run)
        reminders.overdue(task, instance)
    return True


def task_deadline_set(
    *, actor: User, task_id: int, due_at: datetime, context: RequestContext = NO_CONTEXT
) -> Task:
    """延期 / 提前: the initiator moves an open task's deadline; reminders move with it.

    The old reminders are cancelled and new ones stored (in this transaction);
    the old deadline job finds the task not yet due and does nothing.
    """
    with transaction.atomic():
        instance_id = Task.objects.filter(pk=task_id).values_list("instance_id", flat=True).first()
        if instance_id is None:
            raise InstanceNotFound()
        instance = Instance.objects.select_for_update().get(pk=instance_id)
        _require_initiator(instance, actor, "调整办理时限")
        task = Task.objects.select_related("assignee").get(pk=task_id)
        if task.state != Task.State.PENDING:
            raise TaskClosed("该事项已办结，无需调整时限")
        run = _Run(instance, Change("deadline", actor.pk))
        if due_at <= run.now:
            raise InvalidInput.of(codes.INVALID_DEADLINE)
        previous = task.due_at
        task.due_at = due_at
        task.overdue_at = None
        task.save(update_fields=["due_at", "overdue_at"])
        run.record(
            "deadline",
            actor,
            step=_step(instance, task.step_index),
            data={
                "task_id": task.pk,
                "to": task.assignee_id,
                "from": previous.isoformat() if previous else None,
                "due_at": due_at.isoformat(),
            },
        )
        _schedule_deadline(task)
        reminders.moved(task, instance, now=run.now)
        _save_and_notify(run)
        audit_record(
            "workflow.deadline_set",
            actor=actor,
            target=task,
            data={"instance_id": instance.pk, "due_at": due_at.isoformat()},
            context=context,
        )
    return task


# --- saved opinions --------------------------------------------------------------


def opinion_save(*, actor: User, text: str) -> SavedOpinion:
    text = text.strip()
    if not text or len(text) > 200:
        raise InvalidInput.of(codes.INVALID_OPINION)
    with transaction.atomic():
        existing = SavedOpinion.objects.filter(user=actor, text=text).first()
        if existing is not None:
            return existing
        if SavedOpinion.objects.filter(user=actor).count() >= SAVED_OPINIONS_MAX:
            raise InvalidInput.of(
                codes.TOO_MANY_OPINIONS, f"常用意见最多保存{SAVED_OPINIONS_MAX}条"
            )
        return SavedOpinion.objects.create(user=actor, text=text)


def opinion_delete(*, actor: User, opinion_id: int) -> None:
    deleted, _ = SavedOpinion.objects.filter(user=actor, pk=opinion_id).delete()
    if not deleted:
        raise NotFound.of(codes.OPINION_NOT_FOUND)
