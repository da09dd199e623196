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

from backend.directory.models import Unit
from backend.documents.models import UnitSettings
from backend.workflow import services as workflow
from backend.workflow.models import ProcessDefinition

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
