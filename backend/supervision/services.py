"""督办's writes: create, split, report, urge, apply for 办结 / 延期, decide.

Every write is one transaction holding the row lock of the task it changes
(bad input changes nothing). 办结 and 延期 are decided through the flow
engine (`backend.workflow`): each application is one flow instance with one
approver step (the task's supervisor, chosen at submit); `flow.py` turns the
engine's outcome into the task's new state. Cards, 待办 counts and reminders
follow in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend import forms
from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import Conflict, InvalidInput, PermissionDenied, RateLimited
from backend.directory.models import Department, Position, Role, RoleAssignment, Unit, User
from backend.supervision import reminders
from backend.supervision.lights import report_due
from backend.supervision.models import (
    Application,
    Grant,
    Milestone,
    Report,
    SupervisionTask,
    Urge,
)
from backend.supervision.selectors import (
    SupervisionNotFound,
    ancestors_of,
    leader_grant_root_ids,
    may_urge,
    task_get,
)
from backend.todo import registry
from backend.workflow import resolvers
from backend.workflow import services as workflow
from backend.workflow.models import ProcessDefinition, ProcessVersion
from realtime import event_types as wire
from realtime import events
from realtime import services as chat

SUBJECT = "supervision"
FINISH_SUBJECT = "supervision_finish"
EXTENSION_SUBJECT = "supervision_extension"
FLOW_SUBJECTS = (FINISH_SUBJECT, EXTENSION_SUBJECT)
ASSISTANT = "supervision"
ASSISTANT_MOBILE = "10000000003"
ASSISTANT_NAME = "督办助手"
TITLE_MAX = 100
TEXT_MAX = 2000
URGE_MAX = 500
MILESTONES_MAX = 20
ATTACHMENTS = [{"key": "attachments", "type": "attachment", "label": "附件", "max": 9}]
FLOWS = {
    FINISH_SUBJECT: ("supervision:finish", "督办办结审核", "办结审核"),
    EXTENSION_SUBJECT: ("supervision:extension", "督办延期审批", "延期审批"),
}


# --- input -----------------------------------------------------------------------


@dataclass(frozen=True)
class PartInput:
    """Who carries a part: a unit (and optionally a department in it) and its 责任人."""

    owner_id: int
    unit_id: int | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class TaskInput:
    title: str
    deadline: date
    lead: PartInput
    requirement: str = ""
    source: str = SupervisionTask.Source.OTHER
    source_type: str = ""
    source_id: str = ""
    assists: Sequence[PartInput] = ()
    supervisor_id: int | None = None
    importance: str = SupervisionTask.Importance.NORMAL
    cycle: str = SupervisionTask.Cycle.NONE
    cycle_days: int | None = None
    milestones: Sequence[tuple[str, date]] = ()
    attachments: Sequence[Any] = field(default_factory=list)


SOURCE_TYPES = ("", "message", "document", "meeting")


def _bad(field_name: str, message: str) -> InvalidInput:
    return InvalidInput.of(codes.INVALID_SUPERVISION, fields={field_name: message})


def _clean_text(value: str, name: str, label: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _bad(name, f"请填写{label}")
    if len(text) > limit:
        raise _bad(name, f"{label}不能超过{limit}字")
    return text


def _attachments(actor: User, raw: Sequence[Any]) -> list[dict[str, Any]]:
    if not raw:
        return []
    cleaned = forms.clean_form(
        ATTACHMENTS, {"attachments": list(raw)}, context=forms.Context(initiator=actor)
    )
    return list(cleaned.get("attachments", []))


def _cycle(cycle: str, days: int | None) -> int | None:
    if cycle not in SupervisionTask.Cycle.values:
        raise _bad("cycle", "反馈周期应为 none、weekly、monthly 或 custom")
    if cycle != SupervisionTask.Cycle.CUSTOM:
        return None
    if days is None or days < 1:
        raise InvalidInput.of(codes.INVALID_CYCLE)
    if days > 366:
        raise _bad("cycle_days", "反馈周期不能超过366天")
    return days


@dataclass(frozen=True)
class _Part:
    owner: User
    unit: Unit
    department: Department | None


def _part(spec: PartInput, name: str) -> _Part:
    """The 责任人 must hold a position in the named department (or unit)."""
    owner = User.objects.filter(pk=spec.owner_id, is_active=True, is_bot=False).first()
    if owner is None:
        raise _bad(f"{name}.owner_id", "责任人不存在")
    positions = Position.objects.filter(user=owner).select_related("department__unit")
    if spec.department_id is not None:
        positions = positions.filter(department_id=spec.department_id)
    elif spec.unit_id is not None:
        positions = positions.filter(department__unit_id=spec.unit_id)
    position = positions.order_by("-is_primary", "rank", "pk").first()
    if position is None:
        raise _bad(f"{name}.owner_id", "责任人不在所选单位或部门")
    department = position.department if spec.department_id is not None else None
    return _Part(owner=owner, unit=position.department.unit, department=department)


def _unit_and_above(unit: Unit) -> list[int]:
    """The unit's id and its parents', nearest first."""
    ids: list[int] = []
    current: Unit | None = unit
    while current is not None and current.pk not in ids:
        ids.append(current.pk)
        current = current.parent
    return ids


def _below_ids(model: type[Unit] | type[Department], top: Iterable[int]) -> set[int]:
    """`top` and every unit (or department) under them (one query per level)."""
    found = set(top)
    frontier = set(found)
    while frontier:
        frontier = set(
            model.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found |= frontier
    return found


def _require_below(actor: User, parent: SupervisionTask, spec: PartInput) -> None:
    """逐级分解 goes down: the new 责任人 must hold a post (the one the part names) below
    the splitter.

    Below a leader of the task's unit (or of a unit above it): anyone in that unit
    or a unit under it. Below a department head: anyone in the department or one
    under it. Below anyone else: someone of a lower post (a larger `rank`) in the
    same department. Never the splitter themselves.
    """
    refused = PermissionDenied.of(
        codes.OWNER_NOT_BELOW, fields={"part.owner_id": codes.OWNER_NOT_BELOW.message}
    )
    if spec.owner_id == actor.pk:
        raise refused
    candidates = Position.objects.filter(user_id=spec.owner_id)
    if spec.department_id is not None:
        candidates = candidates.filter(department_id=spec.department_id)
    elif spec.unit_id is not None:
        candidates = candidates.filter(department__unit_id=spec.unit_id)
    leads_unit = RoleAssignment.objects.filter(
        user=actor, role=Role.LEADER, unit_id__in=_unit_and_above(parent.unit)
    ).exists()
    if leads_unit:
        units = _below_ids(Unit, [parent.unit_id])
        if candidates.filter(department__unit_id__in=units).exists():
            return
        raise refused
    mine = list(
        Position.objects.filter(user=actor, department__unit_id=parent.unit_id).values_list(
            "department_id", "rank", "is_leader"
        )
    )
    headed = _below_ids(Department, [d for d, _, leader in mine if leader])
    lower = Q(department_id__in=headed)
    for department_id, rank, _ in mine:
        lower |= Q(department_id=department_id, rank__gt=rank)
    if mine and candidates.filter(lower).exists():
        return
    raise refused


def _milestones(raw: Sequence[tuple[str, date]], deadline: date) -> list[tuple[str, date]]:
    if len(raw) > MILESTONES_MAX:
        raise _bad("milestones", f"阶段节点最多{MILESTONES_MAX}个")
    cleaned = []
    for i, (title, due) in enumerate(raw):
        text = _clean_text(title, f"milestones.{i}.title", "节点名称", TITLE_MAX, required=True)
        if due > deadline:
            raise _bad(f"milestones.{i}.due", "阶段节点不能晚于截止日期")
        cleaned.append((text, due))
    return cleaned


def may_create(user: User) -> bool:
    """督查人员 (a position in a 督查 department) or any leader may create 督办 tasks."""
    if RoleAssignment.objects.filter(user=user, role__in=[Role.LEADER, Role.UNIT_ADMIN]).exists():
        return True
    return (
        Position.objects.filter(user=user)
        .filter(Q(is_leader=True) | Q(department__name__contains="督查"))
        .exists()
    )


# --- building nodes --------------------------------------------------------------


def _grant(task: SupervisionTask, user_ids: Iterable[int], reason: str) -> None:
    Grant.objects.bulk_create(
        [Grant(task=task, user_id=u, path=task.path, reason=reason) for u in set(user_ids)],
        ignore_conflicts=True,
    )


def _leader_chain(user: User, limit: int = 8) -> list[int]:
    """The person's leaders, their leaders, … up to the top (at most `limit` levels)."""
    chain: list[int] = []
    frontier = [user]
    seen = {user.pk}
    for _ in range(limit):
        ids = [u for person in frontier for u in resolvers.leaders_of(person) if u not in seen]
        if not ids:
            break
        chain.extend(ids)
        seen.update(ids)
        frontier = list(User.objects.filter(pk__in=ids))
    return chain


