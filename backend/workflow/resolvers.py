"""Who an approver or CC step names, resolved against the org directory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import Department, Position, Role, RoleAssignment, Unit, User


class NoAssignee(InvalidInput):
    entry = codes.NO_ASSIGNEE


@dataclass(frozen=True)
class Origin:
    """Where the initiator sits: the anchor of every relative rule."""

    user: User
    unit: Unit
    department: Department | None


def origin_of(user: User, unit: Unit | None = None) -> Origin:
    """Where a run of this initiator is anchored.

    Without `unit`, the initiator's primary position (or first one) decides
    unit and department. With `unit` (the subject's own unit, named by the
    app: e.g. the recipient unit of a 收文), every role resolves in that unit;
    the department is the initiator's position in it, or None when they hold
    none there (a clerk serving the unit through a role only), so `dept_head`
    and `leader` rules go straight to that unit's leaders.
    """
    positions = Position.objects.filter(user=user).select_related("department__unit")
    if unit is not None:
        positions = positions.filter(department__unit=unit)
    position = positions.order_by("-is_primary", "rank", "pk").first()
    if unit is not None:
        return Origin(user=user, unit=unit, department=position.department if position else None)
    if position is None:
        raise InvalidInput.of(codes.NO_POSITION)
    return Origin(user=user, unit=position.department.unit, department=position.department)


def active_people(ids: Iterable[int]) -> list[int]:
    """The ids that name active people, in the order given, without repeats."""
    wanted = list(dict.fromkeys(ids))
    people = User.objects.filter(pk__in=wanted, is_active=True, is_bot=False)
    found = set(people.values_list("pk", flat=True))
    return [i for i in wanted if i in found]


def _heads(department: Department, exclude: int) -> list[int]:
    return list(
        Position.objects.filter(department=department, is_leader=True, user__is_active=True)
        .exclude(user_id=exclude)
        .order_by("rank", "user_id")
        .values_list("user_id", flat=True)
    )


def _role_holders(unit: Unit, role: str, exclude: int | None = None) -> list[int]:
    query = RoleAssignment.objects.filter(unit=unit, role=role, user__is_active=True)
    if exclude is not None:
        query = query.exclude(user_id=exclude)
    return list(query.order_by("user_id").values_list("user_id", flat=True))


def _head_chain(origin: Origin) -> list[list[int]]:
    """Heads of the initiator's department and of each one above it, nearest first.

    The initiator's own department counts only if someone other than the
    initiator leads it (a head's 部门负责人 is the next level up).
    """
    chain: list[list[int]] = []
    department = origin.department
    while department is not None:
        heads = _heads(department, exclude=origin.user.pk)
        if heads:
            chain.append(heads)
        department = department.parent
    return chain


def _leaders(origin: Origin, levels: int) -> list[int]:
    chain = _head_chain(origin)
    if levels <= len(chain):
        return chain[levels - 1]
    return _unit_leaders_above(origin)


def _unit_leaders_above(origin: Origin) -> list[int]:
    """Above the top department: the unit's leaders — or, for one of them, the parent unit's.

    A unit leader's superior is never their own deputy, so a leader of the
    unit goes to the leaders of the unit above it (市府办主任 → 市政府领导).
    """
    unit: Unit | None = origin.unit
    while unit is not None:
        leaders = _role_holders(unit, Role.LEADER)
        if leaders and origin.user.pk not in leaders:
            return leaders
        unit = unit.parent
    return []


def resolve(
    spec: Mapping[str, Any], origin: Origin, chosen: Mapping[str, list[int]], step_id: str
) -> list[int]:
    """The active people a step names; may be empty (the caller decides the fallback)."""
    kind = spec["kind"]
    if kind == "users":
        return active_people(spec["users"])
    if kind == "role":
        return _role_holders(origin.unit, spec["role"])
    if kind == "dept_head":
        return _leaders(origin, 1)
    if kind == "leader":
        return _leaders(origin, int(spec["levels"]))
    if kind == "chosen" and spec.get("chooser") == "initiator":
        return active_people(chosen.get(step_id, []))
    return []  # chosen by the previous handler: filled in when that step completes


def fallback(origin: Origin) -> list[int]:
    """Nobody matched: the unit's administrators take the step rather than lose it."""
    return _role_holders(origin.unit, Role.UNIT_ADMIN)


def leaders_of(user: User) -> list[int]:
    """Who a person answers to: their department's head (the next level up for a head),
    else the unit's leaders; empty for someone without a position."""
    try:
        origin = origin_of(user)
    except InvalidInput:
        return []
    return _leaders(origin, 1)


def names(user_ids: Iterable[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=list(user_ids)).values_list("pk", "name"))
