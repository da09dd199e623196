"""Lights, reporting dates and roll-ups: computed on read from dates, never stored.

- `done` 已办结 — the task is finished;
- `red` — past the deadline (已超期N天), or an unmet milestone is past its date;
- `yellow` — the deadline or an unmet milestone is `ZT_SUPERVISION_YELLOW_DAYS[importance]`
  days away or fewer (距截止还有2天, 今日截止);
- `green` — on track (距截止还有N天).

A roll-up summarises a subtree: `percent` is the mean of its leaves'
percentages (a finished leaf counts 100), `light` the worst light of any
node in it (red > yellow > green > done), and `counts` how many leaves have
each light. A node without children is its own only leaf.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.utils import timezone

LIGHTS = ("red", "yellow", "green", "done")
LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已办结"}
_RANK = {name: i for i, name in enumerate(LIGHTS)}  # lower is worse


class MilestoneLike(Protocol):
    title: str
    due: date
    done_at: datetime | None


class TaskLike(Protocol):
    pk: int
    parent_id: int | None
    deadline: date
    importance: str
    status: str
    percent: int
    cycle: str
    cycle_days: int | None
    created_at: datetime
    last_report_at: datetime | None


@dataclass(frozen=True)
class Light:
    light: str  # red | yellow | green | done
    text: str  # the Chinese explanation

    @property
    def label(self) -> str:
        return LIGHT_LABELS[self.light]


def today() -> date:
    return timezone.localdate()


def yellow_days(importance: str) -> int:
    days: Mapping[str, int] = settings.ZT_SUPERVISION_YELLOW_DAYS
    return int(days.get(importance, 3))


def light_of(task: TaskLike, milestones: Iterable[MilestoneLike], on: date) -> Light:
    """The light of one task on a day, with why."""
    if task.status == "done":
        return Light("done", "已办结")
    if on > task.deadline:
        return Light("red", f"已超期{(on - task.deadline).days}天")
    unmet = sorted((m for m in milestones if m.done_at is None), key=lambda m: m.due)
    for m in unmet:
        if m.due < on:
            return Light("red", f"节点「{m.title}」已超期{(on - m.due).days}天")
    # The nearest unmet date: a milestone before the deadline, else the deadline.
    upcoming = [(m.due, f"节点「{m.title}」") for m in unmet if m.due < task.deadline]
    due, what = upcoming[0] if upcoming else (task.deadline, "截止")
    days = (due - on).days
    if days == 0:
        text = "今日截止" if what == "截止" else f"{what}今日到期"
    else:
        text = f"距{what}还有{days}天"
    return Light("yellow" if days <= yellow_days(task.importance) else "green", text)


def milestone_light(milestone: MilestoneLike, importance: str, on: date) -> Light:
    """A milestone's own light on a day, by the task's rule (yellow within N days)."""
    if milestone.done_at is not None:
        return Light("done", f"已完成于{timezone.localtime(milestone.done_at):%Y-%m-%d}")
    days = (milestone.due - on).days
    if days < 0:
        return Light("red", f"已超期{-days}天")
    text = "今日到期" if days == 0 else f"还有{days}天"
    return Light("yellow" if days <= yellow_days(importance) else "green", text)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def report_due(task: TaskLike) -> date | None:
    """The day the next progress report is due (None without a cycle or when finished)."""
    if task.cycle == "none" or task.status == "done":
        return None
    since = timezone.localtime(task.last_report_at or task.created_at).date()
    if task.cycle == "weekly":
        return since + timedelta(days=7)
    if task.cycle == "monthly":
        return _add_months(since, 1)
    return since + timedelta(days=max(1, task.cycle_days or 1))


def worst(lights: Iterable[str]) -> str:
    return min(lights, key=lambda name: _RANK[name], default="done")


@dataclass
class Rollup:
    percent: int
    light: str
    counts: dict[str, int] = field(default_factory=dict)  # leaves by light, and "total"


def rollups(nodes: Sequence[TaskLike], lights: Mapping[int, Light]) -> dict[int, Rollup]:
    """The roll-up of every node's subtree, for nodes forming whole subtrees.

    `nodes` must hold every descendant of each node it holds (a subtree as
    loaded by `selectors.subtree`); `lights` the light of each node.
    """
    children: dict[int, list[TaskLike]] = {}
    for node in nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    result: dict[int, Rollup] = {}

    def visit(node: TaskLike) -> tuple[list[TaskLike], str]:
        kids = children.get(node.pk, [])
        if not kids:
            leaves, light = [node], lights[node.pk].light
        else:
            leaves = []
            light = lights[node.pk].light
            for kid in kids:
                kid_leaves, kid_light = visit(kid)
                leaves.extend(kid_leaves)
                light = worst([light, kid_light])
        percents = [100 if leaf.status == "done" else leaf.percent for leaf in leaves]
        counts = dict.fromkeys(LIGHTS, 0)
        for leaf in leaves:
            counts[lights[leaf.pk].light] += 1
        counts["total"] = len(leaves)
        result[node.pk] = Rollup(
            percent=round(sum(percents) / len(percents)), light=light, counts=counts
        )
        return leaves, light

    ids = {node.pk for node in nodes}
    for node in nodes:
        if node.parent_id is None or node.parent_id not in ids:
            visit(node)
    return result