def _node(
    *,
    parent: SupervisionTask | None,
    role: str,
    part: _Part,
    supervisor: User,
    creator: User,
    title: str,
    requirement: str,
    deadline: date,
    importance: str,
    cycle: str,
    cycle_days: int | None,
    milestones: Sequence[tuple[str, date]],
    attachments: list[dict[str, Any]],
    source: str = SupervisionTask.Source.OTHER,
    source_type: str = "",
    source_id: str = "",
) -> SupervisionTask:
    task = SupervisionTask.objects.create(
        parent=parent,
        root=parent.root if parent is not None and parent.root_id else parent,
        depth=(parent.depth + 1) if parent is not None else 0,
        role=role,
        title=title,
        source=source,
        source_type=source_type,
        source_id=source_id,
        requirement=requirement,
        unit=part.unit,
        department=part.department,
        owner=part.owner,
        supervisor=supervisor,
        creator=creator,
        deadline=deadline,
        importance=importance,
        cycle=cycle,
        cycle_days=cycle_days,
        attachments=attachments,
        created_at=timezone.now(),
    )
    task.path = f"{parent.path if parent is not None else '/'}{task.pk}/"
    task.save(update_fields=["path"])
    Milestone.objects.bulk_create(Milestone(task=task, title=t, due=d) for t, d in milestones)
    _grant(task, [part.owner.pk], Grant.Reason.OWNER)
    _grant(task, [supervisor.pk], Grant.Reason.SUPERVISOR)
    _grant(task, [creator.pk], Grant.Reason.CREATOR)
    return task


