"""Reads of 督办 for one viewer: one visibility rule, lists, detail, the 看板.

Visibility (the only rule): a person sees a task when they hold a `Grant`
on it or on any task above it — the owner of a node sees it and its
subtree; the supervisor and the creator of a node, and the creator's chain
of leaders (granted when the root is created), see what was created. Other
units see nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import StartsWith

from backend.common import error_catalogue as codes
from backend.common import input_guard
from backend.common.errors import InvalidInput, NotFound
from backend.directory.models import User
from backend.supervision import lights
from backend.supervision.lights import Light, Rollup
from backend.supervision.models import Grant, Milestone, SupervisionTask
from backend.workflow.models import Task
from realtime.models import Attachment
from realtime.selectors import attachment_by_token

PAGE_SIZE = 50
LIST_SCAN = 1000  # rows a list reads before filtering by the computed light
BOXES = ("mine", "supervised", "assist", "all")
STATUSES = ("to_report", "active", "done")
LIGHTS_WORST_FIRST = ("red", "yellow", "green")  # a tree with none of these is all done


class SupervisionNotFound(NotFound):
    code = "supervision_not_found"
    message = "督办事项不存在或无权查看"


def visible_q(viewer: User) -> Q:
    """Tasks at or below a node the viewer holds a grant on.

    A grant on a root covers its whole tree (`root_id`, indexed); a grant lower
    down covers the nodes whose path starts with that node's (one EXISTS over
    the viewer's few such grants).
    """
    mine = Grant.objects.filter(user_id=viewer.pk)
    on_roots = mine.filter(task__parent__isnull=True).values("task_id")
    lower = mine.filter(task__parent__isnull=False).filter(StartsWith(OuterRef("path"), F("path")))
    return Q(pk__in=on_roots) | Q(root_id__in=on_roots) | Q(Exists(lower))


def tasks_visible(*, viewer: User, task_ids: Iterable[int]) -> dict[int, SupervisionTask]:
    """The tasks among `task_ids` the viewer may see, by id (one query)."""
    rows = SupervisionTask.objects.filter(visible_q(viewer), pk__in=list(task_ids)).select_related(
        "unit", "department", "owner", "supervisor"
    )
    return {task.pk: task for task in rows}


def task_get(*, viewer: User, task_id: int) -> SupervisionTask:
    task = tasks_visible(viewer=viewer, task_ids=[task_id]).get(task_id)
    if task is None:
        raise SupervisionNotFound()
    return task


def milestones_of(task_ids: Iterable[int]) -> dict[int, list[Milestone]]:
    found: dict[int, list[Milestone]] = {}
    for m in Milestone.objects.filter(task_id__in=list(task_ids)):
        found.setdefault(m.task_id, []).append(m)
    return found


def subtree(task: SupervisionTask) -> list[SupervisionTask]:
    """The task and every node below it, parents before children."""
    return list(
        SupervisionTask.objects.filter(path__startswith=task.path)
        .select_related("unit", "department", "owner", "supervisor")
        .order_by("depth", "deadline", "pk")
    )


def subtrees_of(tasks: Sequence[SupervisionTask]) -> list[SupervisionTask]:
    """Every node under any of `tasks` (themselves included), in one query: the whole
    trees they belong to, fetched by root id (indexed); a superset whose extra
    nodes only cost their light."""
    if not tasks:
        return []
    root_ids = list({t.root_id or t.pk for t in tasks})
    query = SupervisionTask.objects.filter(Q(pk__in=root_ids) | Q(root_id__in=root_ids))
    return list(query.order_by("depth", "pk"))


@dataclass
class Computed:
    """Lights of the nodes and roll-ups of the subtrees asked, on one day."""

    lights: dict[int, Light]
    rollups: dict[int, Rollup]
    report_due: dict[int, date | None]


def compute(nodes: Sequence[SupervisionTask], on: date | None = None) -> Computed:
    """Lights and roll-ups of whole subtrees (2 queries: nodes given, milestones)."""
    on = on or lights.today()
    ms = milestones_of(n.pk for n in nodes)
    node_lights = {n.pk: lights.light_of(n, ms.get(n.pk, []), on) for n in nodes}
    return Computed(
        lights=node_lights,
        rollups=lights.rollups(nodes, node_lights),
        report_due={n.pk: lights.report_due(n) for n in nodes},
    )


# --- who may do what -------------------------------------------------------------


def above_owner_ids(task: SupervisionTask, ancestors: dict[int, SupervisionTask]) -> set[int]:
    """Who is above a task's owner: its supervisor, its creator and the owners and
    supervisors of every task above it (ancestors as loaded by `ancestors_of`)."""
    above = {task.supervisor_id, task.creator_id}
    for pk in task.ancestor_ids:
        parent = ancestors.get(pk)
        if parent is not None:
            above |= {parent.owner_id, parent.supervisor_id, parent.creator_id}
    above.discard(task.owner_id)
    return above


def ancestors_of(tasks: Iterable[SupervisionTask]) -> dict[int, SupervisionTask]:
    ids = {pk for t in tasks for pk in t.ancestor_ids}
    return SupervisionTask.objects.only(
        "pk", "owner_id", "supervisor_id", "creator_id", "path", "deadline"
    ).in_bulk(ids)


def leader_grant_root_ids(viewer: User, root_ids: Iterable[int]) -> set[int]:
    """Roots on which the viewer holds a leader/creator/supervisor grant (may urge anywhere in)."""
    return set(
        Grant.objects.filter(
            user_id=viewer.pk,
            task_id__in=list(root_ids),
            reason__in=[Grant.Reason.LEADER, Grant.Reason.CREATOR, Grant.Reason.SUPERVISOR],
        ).values_list("task_id", flat=True)
    )


def may_urge(
    viewer: User,
    task: SupervisionTask,
    ancestors: dict[int, SupervisionTask],
    leader_roots: set[int],
) -> bool:
    if task.is_done or viewer.pk == task.owner_id:
        return False
    return (
        viewer.pk in above_owner_ids(task, ancestors) or (task.root_id or task.pk) in leader_roots
    )


def pending_approval_tasks(viewer: User, task_ids: Iterable[int]) -> dict[int, Task]:
    """The viewer's open engine tasks on applications of these tasks, by supervision task id."""
    from backend.supervision.models import Application

    apps = Application.objects.filter(
        task_id__in=list(task_ids), status=Application.Status.PENDING
    ).values_list("instance_id", "task_id")
    by_instance = dict(apps)
    found: dict[int, Task] = {}
    for t in Task.objects.filter(
        instance_id__in=list(by_instance), assignee_id=viewer.pk, state=Task.State.PENDING
    ):
        found[by_instance[t.instance_id]] = t
    return found


