"""Approvals' writes: templates, submitting, acting, rooms, CC read marks.

Every change to a request goes through the flow engine; what follows from
it (status, cards in chat, 待办 counts, room bookings) is done by
`ApprovalFlowListener` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.approvals import builtins, forms
from backend.approvals.models import Approval, MeetingRoom, RoomBooking, Template
from backend.approvals.selectors import (
    TemplateNotFound,
    admin_unit_of,
    approval_get,
    display_fields,
    room_exists_in,
    template_get,
    urge_opens_at,
)
from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from backend.directory.models import Unit, User
from backend.todo import registry
from backend.workflow import services as workflow
from backend.workflow.definitions import validate_nodes
from backend.workflow.models import CarbonCopy, ProcessVersion, Task
from realtime import cards

SUBJECT = "approval"
# The 审批助手 system account (registered in ApprovalsConfig.ready()).
ASSISTANT = "approvals"
ASSISTANT_MOBILE = "10000000001"
ASSISTANT_NAME = "审批助手"
DEFAULT_ROOMS = (
    ("第一会议室", "主楼3楼", 30),
    ("第二会议室", "主楼5楼", 16),
    ("小会议室", "主楼2楼", 8),
)
CLIENT_ID_MAX = 64


class RoomTaken(Conflict):
    entry = codes.ROOM_TAKEN


# --- templates ---------------------------------------------------------------------


def _definition_key(unit: Unit, code: str) -> str:
    return f"approval:{unit.pk}:{code}"


def builtins_ensure(unit: Unit) -> list[Template]:
    """Give a unit the six built-in templates and a few rooms, once; idempotent."""
    made = []
    with transaction.atomic():
        have = set(Template.objects.filter(unit=unit).values_list("code", flat=True))
        for order, spec in enumerate(builtins.BUILTIN_TEMPLATES):
            if spec["code"] in have:
                continue
            version = workflow.definition_save(
                key=_definition_key(unit, spec["code"]), name=spec["name"], nodes=spec["nodes"]
            )
            made.append(
                Template.objects.create(
                    unit=unit,
                    code=spec["code"],
                    name=spec["name"],
                    icon=spec["icon"],
                    category=spec["category"],
                    description=spec["description"],
                    fields=forms.validate_schema(spec["fields"]),
                    definition=version.definition,
                    order=order,
                )
            )
        if not MeetingRoom.objects.filter(unit=unit).exists():
            MeetingRoom.objects.bulk_create(
                MeetingRoom(unit=unit, name=name, location=where, capacity=size, order=i)
                for i, (name, where, size) in enumerate(DEFAULT_ROOMS)
            )
    return made


def builtins_ensure_all() -> None:
    """Built-ins for every unit that has none yet (units older than approvals)."""
    have = Template.objects.exclude(code="").values("unit_id").distinct()
    for unit in Unit.objects.exclude(pk__in=have):
        builtins_ensure(unit)


def _clean_meta(data: Mapping[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 20:
        raise InvalidInput.of(codes.INVALID_TEMPLATE, fields={"name": "模板名称应为1至20字"})
    return {
        "name": name,
        "icon": str(data.get("icon") or "description")[:32],
        "category": str(data.get("category") or "其他").strip()[:16] or "其他",
        "description": str(data.get("description") or "").strip()[:200],
        "is_active": bool(data.get("is_active", True)),
    }


def template_save(
    *,
    actor: User,
    data: Mapping[str, Any],
    template_id: int | None = None,
    context: RequestContext = NO_CONTEXT,
) -> Template:
    """Create or edit a template of the admin's unit; the flow gets a new version.

    Requests already running keep the flow version and the fields they were
    submitted with.
    """
    unit = admin_unit_of(actor)
    meta = _clean_meta(data)
    fields = forms.validate_schema(data.get("fields"))  # type: ignore[arg-type]
    nodes = validate_nodes(
        data.get("nodes"), check_condition=lambda when: forms.validate_condition(when, fields)
    )
    with transaction.atomic():
        template, key = _template_to_edit(unit, template_id)
        version = workflow.definition_save(key=key, name=meta["name"], nodes=nodes, actor=actor)
        for attr, value in meta.items():
            setattr(template, attr, value)
        template.fields = fields
        template.definition = version.definition
        template.updated_by = actor
        template.save()
        audit_record(
            "approval.template.save",
            actor=actor,
            target=template,
            data={"version": version.number, "name": template.name},
            context=context,
        )
    return template


def _template_to_edit(unit: Unit, template_id: int | None) -> tuple[Template, str]:
    """The template row (locked, or new) and the key of its flow definition."""
    if template_id is None:
        template = Template(unit=unit, order=Template.objects.filter(unit=unit).count())
        return template, f"approval:{unit.pk}:custom-{timezone.now():%Y%m%d%H%M%S%f}"
    found = Template.objects.select_for_update().filter(pk=template_id, unit=unit).first()
    if found is None:
        raise TemplateNotFound()
    return found, found.definition.key


def clean_submission(
    actor: User, template: Template, form: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cleaned form and the facts conditions compare."""
    cleaned = forms.clean_form(
        template.fields,
        form,
        initiator=actor,
        unit=template.unit,
        room_exists=room_exists_in(template.unit),
    )
    return cleaned, forms.facts(template.fields, cleaned)


