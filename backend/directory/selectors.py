"""Reads of the org directory.

Visibility: the directory is shared by every unit on the platform (集约化),
so any active person may look up any other active person, unit or
department — that is what lets people start cross-unit chats. Deactivated
people are invisible everywhere here. Personal contact data is not shared
that widely (`ContactScope`): the office phone is shown to everyone, the
personal mobile and the employee number only within the viewer's units (and
below the units where the viewer holds a contact role), masked otherwise;
administrators' and system accounts' never.

Every selector runs a fixed number of queries whatever the size of the
result (no N+1): people come with their positions, departments and units
prefetched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.audit.models import AuditEntry
from backend.common import error_catalogue as codes
from backend.common.errors import NotFound
from backend.directory.models import (
    Department,
    DeviceSession,
    Position,
    RoleAssignment,
    Unit,
    User,
)

SEARCH_LIMIT = 50
SEARCH_MAX_CHARS = 50
PHONE_MIN_DIGITS = 3
# People without any position sort after everyone who has one.
NO_RANK = 1_000_000

_PINYIN_QUERY = re.compile(r"^[a-z]+$")
_PHONE_QUERY = re.compile(r"^\d+$")
_PHONE_SEPARATORS = re.compile(r"[\s\-+()]")


class UnitNotFound(NotFound):
    entry = codes.UNIT_NOT_FOUND


class DepartmentNotFound(NotFound):
    entry = codes.DEPARTMENT_NOT_FOUND


class PersonNotFound(NotFound):
    entry = codes.PERSON_NOT_FOUND


@dataclass
class UnitNode:
    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


@dataclass
class DepartmentNode:
    department: Department
    member_count: int
    children: list[DepartmentNode] = field(default_factory=list)


@dataclass
class PersonPresence:
    person: User
    status: str


# --- personal contact data -------------------------------------------------------


def mask_mobile(mobile: str) -> str:
    """138****5678: enough to recognise a number, not to call or copy it."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else ""


def mask_employee_no(number: str) -> str:
    """A1****89: the first and last two characters; short numbers entirely hidden."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    return f"{number[:2]}{'*' * (len(number) - 4)}{number[-2:]}"


class ContactScope:
    """Whose personal mobile and employee number a viewer may see in full.

    Themselves; anyone holding a position in a unit where the viewer holds
    one; anyone in a unit at or below one where the viewer holds a role of
    `ZT_DIRECTORY_CONTACT_ROLES` (单位管理员、文书 by default). Never an
    administrator's (`is_staff`/`is_superuser`) or a system account's. The
    viewer's units are read on first use (one query; one more for a role
    holder), people's positions must be prefetched (`people_with_positions`).
    """

    def __init__(self, viewer: User) -> None:
        self.viewer = viewer
        self._units: frozenset[int] | None = None

    def reveals(self, person: User) -> bool:
        if person.pk == self.viewer.pk:
            return True
        if person.is_staff or person.is_superuser or person.is_bot:
            return False
        units = self.units()
        return any(p.department.unit_id in units for p in person.positions.all())

    def units(self) -> frozenset[int]:
        if self._units is None:
            self._units = self._load()
        return self._units

    def _load(self) -> frozenset[int]:
        roles = RoleAssignment.objects.filter(
            unit=OuterRef("pk"), user=self.viewer, role__in=settings.ZT_DIRECTORY_CONTACT_ROLES
        )
        member = Position.objects.filter(user=self.viewer, department__unit=OuterRef("pk"))
        rows = (
            Unit.objects.annotate(by_role=Exists(roles))
            .filter(Q(by_role=True) | Exists(member))
            .values_list("pk", "by_role")
        )
        units = {pk for pk, _ in rows}
        role_roots = [pk for pk, by_role in rows if by_role]
        if role_roots:
            children_of: dict[int | None, list[int]] = defaultdict(list)
            for pk, parent_id in Unit.objects.values_list("pk", "parent_id"):
                children_of[parent_id].append(pk)
            for root in role_roots:
                units.update(_descendants(root, children_of))
        return frozenset(units)


def contact_scope(*, viewer: User) -> ContactScope:
    return ContactScope(viewer)


# --- building blocks ------------------------------------------------------------


def _positions_prefetch() -> Prefetch:
    """Every position of a person with its department and unit: one extra query."""
    return Prefetch(
        "positions",
        queryset=Position.objects.select_related("department__unit").order_by(
            "-is_primary", "rank", "id"
        ),
    )


def people_with_positions() -> QuerySet[User]:
    """Active people, ready to be rendered with their positions."""
    return User.objects.filter(is_active=True, is_bot=False).prefetch_related(_positions_prefetch())


def _best_rank() -> Coalesce:
    """A person's lowest (most senior) rank over all positions, for ordering."""
    ranks = Position.objects.filter(user=OuterRef("pk")).order_by("rank").values("rank")[:1]
    return Coalesce(Subquery(ranks, output_field=IntegerField()), Value(NO_RANK))