# --- lists -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilter:
    box: str = "mine"
    status: str = ""
    light: str = ""
    importance: str = ""
    source: str = ""
    unit_id: int | None = None


def list_filter(params: dict[str, Any]) -> ListFilter:
    box = params.get("box") or "mine"
    if box not in BOXES:
        raise InvalidInput.of(codes.INVALID, fields={"box": "应为 mine、supervised、assist 或 all"})
    status = params.get("status") or ""
    if status and status not in STATUSES:
        raise InvalidInput.of(codes.INVALID, fields={"status": "应为 to_report、active 或 done"})
    light = params.get("light") or ""
    if light and light not in lights.LIGHTS:
        raise InvalidInput.of(codes.INVALID, fields={"light": "应为 red、yellow、green 或 done"})
    importance = params.get("importance") or ""
    if importance and importance not in SupervisionTask.Importance.values:
        raise InvalidInput.of(codes.INVALID, fields={"importance": "应为 important 或 normal"})
    source = params.get("source") or ""
    if source and source not in SupervisionTask.Source.values:
        raise InvalidInput.of(codes.INVALID, fields={"source": "来源无效"})
    unit = params.get("unit") or None
    if unit is not None and not str(unit).isdigit():
        raise InvalidInput.of(codes.INVALID_PARAM, "参数 unit 应为整数")
    unit_id = input_guard.check_int(int(unit), "参数 unit") if unit else None
    return ListFilter(box, status, light, importance, source, unit_id)