def _locked(viewer: User, task_id: int) -> SupervisionTask:
    """The task, visible to the viewer, with its row locked for this transaction."""
    task_get(viewer=viewer, task_id=task_id)
    task = (
        SupervisionTask.objects.select_for_update(of=("self",))
        .filter(pk=task_id)
        .select_related("owner", "supervisor", "unit", "department")
        .first()
    )
    if task is None:
        raise SupervisionNotFound()
    return task


def _require_owner(task: SupervisionTask, actor: User, verb: str) -> None:
    if task.owner_id != actor.pk:
        raise PermissionDenied.of(codes.NOT_TASK_OWNER, f"只有该任务的责任人可以{verb}")


def _require_open(task: SupervisionTask) -> None:
    if task.is_done:
        raise Conflict.of(codes.TASK_FINISHED)


def changed(task: SupervisionTask, user_ids: Iterable[int] = ()) -> None:
    """Every card of the task and of the tasks above it shows the change, everyone who
    sees the task hears `supervision.changed` (after commit), 待办 counts move."""
    path = [*task.ancestor_ids, task.pk]
    for pk in path:
        chat.card_updated(card_type=SUBJECT, object_id=str(pk))
    viewers = Grant.objects.filter(task_id__in=path).values_list("user_id", flat=True)
    event = wire.SupervisionChangedEvent(data=wire.SupervisionChangedData(task_ids=path))
    events.publish(set(viewers), wire.dump(event))
    registry.changed({task.owner_id, *user_ids})