# --- submitting ----------------------------------------------------------------------


def _clean_chosen(chosen: Any) -> dict[str, list[int]]:
    if chosen is None:
        return {}
    if not isinstance(chosen, dict) or not all(
        isinstance(v, list) and all(isinstance(i, int) for i in v) for v in chosen.values()
    ):
        raise InvalidInput.of(codes.INVALID_CHOSEN)
    return {str(k): list(v) for k, v in chosen.items()}


def _search_text(approval: Approval) -> str:
    values = " ".join(f["value"] for f in display_fields(approval))
    return f"{approval.title} {approval.number} {approval.initiator.name} {values}"[:4000]


def approval_submit(
    *,
    actor: User,
    template_id: int,
    form: Any,
    chosen: Any = None,
    post_to: int | None = None,
    client_id: str,
    context: RequestContext = NO_CONTEXT,
) -> Approval:
    """Submit a request; repeating the same `client_id` returns the first one."""
    client_id = str(client_id or "").strip()
    if not 1 <= len(client_id) <= CLIENT_ID_MAX:
        raise InvalidInput.of(codes.INVALID_CLIENT_ID, "缺少请求标识")
    existing = Approval.objects.filter(initiator=actor, client_id=client_id).first()
    if existing is not None:
        return existing
    template = template_get(viewer=actor, template_id=template_id)
    cleaned, facts = clean_submission(actor, template, form)
    picks = _clean_chosen(chosen)
    version = template.definition.current_version
    if version is None:
        raise TemplateNotFound()
    try:
        with transaction.atomic():
            approval = _create_request(
                actor, template, version, cleaned, facts, picks, post_to, client_id
            )
            audit_record(
                "approval.submit",
                actor=actor,
                target=approval,
                data={"template": template.pk, "number": approval.number},
                context=context,
            )
    except IntegrityError:
        # The same client_id raced in twice (a double tap on two sockets): one wins.
        existing = Approval.objects.filter(initiator=actor, client_id=client_id).first()
        if existing is None:
            raise
        return existing
    approval.refresh_from_db()
    return approval


def _create_request(
    actor: User,
    template: Template,
    version: ProcessVersion,
    cleaned: dict[str, Any],
    facts: dict[str, Any],
    picks: dict[str, list[int]],
    post_to: int | None,
    client_id: str,
) -> Approval:
    now = timezone.now()
    approval = Approval.objects.create(
        template=template,
        number=f"SP{now:%Y%m%d%H%M%S%f}"[:24],
        title=f"{actor.name}的{template.name}申请"[:64],
        initiator=actor,
        unit=template.unit,
        fields=template.fields,
        form=cleaned,
        post_to_conversation_id=_post_target(actor, post_to),
        client_id=client_id,
        created_at=now,
    )
    approval.number = f"SP{now:%Y%m%d}{approval.pk:06d}"
    approval.search_text = _search_text(approval)
    approval.save(update_fields=["number", "search_text"])
    _book_room(approval)
    approval.instance = workflow.instance_start(
        version=version,
        subject_type=SUBJECT,
        subject_id=str(approval.pk),
        initiator=actor,
        facts=_jsonable(facts),
        chosen=picks,
    )
    approval.save(update_fields=["instance"])
    return approval


