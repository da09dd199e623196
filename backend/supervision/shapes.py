"""The REST shapes of 督办 (docs/supervision.md): summaries, the detail, the 看板.

Plain dicts for `mobile_api/v1/supervision.py`'s output serializers; every
light and roll-up is computed here on read (`selectors.compute`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from backend.directory.models import User
from backend.supervision import cards, lights, selectors
from backend.supervision.models import Application, Report, SupervisionTask, Urge
from realtime.cards import CardAction, card_action

REPORTS_MAX = 200


def _person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name}


def summary(task: SupervisionTask, computed: selectors.Computed, on: date) -> dict[str, Any]:
    light = computed.lights[task.pk]
    rollup = computed.rollups[task.pk]
    due = computed.report_due.get(task.pk)
    return {
        "id": task.pk,
        "parent_id": task.parent_id,
        "root_id": task.root_id or task.pk,
        "depth": task.depth,
        "role": task.role,
        "role_label": SupervisionTask.Role(task.role).label,
        "title": task.title,
        "source": task.source,
        "source_label": SupervisionTask.Source(task.source).label,
        "unit": {"id": task.unit_id, "name": task.unit.name},
        "department": (
            {"id": task.department.pk, "name": task.department.name} if task.department else None
        ),
        "unit_label": cards.unit_label(task),
        "owner": _person(task.owner),
        "supervisor": _person(task.supervisor),
        "deadline": task.deadline,
        "importance": task.importance,
        "importance_label": SupervisionTask.Importance(task.importance).label,
        "status": task.status,
        "status_label": SupervisionTask.Status(task.status).label,
        "percent": task.percent,
        "light": light.light,
        "light_label": light.label,
        "light_text": light.text,
        "report_due": due,
        "report_overdue": due is not None and due < on,
        "urge_count": task.urge_count,
        "created_at": task.created_at,
        "finished_at": task.finished_at,
        "rollup": {"percent": rollup.percent, "light": rollup.light, "counts": rollup.counts},
    }


def summaries(tasks: Sequence[SupervisionTask], computed: selectors.Computed) -> list[Any]:
    on = lights.today()
    return [summary(task, computed, on) for task in tasks]


def detail_actions(task: SupervisionTask, viewer: User) -> list[CardAction]:
    """The card's actions plus what needs a form: 分解任务 and 申请延期 (owner, in progress)."""
    actions = [a for a in cards.actions_many([task], viewer)[task.pk] if a["action"] != "view"]
    if task.owner_id == viewer.pk and task.status == SupervisionTask.Status.ACTIVE:
        actions.append(card_action("split", "分解任务"))
        actions.append(
            card_action("extension", "申请延期", opinion="required", opinion_label="延期理由")
        )
    return actions


def _light(light: lights.Light) -> dict[str, str]:
    return {"light": light.light, "light_label": light.label, "light_text": light.text}


def detail(task: SupervisionTask, viewer: User) -> dict[str, Any]:
    """Everything the task page shows: the node, its subtree with roll-ups, milestones,
    reports (of the whole subtree, newest first), 催办 and applications, and my actions."""
    nodes = selectors.subtree(task)
    computed = selectors.compute(nodes)
    on = lights.today()
    milestones = selectors.milestones_of([task.pk]).get(task.pk, [])
    reports = (
        Report.objects.filter(task__path__startswith=task.path)
        .select_related("author", "task")
        .order_by("-created_at", "-pk")[:REPORTS_MAX]
    )
    urges = Urge.objects.filter(task=task).select_related("actor")
    applications = Application.objects.filter(task=task).select_related("applicant", "approver")
    return {
        **summary(task, computed, on),
        "source_type": task.source_type,
        "source_id": task.source_id,
        "requirement": task.requirement,
        "creator": _person(task.creator),
        "cycle": task.cycle,
        "cycle_label": SupervisionTask.Cycle(task.cycle).label,
        "cycle_days": task.cycle_days,
        "attachments": task.attachments,
        "result": task.result,
        "evidence": task.evidence,
        "milestones": [
            {
                "id": m.pk,
                "title": m.title,
                "due": m.due,
                "done_at": m.done_at,
                **_light(lights.milestone_light(m, task.importance, on)),
            }
            for m in sorted(milestones, key=lambda m: (m.due, m.pk))
        ],
        "tree": summaries(nodes, computed),
        "reports": [
            {
                "id": r.pk,
                "task_id": r.task_id,
                "task_title": r.task.title,
                "author": _person(r.author),
                "text": r.text,
                "percent": r.percent,
                "attachments": r.attachments,
                "late": r.late,
                "created_at": r.created_at,
            }
            for r in reports
        ],
        "urges": [
            {
                "id": u.pk,
                "actor": _person(u.actor),
                "message": u.message,
                "created_at": u.created_at,
            }
            for u in urges
        ],
        "applications": [
            {
                "id": a.pk,
                "kind": a.kind,
                "kind_label": Application.Kind(a.kind).label,
                "applicant": _person(a.applicant),
                "approver": _person(a.approver),
                "text": a.text,
                "attachments": a.attachments,
                "old_deadline": a.old_deadline,
                "new_deadline": a.new_deadline,
                "status": a.status,
                "status_label": Application.Status(a.status).label,
                "opinion": a.opinion,
                "created_at": a.created_at,
                "decided_at": a.decided_at,
            }
            for a in applications
        ],
        "actions": detail_actions(task, viewer),
    }


def dashboard(viewer: User) -> dict[str, Any]:
    board = selectors.dashboard(viewer=viewer)
    computed = board.pop("computed")
    board["overdue"] = summaries(board["overdue"], computed)
    for row in board["by_unit"]:
        # On time: not red (done, green or yellow), as a whole percentage of the unit's tasks.
        row["on_time_rate"] = round(100 * (row["total"] - row["red"]) / row["total"])
    return board