def cards_to(task: SupervisionTask, user_ids: Iterable[int], title: str) -> None:
    """A fresh 督办助手 card (unread in chat) for each of these people."""
    chat.card_send_to_people(
        account=ASSISTANT,
        user_ids=list(user_ids),
        card_type=SUBJECT,
        object_id=str(task.pk),
        title=title,
    )


# --- create and split ------------------------------------------------------------


def task_create(
    *, actor: User, data: TaskInput, context: RequestContext = NO_CONTEXT
) -> SupervisionTask:
    """A new supervised task: the lead's root node and one node per 协办 part."""
    if not may_create(actor):
        raise PermissionDenied.of(codes.NOT_SUPERVISOR_ROLE)
    title = _clean_text(data.title, "title", "标题", TITLE_MAX, required=True)
    requirement = _clean_text(data.requirement, "requirement", "工作要求", TEXT_MAX, required=False)
    if data.source not in SupervisionTask.Source.values:
        raise _bad("source", "来源应为 instruction、meeting、assigned、document 或 other")
    if data.source_type not in SOURCE_TYPES:
        raise _bad("source_type", "来源链接应为 message、document 或 meeting")
    if data.importance not in SupervisionTask.Importance.values:
        raise _bad("importance", "重要程度应为 important 或 normal")
    cycle_days = _cycle(data.cycle, data.cycle_days)
    if data.deadline < timezone.localdate():
        raise _bad("deadline", "截止日期不能早于今天")
    milestones = _milestones(data.milestones, data.deadline)
    lead = _part(data.lead, "lead")
    assists = [_part(spec, f"assists.{i}") for i, spec in enumerate(data.assists)]
    supervisor: User | None = actor
    if data.supervisor_id is not None and data.supervisor_id != actor.pk:
        supervisor = User.objects.filter(
            pk=data.supervisor_id, is_active=True, is_bot=False
        ).first()
    if supervisor is None:
        raise _bad("supervisor_id", "督办人不存在")
    with transaction.atomic():
        attachments = _attachments(actor, data.attachments)
        root = _node(
            parent=None,
            role=SupervisionTask.Role.LEAD,
            part=lead,
            supervisor=supervisor,
            creator=actor,
            title=title,
            requirement=requirement,
            deadline=data.deadline,
            importance=data.importance,
            cycle=data.cycle,
            cycle_days=cycle_days,
            milestones=milestones,
            attachments=attachments,
            source=data.source,
            source_type=data.source_type,
            source_id=str(data.source_id)[:64],
        )
        _grant(root, _leader_chain(actor), Grant.Reason.LEADER)
        parts = []
        for part in assists:
            parts.append(
                _node(
                    parent=root,
                    role=SupervisionTask.Role.ASSIST,
                    part=part,
                    supervisor=lead.owner,
                    creator=actor,
                    title=f"{title}（协办）",
                    requirement=requirement,
                    deadline=data.deadline,
                    importance=data.importance,
                    cycle=data.cycle,
                    cycle_days=cycle_days,
                    milestones=(),
                    attachments=[],
                )
            )
        for node in (root, *parts):
            reminders.schedule(node)
        cards_to(root, [lead.owner.pk], f"您有新的督办事项（牵头）：{title}")
        for node in parts:
            cards_to(node, [node.owner_id], f"您有新的督办事项（协办）：{title}")
        if supervisor.pk not in (actor.pk, lead.owner.pk):
            cards_to(root, [supervisor.pk], f"请您督办：{title}")
        registry.changed({lead.owner.pk, *(p.owner_id for p in parts)})
        audit_record(
            "supervision.create", actor=actor, target=root, data={"title": title}, context=context
        )
    return root