def _descendants(root_id: int, children_of: Mapping[int | None, list[int]]) -> list[int]:
    """`root_id` and every id below it, depth first."""
    found: list[int] = []
    stack = [root_id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children_of.get(current, []))
    return found


# --- units and departments --------------------------------------------------------


def unit_tree(*, viewer: User) -> list[UnitNode]:
    """The whole unit tree, siblings ordered by (order, id): one query."""
    nodes = {u.pk: UnitNode(u) for u in Unit.objects.order_by("order", "id")}
    roots: list[UnitNode] = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id) if node.unit.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def unit_get(*, viewer: User, unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise UnitNotFound()
    return unit


def department_tree(*, viewer: User, unit_id: int) -> list[DepartmentNode]:
    """Departments of a unit as a tree; `member_count` counts distinct active
    people in the department and all its sub-departments. Three queries."""
    unit = unit_get(viewer=viewer, unit_id=unit_id)
    departments = list(Department.objects.filter(unit=unit).order_by("order", "id"))
    members: dict[int, set[int]] = defaultdict(set)
    for department_id, user_id in Position.objects.filter(
        department__unit=unit, user__is_active=True
    ).values_list("department_id", "user_id"):
        members[department_id].add(user_id)

    children_of: dict[int | None, list[int]] = defaultdict(list)
    for d in departments:
        children_of[d.parent_id].append(d.pk)
    nodes: dict[int, DepartmentNode] = {}
    for d in departments:
        people: set[int] = set()
        for sub_id in _descendants(d.pk, children_of):
            people |= members.get(sub_id, set())
        nodes[d.pk] = DepartmentNode(d, member_count=len(people))
    roots: list[DepartmentNode] = []
    for d in departments:
        parent = nodes.get(d.parent_id) if d.parent_id else None
        (parent.children if parent is not None else roots).append(nodes[d.pk])
    return roots


def department_get(*, viewer: User, department_id: int) -> Department:
    department = Department.objects.select_related("unit").filter(pk=department_id).first()
    if department is None:
        raise DepartmentNotFound()
    return department


def department_people(*, viewer: User, department_id: int, recursive: bool = False) -> list[User]:
    """People of a department (optionally with its sub-departments), ordered by
    their rank in it, then pinyin. Each person once, with every position."""
    department = department_get(viewer=viewer, department_id=department_id)
    ids = [department.pk]
    if recursive:
        children_of: dict[int | None, list[int]] = defaultdict(list)
        for pk, parent_id in Department.objects.filter(unit_id=department.unit_id).values_list(
            "pk", "parent_id"
        ):
            children_of[parent_id].append(pk)
        ids = _descendants(department.pk, children_of)
    rank_here = (
        Position.objects.filter(user=OuterRef("pk"), department_id__in=ids)
        .order_by("rank")
        .values("rank")[:1]
    )
    return list(
        people_with_positions()
        .filter(Exists(Position.objects.filter(user=OuterRef("pk"), department_id__in=ids)))
        .annotate(rank_here=Subquery(rank_here, output_field=IntegerField()))
        .order_by("rank_here", "name_pinyin", "id")
    )


# --- people -----------------------------------------------------------------------


def person_get(*, viewer: User, person_id: int) -> User:
    person = people_with_positions().filter(pk=person_id).first()
    if person is None:
        raise PersonNotFound()
    return person


def people_search(
    *,
    viewer: User,
    query: str,
    limit: int = SEARCH_LIMIT,
    scope: ContactScope | None = None,
) -> list[User]:
    """Find people across all units by name, 拼音, initials, phone or title.

    Matches (any one suffices): name substring; full pinyin prefix or
    substring (`zhangsan`, `zhang san`); initials prefix (`zs` → 张三);
    office phone digits substring (at least 3 digits); title (职务)
    substring; and, only among the people whose contact data the viewer may
    see (`ContactScope`, so search cannot guess a masked number digit by
    digit), mobile digits substring and exact employee number.

    Ordering tiers: exact name, name prefix, initials/pinyin exact, initials
    /pinyin prefix, everything else; within a tier by the person's most
    senior rank, then pinyin. Plain LIKE lookups on lower-cased stored
    columns, so SQLite and PostgreSQL agree.
    """
    q = query.strip()[:SEARCH_MAX_CHARS]
    if not q:
        return []
    letters = q.lower().replace(" ", "").replace("'", "")
    digits = _PHONE_SEPARATORS.sub("", q)
    is_pinyin = bool(_PINYIN_QUERY.match(letters))
    is_phone = bool(_PHONE_QUERY.match(digits)) and len(digits) >= PHONE_MIN_DIGITS

    scope = scope or contact_scope(viewer=viewer)
    scoped = Exists(
        Position.objects.filter(user=OuterRef("pk"), department__unit_id__in=scope.units())
    )
    in_scope = Q(pk=viewer.pk) | Q(is_staff=False, is_superuser=False, scoped=True)
    title_match = Exists(Position.objects.filter(user=OuterRef("pk"), title__icontains=q))
    match = Q(name__icontains=q) | (Q(employee_no__iexact=q) & in_scope) | Q(title_match=True)
    # i-lookups on names: SQLite's LIKE ignores ASCII case, so PostgreSQL must too.
    tiers: list[When] = [
        When(name__iexact=q, then=Value(0)),
        When(name__istartswith=q, then=Value(1)),
    ]
    if is_pinyin:
        match |= (
            Q(name_pinyin__contains=letters)
            | Q(name_initials__startswith=letters)
            | Q(name_initials=letters)
        )
        tiers += [
            When(Q(name_initials=letters) | Q(name_pinyin=letters), then=Value(2)),
            When(
                Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters),
                then=Value(3),
            ),
        ]
    if is_phone:
        match |= Q(office_phone__contains=digits) | (Q(mobile__contains=digits) & in_scope)

    return list(
        people_with_positions()
        .annotate(title_match=title_match, scoped=scoped)
        .filter(match)
        .annotate(
            tier=Case(*tiers, default=Value(4), output_field=IntegerField()),
            best_rank=_best_rank(),
        )
        .order_by("tier", "best_rank", "name_pinyin", "id")[: max(1, min(limit, SEARCH_LIMIT))]
    )


