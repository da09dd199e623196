"""Reads of approvals for one viewer: lists by box, counts, detail, templates, rooms.

A request is visible to the people in its flow (initiator, handlers past and
present, CC) and to the members of the group it was posted into.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from backend.approvals import forms
from backend.approvals.models import Approval, MeetingRoom, Template
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput, NotFound, PermissionDenied
from backend.directory.models import Role, RoleAssignment, Unit, User
from backend.workflow import selectors as flow
from backend.workflow.models import CarbonCopy, Task
from backend.workflow.resolvers import origin_of
from backend.workflow.routes import route_preview as flow_route_preview
from realtime import cards
from realtime.cards import CardAction
from realtime.models import Attachment
from realtime.selectors import attachment_by_token

BOXES = ("todo", "done", "mine", "cc")
PAGE_SIZE = 20
SUMMARY_FIELDS = 3


class TemplateNotFound(NotFound):
    entry = codes.TEMPLATE_NOT_FOUND


class ApprovalNotFound(NotFound):
    entry = codes.APPROVAL_NOT_FOUND


def visible_q(user: User) -> Q:
    return flow.involved_q(user, prefix="instance__") | Q(
        post_to_conversation_id__in=cards.active_conversation_ids(user_id=user.pk)
    )


def approval_get(*, viewer: User, approval_id: int) -> Approval:
    approval = (
        Approval.objects.filter(visible_q(viewer), pk=approval_id)
        .select_related("template", "initiator", "instance")
        .distinct()
        .first()
    )
    if approval is None:
        raise ApprovalNotFound()
    return approval


def approvals_visible(*, viewer: User, approval_ids: Iterable[int]) -> dict[int, Approval]:
    """The requests among `approval_ids` the viewer may see (`approval_get`'s rule), by id.

    One query however many ids, with the template, the initiator and the flow
    instance (and its initiator, for 退回's targets) loaded alongside.
    """
    rows = (
        Approval.objects.filter(visible_q(viewer), pk__in=list(approval_ids))
        .select_related("template", "initiator", "instance", "instance__initiator")
        .distinct()
    )
    return {approval.pk: approval for approval in rows}


def display_fields(approval: Approval) -> list[dict[str, str]]:
    return forms.display(approval.fields, approval.form)


def display_fields_many(approvals: Sequence[Approval]) -> list[list[dict[str, str]]]:
    """`display_fields` for a page of requests, without a query per row.

    The people, departments and rooms their forms name are looked up in one
    query per kind for the whole page.
    """
    return forms.display_many([(a.fields, a.form) for a in approvals])


def current_step_name(approval: Approval) -> str:
    instance = approval.instance
    if instance is None or approval.status != Approval.Status.RUNNING:
        return ""
    step = instance.step()
    return str(step["name"]) if step else ""


# --- lists -----------------------------------------------------------------------


def _pending(user: User) -> Exists:
    return Exists(
        Task.objects.filter(
            instance_id=OuterRef("instance_id"), assignee=user, state=Task.State.PENDING
        )
    )


def _box(user: User, box: str) -> QuerySet[Approval]:
    approvals = Approval.objects.all()
    if box == "todo":
        return approvals.filter(_pending(user), status=Approval.Status.RUNNING)
    if box == "done":
        acted = Task.objects.filter(
            instance_id=OuterRef("instance_id"), assignee=user, state=Task.State.DONE
        )
        return approvals.filter(Exists(acted))
    if box == "mine":
        return approvals.filter(initiator=user)
    if box == "cc":
        copied = CarbonCopy.objects.filter(instance_id=OuterRef("instance_id"), user=user)
        return approvals.filter(Exists(copied))
    raise InvalidInput.of(codes.INVALID_BOX)


@dataclass
class Page:
    items: list[Approval]
    has_more: bool


def approval_list(
    *,
    viewer: User,
    box: str,
    status: str = "",
    template_id: int | None = None,
    query: str = "",
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of a box, newest first; `before` is the last id of the previous page."""
    approvals = _box(viewer, box)
    if status:
        if status not in Approval.Status.values:
            raise InvalidInput.of(codes.INVALID_STATUS)
        approvals = approvals.filter(status=status)
    if template_id is not None:
        approvals = approvals.filter(template_id=template_id)
    if query.strip():
        approvals = approvals.filter(search_text__icontains=query.strip()[:50])
    if before is not None:
        approvals = approvals.filter(pk__lt=before)
    rows = list(
        approvals.select_related("template", "initiator", "instance").order_by("-pk")[: limit + 1]
    )
    return Page(items=rows[:limit], has_more=len(rows) > limit)


def approval_counts(*, viewer: User) -> dict[str, int]:
    unread = CarbonCopy.objects.filter(user=viewer, read_at__isnull=True)
    return {
        "todo": _box(viewer, "todo").count(),
        "done": _box(viewer, "done").count(),
        "mine": _box(viewer, "mine").count(),
        "cc": _box(viewer, "cc").count(),
        "cc_unread": unread.count(),
    }


def my_task_states(approvals: list[Approval], viewer: User) -> dict[int, str]:
    """Per request: 'pending' when it waits on the viewer, else their latest part's state.

    One query for a whole page of requests.
    """
    latest: dict[int, str] = {}
    tasks = Task.objects.filter(
        instance_id__in=[a.instance_id for a in approvals], assignee=viewer
    ).order_by("pk")
    for instance_id, state in tasks.values_list("instance_id", "state"):
        latest[instance_id] = state
    return {a.pk: latest.get(a.instance_id or 0, "") for a in approvals}


def summaries(approvals: list[Approval], viewer: User) -> list[dict[str, Any]]:
    """A list page's rows; a fixed number of queries however many rows (and field types)."""
    states = my_task_states(approvals, viewer)
    shown = display_fields_many(approvals)
    return [
        summary(a, viewer, my_task_state=states[a.pk], shown=rows)
        for a, rows in zip(approvals, shown, strict=True)
    ]


def summary(
    approval: Approval,
    viewer: User,
    *,
    my_task_state: str | None = None,
    shown: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    if my_task_state is None:
        my_task_state = my_task_states([approval], viewer)[approval.pk]
    if shown is None:
        shown = display_fields(approval)
    return {
        "id": approval.pk,
        "number": approval.number,
        "title": approval.title,
        "template": {
            "id": approval.template_id,
            "name": approval.template.name,
            "icon": approval.template.icon,
        },
        "initiator": {"id": approval.initiator_id, "name": approval.initiator.name},
        "status": approval.status,
        "status_label": Approval.Status(approval.status).label,
        "current_step": current_step_name(approval),
        "created_at": approval.created_at,
        "finished_at": approval.finished_at,
        "summary_fields": [
            {"label": f["label"], "value": f["value"]} for f in shown[:SUMMARY_FIELDS]
        ],
        "my_task_state": my_task_state,
    }


def detail(approval: Approval, viewer: User, now: datetime | None = None) -> dict[str, Any]:
    instance = approval.flow
    shown = display_fields(approval)
    return {
        **summary(approval, viewer, shown=shown),
        "fields": shown,
        "schema": approval.fields,
        "form": approval.form,
        "route": flow.route_view(instance),
        "history": flow.history_view(instance),
        "actions": offered(
            approval, flow.actions_for(instance, viewer, now or timezone.now()), viewer=viewer
        ),
    }


def urge_opens_at(approval: Approval) -> datetime:
    """When 催办 is first offered: `ZT_APPROVAL_URGE_AFTER_MINUTES` after submission."""
    return approval.created_at + timedelta(minutes=settings.ZT_APPROVAL_URGE_AFTER_MINUTES)


# 重新提交 of a request that ended without approval: the form again, filled in, as a new
# request (the client navigates; nothing is posted to `actions`).
COPY_ACTION = "copy"
COPYABLE = (Approval.Status.REJECTED, Approval.Status.WITHDRAWN)


def offered(
    approval: Approval,
    actions: list[CardAction],
    now: datetime | None = None,
    *,
    viewer: User | None = None,
) -> list[CardAction]:
    """The engine's actions less 催办 while the request is fresh (see `urge_opens_at`),
    plus, on the detail page (`viewer`), 重新提交 for its initiator once it was
    rejected or withdrawn (`COPY_ACTION`)."""
    if (now or timezone.now()) < urge_opens_at(approval):
        actions = [a for a in actions if a["action"] != "urge"]
    if viewer is not None and viewer.pk == approval.initiator_id and approval.status in COPYABLE:
        actions = [*actions, cards.card_action(COPY_ACTION, "重新提交", style="primary")]
    return actions


# --- templates and rooms -----------------------------------------------------------


def templates_for(*, viewer: User, include_inactive: bool = False) -> QuerySet[Template]:
    templates = Template.objects.filter(unit=origin_of(viewer).unit)
    if not include_inactive:
        templates = templates.filter(is_active=True)
    return templates.select_related("definition__current_version").order_by("order", "pk")


def template_get(*, viewer: User, template_id: int, include_inactive: bool = False) -> Template:
    template = (
        templates_for(viewer=viewer, include_inactive=include_inactive)
        .filter(pk=template_id)
        .first()
    )
    if template is None:
        raise TemplateNotFound()
    return template


def template_nodes(template: Template) -> list[dict[str, Any]]:
    version = template.definition.current_version
    return list(version.nodes) if version is not None else []


def rooms_for(*, viewer: User) -> QuerySet[MeetingRoom]:
    return MeetingRoom.objects.filter(unit=origin_of(viewer).unit, is_active=True)


def admin_unit_of(viewer: User) -> Unit:
    """The unit whose templates the viewer administers; refused unless they are its admin."""
    unit = origin_of(viewer).unit
    is_admin = RoleAssignment.objects.filter(user=viewer, unit=unit, role=Role.UNIT_ADMIN).exists()
    if not (is_admin or viewer.is_superuser):
        raise PermissionDenied.of(codes.NOT_UNIT_ADMIN)
    return unit


def templates_for_admin(*, viewer: User) -> QuerySet[Template]:
    admin_unit_of(viewer)
    return templates_for(viewer=viewer, include_inactive=True)


def room_exists_in(unit: Any) -> Any:
    def exists(room_id: int) -> bool:
        return MeetingRoom.objects.filter(pk=room_id, unit=unit, is_active=True).exists()

    return exists


def _facts_so_far(viewer: User, template: Template, form: dict[str, Any]) -> dict[str, Any]:
    """Facts of the fields filled in correctly so far; the rest simply do not match."""
    cleaned: dict[str, Any] = {}
    for field in template.fields:
        try:
            cleaned |= forms.clean_form(
                [{**field, "required": False}],
                form,
                initiator=viewer,
                unit=template.unit,
                room_exists=room_exists_in(template.unit),
            )
        except InvalidInput:
            continue
    return forms.facts(template.fields, cleaned)


def route_preview(
    *, viewer: User, template: Template, form: dict[str, Any], chosen: dict[str, list[int]]
) -> list[dict[str, Any]]:
    """Who would handle this form if submitted now, step by step."""
    steps = flow_route_preview(
        nodes=template_nodes(template),
        initiator=viewer,
        facts=_facts_so_far(viewer, template, form),
        chosen=chosen,
    )
    ids = {i for step in steps for i in step["assignee_ids"]}
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        {
            "id": step["id"],
            "type": step["type"],
            "name": step["name"],
            "mode": step["mode"],
            "mode_label": flow.MODE_LABELS.get(step["mode"], ""),
            "chooser": step["chooser"],
            "assignees": [{"id": i, "name": names.get(i, "")} for i in step["assignee_ids"]],
        }
        for step in steps
    ]


def request_attachment_get(*, viewer: User, approval_id: int, token: str) -> Attachment:
    """A file attached to a request, for a viewer who may open that request.

    Refused (`approval_not_found` / `attachment_not_found`) unless the request is
    visible to the viewer and the file is one of its attachment fields' files.
    """
    approval = approval_get(viewer=viewer, approval_id=approval_id)
    for field in approval.fields:
        value = approval.form.get(field["key"])
        if field["type"] == "attachment" and any(item.get("id") == token for item in value or []):
            return attachment_by_token(token=token)
    raise NotFound.of(codes.ATTACHMENT_NOT_FOUND, "附件不存在")