@dataclass(frozen=True)
class SplitInput:
    title: str
    deadline: date
    part: PartInput
    requirement: str = ""
    importance: str | None = None
    cycle: str | None = None
    cycle_days: int | None = None
    milestones: Sequence[tuple[str, date]] = ()
    attachments: Sequence[Any] = ()


def task_split(
    *, actor: User, task_id: int, data: SplitInput, context: RequestContext = NO_CONTEXT
) -> SupervisionTask:
    """逐级分解: the owner of a part gives a piece of it to someone below them."""
    with transaction.atomic():
        parent = _locked(actor, task_id)
        _require_owner(parent, actor, "分解任务")
        _require_open(parent)
        title = _clean_text(data.title, "title", "标题", TITLE_MAX, required=True)
        requirement = _clean_text(
            data.requirement, "requirement", "工作要求", TEXT_MAX, required=False
        )
        if data.deadline > parent.deadline:
            raise InvalidInput.of(
                codes.DEADLINE_AFTER_PARENT,
                f"截止日期不能晚于上级任务的截止日期（{parent.deadline:%Y-%m-%d}）",
            )
        if data.deadline < timezone.localdate():
            raise _bad("deadline", "截止日期不能早于今天")
        cycle = data.cycle or parent.cycle
        cycle_days = _cycle(cycle, data.cycle_days if data.cycle else parent.cycle_days)
        importance = data.importance or parent.importance
        if importance not in SupervisionTask.Importance.values:
            raise _bad("importance", "重要程度应为 important 或 normal")
        milestones = _milestones(data.milestones, data.deadline)
        part = _part(data.part, "part")
        _require_below(actor, parent, data.part)
        attachments = _attachments(actor, data.attachments)
        child = _node(
            parent=parent,
            role=SupervisionTask.Role.SUB,
            part=part,
            supervisor=actor,
            creator=actor,
            title=title,
            requirement=requirement,
            deadline=data.deadline,
            importance=importance,
            cycle=cycle,
            cycle_days=cycle_days,
            milestones=milestones,
            attachments=attachments,
        )
        reminders.schedule(child)
        cards_to(child, [part.owner.pk], f"{actor.name}分解给您的督办任务：{title}")
        changed(child, [part.owner.pk])
        audit_record(
            "supervision.split",
            actor=actor,
            target=child,
            data={"parent_id": parent.pk, "title": title},
            context=context,
        )
    return child


# --- reports and 催办 -------------------------------------------------------------


def report_submit(
    *,
    actor: User,
    task_id: int,
    text: str,
    percent: int | None = None,
    attachments: Sequence[Any] = (),
    milestones_done: Sequence[int] = (),
    context: RequestContext = NO_CONTEXT,
) -> Report:
    """进展反馈: the owner reports progress (0–99 %; 100 % is 办结's, through an application)."""
    with transaction.atomic():
        task = _locked(actor, task_id)
        _require_owner(task, actor, "反馈进展")
        _require_open(task)
        body = _clean_text(text, "text", "进展情况", TEXT_MAX, required=True)
        value = task.percent if percent is None else percent
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise _bad("percent", "进度应为0至100的整数")
        if value == 100:
            raise InvalidInput.of(codes.PERCENT_NEEDS_FINISH)
        done = list(dict.fromkeys(milestones_done))
        mine = Milestone.objects.filter(task=task, pk__in=done, done_at__isnull=True)
        if len(done) != Milestone.objects.filter(task=task, pk__in=done).count():
            raise _bad("milestones_done", "阶段节点不属于该任务")
        now = timezone.now()
        due = report_due(task)
        report = Report.objects.create(
            task=task,
            author=actor,
            text=body,
            percent=value,
            attachments=_attachments(actor, attachments),
            late=due is not None and timezone.localdate() > due,
            created_at=now,
        )
        met = list(mine)
        mine.update(done_at=now)
        task.percent = value
        task.last_report_at = now
        task.save(update_fields=["percent", "last_report_at"])
        reminders.reported(task, [m.pk for m in met])
        changed(task)
        audit_record(
            "supervision.report",
            actor=actor,
            target=task,
            data={"percent": value, "report_id": report.pk},
            context=context,
        )
    return report