def _box(viewer: User, box: str) -> QuerySet[SupervisionTask]:
    """mine: tasks I own; supervised: tasks I supervise or created, or that someone I lead
    created (my grants other than owner); assist: tasks I own in a 协办 part (the part
    itself or a sub-task under one); all: everything I see."""
    visible = SupervisionTask.objects.filter(visible_q(viewer))
    if box == "mine":
        return visible.filter(owner_id=viewer.pk)
    if box == "assist":
        under_assist = SupervisionTask.objects.filter(role=SupervisionTask.Role.ASSIST).filter(
            StartsWith(OuterRef("path"), F("path"))
        )
        return visible.filter(owner_id=viewer.pk).filter(Exists(under_assist))
    if box == "supervised":
        granted = Grant.objects.filter(user_id=viewer.pk).exclude(reason=Grant.Reason.OWNER)
        return visible.filter(pk__in=granted.values("task_id"))
    return visible


def task_list(*, viewer: User, flt: ListFilter) -> tuple[list[SupervisionTask], Computed]:
    """A box of tasks with their lights and roll-ups, filtered (light is computed, so
    it filters after the query; at most PAGE_SIZE rows come back)."""
    rows = _box(viewer, flt.box).select_related("unit", "department", "owner", "supervisor")
    if flt.status == "done":
        rows = rows.filter(status=SupervisionTask.Status.DONE)
    elif flt.status:
        rows = rows.exclude(status=SupervisionTask.Status.DONE)
    if flt.importance:
        rows = rows.filter(importance=flt.importance)
    if flt.source:
        rows = rows.filter(source=flt.source)
    if flt.unit_id:
        rows = rows.filter(unit_id=flt.unit_id)
    tasks = list(rows.order_by("deadline", "pk")[:LIST_SCAN])
    computed = compute(subtrees_of(tasks))
    if flt.status == "to_report":
        on = lights.today()
        tasks = [t for t in tasks if (d := computed.report_due[t.pk]) is not None and d <= on]
    if flt.light:
        tasks = [t for t in tasks if computed.rollups[t.pk].light == flt.light]
    return tasks[:PAGE_SIZE], computed


def own_light_sql(on: date) -> Case:
    """A node's own light as a SQL expression: the same rule as `lights.light_of` (the
    light, not its text), for counting many nodes in the database.

    The nearest unmet date is the earlier of the deadline and the earliest unmet
    milestone (milestones are never after the deadline); red when it has passed,
    yellow when it is at most `ZT_SUPERVISION_YELLOW_DAYS[importance]` days away.
    Needs the `nearest` annotation of `with_nearest`.
    """
    yellow = [
        When(
            importance=value,
            nearest__lte=on + timedelta(days=lights.yellow_days(value)),
            then=Value("yellow"),
        )
        for value in SupervisionTask.Importance.values
    ]
    return Case(
        When(status=SupervisionTask.Status.DONE, then=Value("done")),
        When(nearest__lt=on, then=Value("red")),
        *yellow,
        default=Value("green"),
        output_field=CharField(),
    )


def with_nearest(rows: QuerySet[SupervisionTask]) -> QuerySet[SupervisionTask]:
    """Annotate `nearest`: the earliest unmet milestone's date, or the deadline if earlier."""
    unmet = (
        Milestone.objects.filter(task_id=OuterRef("pk"), done_at__isnull=True)
        .order_by("due")
        .values("due")[:1]
    )
    return rows.annotate(nearest=Least(F("deadline"), Coalesce(Subquery(unmet), F("deadline"))))


