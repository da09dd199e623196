"""The 发文 and 收文 flows: default definitions per unit, and the step ids the app acts on.

Each unit has two versioned definitions in the flow engine,
`document:<unit id>:outgoing` and `document:<unit id>:incoming`, seeded
with the defaults below (`defaults_ensure`, the unit_setup hook). A unit
admin may save new versions (`documents.services.flow_save`); a flow must
keep the steps whose ids the app gives meaning to (REQUIRED_STEPS).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput, PermissionDenied
from backend.directory.models import Role, RoleAssignment, Unit, User
from backend.documents.models import UnitSettings
from backend.workflow import resolvers
from backend.workflow import services as workflow
from backend.workflow.definitions import validate_nodes
from backend.workflow.models import ProcessDefinition, ProcessVersion

OUTGOING = "outgoing"
INCOMING = "incoming"
# Steps the app gives meaning to (by id).
SIGN = "sign"  # 签发: sets the 签发人; 撤回 is possible only before it completes
REGISTER = "register"  # 登记: assigns the 发文字号
SEAL = "seal"  # 用印
DISTRIBUTE = "distribute"  # 分发: its completion delivers to every recipient unit
INSTRUCT = "instruct"  # 批办: the leader picks 承办 departments
UNDERTAKE = "undertake"  # 承办
CIRCULATE = "circulate"  # 传阅
REQUIRED_STEPS = {OUTGOING: (SIGN, REGISTER, DISTRIBUTE), INCOMING: ()}
STEP_NAMES = {SIGN: "签发", REGISTER: "登记", DISTRIBUTE: "分发"}


def _clerks(step_id: str, name: str) -> dict[str, Any]:
    return {
        "id": step_id,
        "type": "approver",
        "name": name,
        "mode": "any",
        "assignees": {"kind": "role", "role": "clerk"},
    }


OUTGOING_NODES: list[dict[str, Any]] = [
    _clerks("review", "核稿"),
    {
        "id": "countersign_branch",
        "type": "condition",
        "name": "是否会签",
        "branches": [
            {
                "name": "需要会签",
                "when": {"field": "countersign", "op": "eq", "value": True},
                "nodes": [
                    {
                        "id": "countersign",
                        "type": "approver",
                        "name": "会签",
                        "mode": "all",
                        "assignees": {"kind": "chosen", "chooser": "initiator"},
                    }
                ],
            },
            {"name": "其他情况", "when": None, "nodes": []},
        ],
    },
    {
        "id": SIGN,
        "type": "approver",
        "name": "签发",
        "mode": "any",
        "assignees": {"kind": "role", "role": "leader"},
        "deadline_hours": 48,
    },
    _clerks("recheck", "复核"),
    _clerks(REGISTER, "登记"),
    _clerks(SEAL, "用印"),
    _clerks(DISTRIBUTE, "分发"),
]

INCOMING_NODES: list[dict[str, Any]] = [
    _clerks("propose", "拟办"),
    {
        "id": "handle_branch",
        "type": "condition",
        "name": "办件或阅件",
        "branches": [
            {
                "name": "办件",
                "when": {"field": "handle_type", "op": "eq", "value": "handle"},
                "nodes": [
                    {
                        "id": INSTRUCT,
                        "type": "approver",
                        "name": "批办",
                        "mode": "any",
                        "assignees": {"kind": "role", "role": "leader"},
                        "deadline_hours": 48,
                    },
                    {
                        "id": UNDERTAKE,
                        "type": "approver",
                        "name": "承办",
                        "mode": "all",
                        "free": True,
                        "assignees": {"kind": "chosen", "chooser": "previous"},
                    },
                ],
            },
            {
                "name": "依次传阅",
                "when": {"field": "circulate", "op": "eq", "value": "sequential"},
                "nodes": [
                    {
                        "id": CIRCULATE,
                        "type": "approver",
                        "name": "传阅",
                        "mode": "sequential",
                        "assignees": {"kind": "chosen", "chooser": "previous"},
                    }
                ],
            },
            {
                "name": "同时传阅",
                "when": None,
                "nodes": [
                    {
                        "id": "circulate_all",
                        "type": "approver",
                        "name": "传阅",
                        "mode": "all",
                        "assignees": {"kind": "chosen", "chooser": "previous"},
                    }
                ],
            },
        ],
    },
]

DEFAULTS = {OUTGOING: ("发文", OUTGOING_NODES), INCOMING: ("收文", INCOMING_NODES)}


def definition_key(unit_id: int, which: str) -> str:
    return f"document:{unit_id}:{which}"


def defaults_ensure(unit: Unit) -> None:
    """Give a unit its 公文 settings and both default flows, once; idempotent."""
    with transaction.atomic():
        UnitSettings.objects.get_or_create(
            unit=unit,
            defaults={"prefix": default_prefix(unit), "issuer_mark": f"{unit.name}文件"},
        )
        for which, (name, nodes) in DEFAULTS.items():
            key = definition_key(unit.pk, which)
            if not ProcessDefinition.objects.filter(key=key).exists():
                workflow.definition_save(key=key, name=name, nodes=nodes)


def default_prefix(unit: Unit) -> str:
    """A first 机关代字 (the admin sets the real one): the short name without 市/局 noise."""
    base = (unit.short_name or unit.name)[:4]
    return f"{base}发"


def defaults_ensure_all() -> None:
    have = UnitSettings.objects.values("unit_id")
    for unit in Unit.objects.exclude(pk__in=have):
        defaults_ensure(unit)


def current_version(unit_id: int, which: str) -> Any:
    definition = ProcessDefinition.objects.select_related("current_version").get(
        key=definition_key(unit_id, which)
    )
    return definition.current_version


def admin_unit_of(viewer: User) -> Unit:
    """The unit whose 公文 flows the viewer sets up; refused unless they are its admin."""
    unit = resolvers.origin_of(viewer).unit
    if not RoleAssignment.objects.filter(user=viewer, unit=unit, role=Role.UNIT_ADMIN).exists():
        raise PermissionDenied.of(codes.NOT_DOCUMENT_ADMIN)
    return unit


def _ids(nodes: list[dict[str, Any]]) -> set[str]:
    found = set()
    for node in nodes:
        found.add(str(node.get("id")))
        for branch in node.get("branches", []):
            found |= _ids(branch.get("nodes", []))
    return found


def flow_save(
    *, actor: User, which: str, nodes: Any, context: RequestContext = NO_CONTEXT
) -> ProcessVersion:
    """A unit admin saves a new version of the unit's 发文 or 收文 flow.

    Running documents keep the version they started with. A 发文 flow must
    keep the steps 签发 (`sign`), 登记 (`register`) and 分发 (`distribute`).
    """
    if which not in DEFAULTS:
        raise InvalidInput.of(codes.INVALID_FLOW, "流程类型应为 outgoing 或 incoming")
    unit = admin_unit_of(actor)
    validate_nodes(nodes)
    for step_id in REQUIRED_STEPS[which]:
        if step_id not in _ids(nodes):
            raise InvalidInput.of(
                codes.MISSING_FLOW_STEP, f"发文流程必须保留「{STEP_NAMES[step_id]}」步骤"
            )
    with transaction.atomic():
        defaults_ensure(unit)
        version = workflow.definition_save(
            key=definition_key(unit.pk, which), name=DEFAULTS[which][0], nodes=nodes, actor=actor
        )
        audit_record(
            "document.flow.save",
            actor=actor,
            target=version,
            data={"which": which, "version": version.number},
            context=context,
        )
    return version


def flows_of(viewer: User) -> list[dict[str, Any]]:
    """The admin's unit's two flows as currently saved."""
    unit = admin_unit_of(viewer)
    defaults_ensure(unit)
    views = []
    for which, (name, _nodes) in DEFAULTS.items():
        version = current_version(unit.pk, which)
        views.append(
            {"which": which, "name": name, "version": version.number, "nodes": version.nodes}
        )
    return views