def urge_interval() -> timedelta:
    return timedelta(minutes=settings.ZT_SUPERVISION_URGE_INTERVAL_MINUTES)


def urged_recently(task: SupervisionTask, now: datetime) -> bool:
    """Whether the task (so its owner) was urged less than the interval ago."""
    return task.last_urged_at is not None and now - task.last_urged_at < urge_interval()


def urged_recently_text() -> str:
    minutes = settings.ZT_SUPERVISION_URGE_INTERVAL_MINUTES
    return codes.URGED_RECENTLY.message.format(minutes=minutes)


def task_urge(
    *, actor: User, task_id: int, message: str, context: RequestContext = NO_CONTEXT
) -> Urge:
    """催办: the supervisor or anyone above the owner chases the task; a card reaches the owner.

    At most one per task in `ZT_SUPERVISION_URGE_INTERVAL_MINUTES`, whoever urges
    (`429 urged_recently`): the owner is chased, not flooded. The row lock makes the
    check race-free.
    """
    with transaction.atomic():
        task = _locked(actor, task_id)
        _require_open(task)
        roots = leader_grant_root_ids(actor, [task.root_id or task.pk])
        if not may_urge(actor, task, ancestors_of([task]), roots):
            raise PermissionDenied.of(codes.NOT_ABOVE_OWNER)
        text = _clean_text(message, "message", "催办内容", URGE_MAX, required=True)
        now = timezone.now()
        if urged_recently(task, now):
            raise RateLimited.of(codes.URGED_RECENTLY, urged_recently_text())
        urge = Urge.objects.create(task=task, actor=actor, message=text, created_at=now)
        task.urge_count += 1
        task.last_urged_at = now
        task.save(update_fields=["urge_count", "last_urged_at"])
        cards_to(task, [task.owner_id], f"{actor.name}催办：{task.title}，{text}")
        changed(task)
        audit_record(
            "supervision.urge", actor=actor, target=task, data={"message": text}, context=context
        )
    return urge


# --- applications (办结 / 延期) through the flow engine ---------------------------


def _version(subject: str) -> ProcessVersion:
    key, name, step = FLOWS[subject]
    definition = ProcessDefinition.objects.filter(key=key).select_related("current_version").first()
    if definition is not None and definition.current_version is not None:
        return definition.current_version
    nodes = [
        {
            "id": "n1",
            "type": "approver",
            "name": step,
            "assignees": {"kind": "chosen", "chooser": "initiator"},
            "mode": "any",
        }
    ]
    return workflow.definition_save(key=key, name=name, nodes=nodes)


def _apply(
    task: SupervisionTask,
    actor: User,
    kind: str,
    text: str,
    attachments: list[dict[str, Any]],
    new_deadline: date | None = None,
) -> Application:
    if Application.objects.filter(task=task, status=Application.Status.PENDING).exists():
        raise Conflict.of(codes.APPLICATION_PENDING)
    application = Application.objects.create(
        task=task,
        kind=kind,
        applicant=actor,
        approver_id=task.supervisor_id,
        text=text,
        attachments=attachments,
        new_deadline=new_deadline,
        old_deadline=task.deadline,
        created_at=timezone.now(),
    )
    subject = FINISH_SUBJECT if kind == Application.Kind.FINISH else EXTENSION_SUBJECT
    # The listener (flow.py) hears the submit and sends the approver a card.
    application.instance = workflow.instance_start(
        version=_version(subject),
        subject_type=subject,
        subject_id=str(application.pk),
        initiator=actor,
        facts={},
        chosen={"n1": [task.supervisor_id]},
    )
    application.save(update_fields=["instance"])
    return application


