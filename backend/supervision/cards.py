"""The `supervision` card: a live view of a task with the buttons this viewer may press.

Actions (the same entries as the detail page's `actions`):

- `report` 反馈进展 — the owner, not finished; payload `opinion` (进展情况,
  required) and `percent` (0–99, optional: unchanged when absent);
- `finish` 申请办结 — the owner, in progress; `opinion` (办结情况, required);
- `urge` 催办 — the supervisor or anyone above the owner, not finished;
  `opinion` (催办内容, required);
- `approve` 同意 / `return` 退回 — the approver of the pending 办结/延期
  application; `opinion` optional / required;
- `view` 查看 — anyone who sees the card; nothing is sent, the client opens `link`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from backend.supervision import selectors, services
from backend.supervision.lights import LIGHT_LABELS, Light, Rollup
from backend.supervision.models import Application, SupervisionTask
from realtime.cards import CardAction, CardView, card_action

CARD_ACTIONS = ("report", "finish", "urge", "approve", "return", "view")


def actions_many(tasks: Sequence[SupervisionTask], viewer: User) -> dict[int, list[CardAction]]:
    """Each task's actions for this viewer (3 queries for any number of tasks)."""
    ancestors = selectors.ancestors_of(tasks)
    roots = selectors.leader_grant_root_ids(viewer, {t.root_id or t.pk for t in tasks})
    pending = selectors.pending_approval_tasks(viewer, [t.pk for t in tasks])
    now = timezone.now()
    result: dict[int, list[CardAction]] = {}
    for task in tasks:
        result[task.pk] = _actions(task, viewer, ancestors, roots, pending.get(task.pk), now)
    return result


def _actions(
    task: SupervisionTask,
    viewer: User,
    ancestors: dict[int, SupervisionTask],
    roots: set[int],
    approval_task: Any,
    now: datetime,
) -> list[CardAction]:
    actions: list[CardAction] = []
    is_owner = task.owner_id == viewer.pk
    if is_owner and not task.is_done:
        actions.append(
            card_action(
                "report", "反馈进展", style="primary", opinion="required", opinion_label="进展情况"
            )
        )
        if task.status == SupervisionTask.Status.ACTIVE:
            actions.append(
                card_action("finish", "申请办结", opinion="required", opinion_label="办结情况")
            )
    if approval_task is not None:
        actions.append(
            card_action(
                "approve",
                "同意",
                style="primary",
                opinion="optional",
                opinion_label="审核意见",
                task_id=approval_task.pk,
            )
        )
        actions.append(
            card_action(
                "return",
                "退回",
                style="danger",
                opinion="required",
                opinion_label="退回理由",
                task_id=approval_task.pk,
            )
        )
    if selectors.may_urge(viewer, task, ancestors, roots):
        # Shown but disabled within the interval, so the reason is visible.
        recently = services.urged_recently(task, now)
        actions.append(
            card_action(
                "urge",
                "催办",
                style="warning",
                opinion="required",
                opinion_label="催办内容",
                enabled=not recently,
                disabled_reason=services.urged_recently_text(),
            )
        )
    actions.append(card_action("view", "查看"))
    return actions


def hidden() -> CardView:
    return {
        "title": "督办",
        "status": "hidden",
        "status_label": "",
        "fields": [],
        "actions": [],
        "link": "",
    }


def unit_label(task: SupervisionTask) -> str:
    name = task.unit.short_name or task.unit.name
    return f"{name}·{task.department.name}" if task.department_id and task.department else name


def view(
    task: SupervisionTask, light: Light, rollup: Rollup, actions: list[CardAction]
) -> CardView:
    shown = rollup.light
    text = light.text
    if shown != light.light:
        text += f"，子任务有{LIGHT_LABELS[shown]}"
    label = "已办结" if shown == "done" else f"{LIGHT_LABELS[shown]}·{text}"
    fields = [
        {
            "label": "牵头" if task.role != SupervisionTask.Role.ASSIST else "协办",
            "value": unit_label(task),
        },
        {"label": "责任人", "value": task.owner.name},
        {"label": "截止日期", "value": f"{task.deadline:%Y-%m-%d}"},
        {"label": "进度", "value": f"{rollup.percent}%"},
        {"label": "状态", "value": SupervisionTask.Status(task.status).label},
    ]
    return {
        "title": task.title,
        "status": shown,
        "status_label": label,
        "fields": fields,
        "actions": actions,
        "link": f"/supervision/{task.pk}",
    }


def _ids(object_ids: Sequence[str]) -> dict[str, int]:
    ids = {}
    for object_id in object_ids:
        try:
            ids[object_id] = int(object_id)
        except ValueError:
            continue
    return ids


class SupervisionCard:
    card_type = services.SUBJECT

    def render(self, object_id: str, viewer: Any) -> CardView:
        return self.render_many([object_id], viewer)[object_id]

    def render_many(self, object_ids: Sequence[str], viewer: User) -> dict[str, CardView]:
        """Views of many tasks for one viewer in a fixed number of queries.

        The visible tasks (1), their subtrees (1) and milestones (1) for lights
        and roll-ups, and the viewer's actions (`actions_many`: 3).
        """
        ids = _ids(object_ids)
        visible = selectors.tasks_visible(viewer=viewer, task_ids=ids.values())
        tasks = list(visible.values())
        computed = selectors.compute(selectors.subtrees_of(tasks))
        actions = actions_many(tasks, viewer)
        views: dict[str, CardView] = {}
        for object_id in object_ids:
            task = visible.get(ids.get(object_id, 0))
            views[object_id] = (
                view(task, computed.lights[task.pk], computed.rollups[task.pk], actions[task.pk])
                if task is not None
                else hidden()
            )
        return views

    def act(self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]) -> CardView:
        if action not in CARD_ACTIONS:
            raise InvalidInput.of(codes.UNKNOWN_CARD_ACTION)
        task_id = int(object_id)
        opinion = str(payload.get("opinion") or "")
        if action == "report":
            percent = payload.get("percent")
            services.report_submit(
                actor=viewer,
                task_id=task_id,
                text=opinion,
                percent=percent if isinstance(percent, int) else None,
            )
        elif action == "finish":
            services.finish_apply(actor=viewer, task_id=task_id, result=opinion)
        elif action == "urge":
            services.task_urge(actor=viewer, task_id=task_id, message=opinion)
        elif action in ("approve", "return"):
            services.application_decide(
                actor=viewer, task_id=task_id, decision=action, opinion=opinion
            )
        else:
            selectors.task_get(viewer=viewer, task_id=task_id)
        return self.render(object_id, viewer)


__all__ = ["Application", "SupervisionCard", "actions_many", "view"]