def _jsonable(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts are kept on the instance; Decimals travel as strings and compare as numbers."""
    return {
        k: (str(v) if not isinstance(v, (int, float, str, bool, list, type(None))) else v)
        for k, v in facts.items()
    }


def _post_target(actor: User, conversation_id: int | None) -> int | None:
    if conversation_id is None:
        return None
    if not cards.is_active_member(conversation_id=conversation_id, user_id=actor.pk):
        raise InvalidInput.of(codes.INVALID_POST_TO)
    return conversation_id


def _room_time(approval: Approval) -> tuple[int, datetime, datetime] | None:
    room_key = next((f["key"] for f in approval.fields if f["type"] == "room"), None)
    time_key = next((f["key"] for f in approval.fields if f["type"] == "datetimerange"), None)
    if room_key is None or time_key is None:
        return None
    room, span = approval.form.get(room_key), approval.form.get(time_key)
    if room is None or not span:
        return None
    return int(room), datetime.fromisoformat(span["start"]), datetime.fromisoformat(span["end"])


def _book_room(approval: Approval) -> None:
    """Hold the room for the request's time, refusing an overlap with a live booking.

    The room row is locked first, so two people booking the same slot at
    once are serialised and the second is refused.
    """
    booking = _room_time(approval)
    if booking is None:
        return
    room_id, start, end = booking
    if start < timezone.now():
        # Any part of the slot in the past: a booking is for a meeting still to come.
        time_key = next(f["key"] for f in approval.fields if f["type"] == "datetimerange")
        entry = codes.ROOM_TIME_PAST
        raise InvalidInput.of(entry, fields={time_key: entry.message})
    room = MeetingRoom.objects.select_for_update().get(pk=room_id)
    clash = (
        RoomBooking.objects.filter(room=room, is_active=True, start__lt=end, end__gt=start)
        .exclude(approval=approval)
        .select_related("approval__initiator")
        .first()
    )
    if clash is not None:
        local = timezone.localtime(clash.start)
        message = (
            f"{room.name}在该时段已被{clash.approval.initiator.name}预约({local:%m月%d日 %H:%M}起)"
        )
        raise RoomTaken(message, fields={"time": message})
    RoomBooking.objects.update_or_create(
        approval=approval, defaults={"room": room, "start": start, "end": end, "is_active": True}
    )


# --- acting --------------------------------------------------------------------------


def _check_urge_open(approval: Approval) -> None:
    """催办 only once the request has waited a while (`selectors.urge_opens_at`)."""
    if timezone.now() < urge_opens_at(approval):
        minutes = settings.ZT_APPROVAL_URGE_AFTER_MINUTES
        raise RateLimited.of(codes.URGE_TOO_EARLY, f"提交{minutes}分钟后才能催办，请稍后再试")


def approval_act(
    *,
    actor: User,
    approval_id: int,
    action: str,
    params: workflow.ActParams | None = None,
    form: Any = None,
    save_opinion: bool = False,
    context: RequestContext = NO_CONTEXT,
) -> Approval:
    """One action on a request, checked by the engine; resubmit may carry a new form.

    `save_opinion` keeps the opinion among the actor's 常用意见, in the same
    transaction: if it cannot be kept, nothing is done.
    """
    approval = approval_get(viewer=actor, approval_id=approval_id)
    params = params or workflow.ActParams()
    if action == "urge" and actor.pk == approval.initiator_id:
        _check_urge_open(approval)
    with transaction.atomic():
        if save_opinion and params.opinion.strip():
            workflow.opinion_save(actor=actor, text=params.opinion)
        if action == "resubmit" and form is not None:
            _replace_form(actor, approval, form, params)
        workflow.instance_act(
            instance_id=approval.flow.pk, actor=actor, action=action, params=params
        )
        audit_record(
            f"approval.{action}",
            actor=actor,
            target=approval,
            data={"opinion": params.opinion[:200], "user_id": params.user_id},
            context=context,
        )
    approval.refresh_from_db()
    return approval


def approval_deadline_set(
    *,
    actor: User,
    approval_id: int,
    task_id: int,
    due_at: datetime,
    context: RequestContext = NO_CONTEXT,
) -> Approval:
    """延期 / 提前: move the deadline of one open task of a request the actor can see.

    Who may is the engine's rule (`workflow.services.task_deadline_set`: the
    initiator); the reminders move with the deadline in its transaction.
    """
    approval = approval_get(viewer=actor, approval_id=approval_id)
    instance_id = approval.instance_id
    if instance_id is None or not Task.objects.filter(pk=task_id, instance_id=instance_id).exists():
        raise NotFound.of(codes.TASK_NOT_FOUND)
    workflow.task_deadline_set(actor=actor, task_id=task_id, due_at=due_at, context=context)
    approval.refresh_from_db()
    return approval


def _replace_form(actor: User, approval: Approval, form: Any, params: workflow.ActParams) -> None:
    if actor.pk != approval.initiator_id:
        raise PermissionDenied.of(codes.NOT_INITIATOR, "只有发起人可以重新提交")
    template = approval.template
    cleaned = forms.clean_form(
        approval.fields,
        form,
        initiator=actor,
        unit=approval.unit,
        room_exists=room_exists_in(template.unit),
    )
    approval.form = cleaned
    approval.search_text = _search_text(approval)
    approval.save(update_fields=["form", "search_text"])
    params.facts = _jsonable(forms.facts(approval.fields, cleaned))
    _book_room(approval)


def approval_open(*, viewer: User, approval_id: int) -> Approval:
    """Open a request to read it: refused unless the viewer may see it; a person it
    was copied to has now read it (their 抄送 unread count and 待办 drop)."""
    approval = approval_get(viewer=viewer, approval_id=approval_id)
    with transaction.atomic():
        cc_mark_read(viewer=viewer, approval=approval)
    return approval


def cc_mark_read(*, viewer: User, approval: Approval) -> None:
    updated = CarbonCopy.objects.filter(
        instance=approval.flow, user=viewer, read_at__isnull=True
    ).update(read_at=timezone.now())
    if updated:
        registry.changed([viewer.pk])


def release_room(approval: Approval) -> None:
    RoomBooking.objects.filter(approval=approval).update(is_active=False)
