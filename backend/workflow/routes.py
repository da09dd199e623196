"""Routes: the flat list of steps and people one run takes, decided at (re)submit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from backend.workflow import resolvers
from backend.workflow.definitions import Step, flatten


def build_route(
    nodes: list[dict[str, Any]],
    origin: resolvers.Origin,
    facts: Mapping[str, Any],
    chosen: Mapping[str, list[int]],
    *,
    strict: bool = True,
) -> list[Step]:
    """The steps and people this form leads to; `strict` refuses a step nobody can take."""
    steps = flatten(nodes, facts)
    seen_approver = False
    for step in steps:
        spec = step["assignees"]
        chooser = spec.get("chooser") if spec["kind"] == "chosen" else None
        if chooser == "previous" and not seen_approver:
            chooser = "initiator"  # nobody before it: the initiator picks
        step["chooser"] = chooser or ""
        if chooser == "previous":
            step["assignee_ids"] = []
        else:
            step["assignee_ids"] = _resolve_step(step, origin, chosen, strict=strict)
        seen_approver = seen_approver or step["type"] == "approver"
    return steps


def _resolve_step(
    step: Step, origin: resolvers.Origin, chosen: Mapping[str, list[int]], *, strict: bool
) -> list[int]:
    spec = step["assignees"]
    ids = resolvers.resolve(spec, origin, {k: list(v) for k, v in chosen.items()}, step["id"])
    if ids or step["type"] == "cc":
        return ids
    if spec["kind"] == "chosen":
        if strict:
            message = f"请选择「{step['name']}」的审批人"
            raise InvalidInput.of(
                codes.CHOSEN_REQUIRED, message, fields={f"chosen.{step['id']}": message}
            )
        return []
    ids = resolvers.fallback(origin)
    if not ids and strict:
        raise resolvers.NoAssignee(f"未找到「{step['name']}」的审批人，请联系单位管理员")
    return ids


def route_preview(
    *,
    nodes: list[dict[str, Any]],
    initiator: User,
    facts: Mapping[str, Any],
    chosen: Mapping[str, list[int]],
) -> list[Step]:
    """The route a form would take now, for the submit screen; writes nothing."""
    return build_route(nodes, resolvers.origin_of(initiator), facts, chosen, strict=False)