def finish_apply(
    *,
    actor: User,
    task_id: int,
    result: str,
    evidence: Sequence[Any] = (),
    context: RequestContext = NO_CONTEXT,
) -> Application:
    """申请办结: the owner states the result (and evidence); the supervisor decides."""
    with transaction.atomic():
        task = _locked(actor, task_id)
        _require_owner(task, actor, "申请办结")
        _require_open(task)
        text = _clean_text(result, "result", "办结情况", TEXT_MAX, required=True)
        open_children = task.children.exclude(status=SupervisionTask.Status.DONE).count()
        if open_children:
            raise Conflict.of(
                codes.SUBTASKS_OPEN, f"还有{open_children}项子任务未办结，不能申请办结"
            )
        files = _attachments(actor, evidence)
        application = _apply(task, actor, Application.Kind.FINISH, text, files)
        task.status = SupervisionTask.Status.APPLIED
        task.result = text
        task.evidence = files
        task.save(update_fields=["status", "result", "evidence"])
        changed(task, [task.supervisor_id])
        audit_record(
            "supervision.finish_apply",
            actor=actor,
            target=task,
            data={"application_id": application.pk},
            context=context,
        )
    return application


def extension_apply(
    *,
    actor: User,
    task_id: int,
    new_deadline: date,
    reason: str,
    context: RequestContext = NO_CONTEXT,
) -> Application:
    """延期申请: a later deadline (not after the parent's), decided by the supervisor."""
    with transaction.atomic():
        task = _locked(actor, task_id)
        _require_owner(task, actor, "申请延期")
        _require_open(task)
        text = _clean_text(reason, "reason", "延期理由", TEXT_MAX, required=True)
        if new_deadline <= task.deadline:
            raise InvalidInput.of(
                codes.INVALID_EXTENSION,
                f"延期后的截止日期应晚于当前截止日期（{task.deadline:%Y-%m-%d}）",
            )
        if task.parent_id is not None:
            parent_deadline = SupervisionTask.objects.get(pk=task.parent_id).deadline
            if new_deadline > parent_deadline:
                raise InvalidInput.of(
                    codes.DEADLINE_AFTER_PARENT,
                    f"截止日期不能晚于上级任务的截止日期（{parent_deadline:%Y-%m-%d}）",
                )
        application = _apply(task, actor, Application.Kind.EXTENSION, text, [], new_deadline)
        changed(task, [task.supervisor_id])
        audit_record(
            "supervision.extension_apply",
            actor=actor,
            target=task,
            data={"application_id": application.pk, "new_deadline": new_deadline.isoformat()},
            context=context,
        )
    return application


DECISIONS = {"approve": "approve", "return": "reject"}


def application_decide(
    *,
    actor: User,
    task_id: int,
    decision: str,
    opinion: str = "",
    context: RequestContext = NO_CONTEXT,
) -> Application:
    """同意 or 退回 the task's pending application (the engine checks it is the actor's turn)."""
    if decision not in DECISIONS:
        raise _bad("decision", "应为 approve 或 return")
    with transaction.atomic():
        task = _locked(actor, task_id)
        application = (
            Application.objects.select_for_update()
            .filter(task=task, status=Application.Status.PENDING)
            .first()
        )
        if application is None or application.instance_id is None:
            raise Conflict.of(codes.NO_PENDING_APPLICATION)
        text = (opinion or "").strip()
        if decision == "return" and not text:
            raise _bad("opinion", "请填写退回理由")
        workflow.instance_act(
            instance_id=application.instance_id,
            actor=actor,
            action=DECISIONS[decision],
            params=workflow.ActParams(opinion=text),
        )
        application.refresh_from_db()
        audit_record(
            "supervision.decide",
            actor=actor,
            target=task,
            data={"application_id": application.pk, "decision": decision},
            context=context,
        )
    return application