def dashboard(*, viewer: User, on: date | None = None) -> dict[str, Any]:
    """督办看板: the roots the viewer sees, counted by roll-up light and by lead unit.

    Set-based, whatever the number of trees: one query counts every tree's nodes by
    their own light in SQL (a tree's roll-up light is its worst node's), one reads
    the roots (unit, own light); only the overdue list (at most PAGE_SIZE roots, by
    deadline) is loaded whole for its summaries.
    """
    on = on or lights.today()
    light = own_light_sql(on)
    root_ids = Grant.objects.filter(user_id=viewer.pk, task__parent__isnull=True).values("task_id")
    nodes = SupervisionTask.objects.filter(Q(pk__in=root_ids) | Q(root_id__in=root_ids))
    # Grouped by (tree, light): the light (a CASE over a subquery) is computed once
    # per node, and at most four rows come back per tree.
    per_tree: dict[int, dict[str, int]] = {}
    for tree, own, count in (
        with_nearest(nodes)
        .annotate(tree=Coalesce("root_id", "pk"), own=light)
        .values("tree", "own")
        .annotate(count=Count("pk"))
        .values_list("tree", "own", "count")
        .order_by()
    ):
        per_tree.setdefault(tree, {})[own] = count
    roots = (
        with_nearest(SupervisionTask.objects.filter(pk__in=root_ids))
        .annotate(own=light)
        .values_list("pk", "unit_id", "unit__name", "own", "deadline")
    )
    by_light = dict.fromkeys(lights.LIGHTS, 0)
    units: dict[int, dict[str, Any]] = {}
    overdue: list[tuple[date, int]] = []
    for pk, unit_id, unit_name, own, deadline in roots:
        counts = per_tree.get(pk, {})
        rolled = next((name for name in LIGHTS_WORST_FIRST if counts.get(name)), "done")
        by_light[rolled] += 1
        row = units.setdefault(
            unit_id,
            {
                "unit_id": unit_id,
                "unit_name": unit_name,
                "total": 0,
                **dict.fromkeys(lights.LIGHTS, 0),
            },
        )
        row["total"] += 1
        row[rolled] += 1
        if own == "red":
            overdue.append((deadline, pk))
    first = [pk for _, pk in sorted(overdue)[:PAGE_SIZE]]
    late = SupervisionTask.objects.select_related("unit", "department", "owner", "supervisor")
    late_roots = sorted(late.filter(pk__in=first), key=lambda t: (t.deadline, t.pk))
    return {
        "total": sum(by_light.values()),
        "by_light": by_light,
        "by_unit": sorted(units.values(), key=lambda r: (-r["red"], -r["total"], r["unit_id"])),
        "overdue": late_roots,
        "overdue_total": len(overdue),
        "computed": compute(subtrees_of(late_roots), on),
    }


def attachment_get(*, viewer: User, task_id: int, token: str) -> Attachment:
    """A file of a task the viewer may see: its attachments or 办结 evidence, a file of a
    report in its subtree (as the detail lists them) or of one of its applications.

    Refused (`supervision_not_found` / `attachment_not_found`) otherwise.
    """
    from backend.supervision.models import Application, Report

    task = task_get(viewer=viewer, task_id=task_id)
    lists: list[list[dict[str, Any]]] = [task.attachments, task.evidence]
    lists += (
        Report.objects.filter(task__path__startswith=task.path)
        .exclude(attachments=[])
        .values_list("attachments", flat=True)
    )
    lists += Application.objects.filter(task=task).values_list("attachments", flat=True)
    if any(item.get("id") == token for files in lists for item in files or []):
        return attachment_by_token(token=token)
    raise NotFound.of(codes.ATTACHMENT_NOT_FOUND, "附件不存在")