PresenceLookup = Callable[[Iterable[int]], Mapping[int, str]]
_PRESENCE_ORDER = {"online": 0, "away": 1, "offline": 2}


def department_online(*, viewer: User, statuses: PresenceLookup) -> list[PersonPresence]:
    """Colleagues in the viewer's departments with their presence, online first.

    Presence lives in the messaging core, which depends on this app, so the
    caller passes the lookup in (`realtime.presence.statuses`): the directory
    stays at the bottom of the import graph.
    """
    departments = Position.objects.filter(user=viewer).values("department_id")
    rank_there = (
        Position.objects.filter(user=OuterRef("pk"), department_id__in=departments)
        .order_by("rank")
        .values("rank")[:1]
    )
    people = list(
        people_with_positions()
        .filter(Exists(Position.objects.filter(user=OuterRef("pk"), department_id__in=departments)))
        .exclude(pk=viewer.pk)
        .annotate(rank_there=Subquery(rank_there, output_field=IntegerField()))
        .order_by("rank_there", "name_pinyin", "id")
    )
    found = statuses([p.pk for p in people])
    result = [PersonPresence(p, found.get(p.pk, "offline")) for p in people]
    # Stable sort: within a status the rank/pinyin order from the query stays.
    result.sort(key=lambda item: _PRESENCE_ORDER.get(item.status, len(_PRESENCE_ORDER)))
    return result


# --- signed-in devices ------------------------------------------------------------


def devices_of(*, user: User) -> list[DeviceSession]:
    """The person's signed-in devices still valid now, most recently used first."""
    return list(DeviceSession.objects.filter(user=user, expires_at__gt=timezone.now()))


def token_live(*, user: User, digest: str) -> bool:
    """Whether the person's bearer token with this digest is still signed in and unexpired."""
    return DeviceSession.objects.filter(
        user=user, token_digest=digest, expires_at__gt=timezone.now()
    ).exists()


@dataclass(frozen=True)
class LoginBanner:
    """What a person sees once after logging in (等保 login banner)."""

    previous_at: datetime | None
    previous_ip: str | None
    failed_since: int


def login_banner(*, user: User) -> LoginBanner:
    """The login before the one just made (time, IP) and the wrong passwords for this
    account since then, from the audit log. Call right after a successful login."""
    logins = list(
        AuditEntry.objects.filter(action="auth.login", actor=user)
        .order_by("-id")
        .values_list("id", "created_at", "ip")[:2]
    )
    if len(logins) < 2:
        failed = AuditEntry.objects.filter(action="auth.login_failed", actor=user).count()
        return LoginBanner(None, None, failed)
    (current_id, _, _), (previous_id, at, ip) = logins
    failed = AuditEntry.objects.filter(
        action="auth.login_failed", actor=user, id__gt=previous_id, id__lt=current_id
    ).count()
    return LoginBanner(at, ip, failed)
