"""Lights on a given day, with their Chinese explanation, and reporting days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from backend.supervision import lights


@dataclass
class M:
    title: str
    due: date
    done_at: datetime | None = None


@dataclass
class T:
    deadline: date
    importance: str = "normal"
    status: str = "active"
    percent: int = 0
    pk: int = 1
    parent_id: int | None = None
    cycle: str = "none"
    cycle_days: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime(2026, 3, 1, 2, tzinfo=UTC))
    last_report_at: datetime | None = None


DAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("task", "milestones", "expected"),
    [
        (T(date(2026, 3, 30)), [], ("green", "距截止还有20天")),
        (T(date(2026, 3, 13)), [], ("yellow", "距截止还有3天")),
        (T(date(2026, 3, 14)), [], ("green", "距截止还有4天")),
        (T(date(2026, 3, 14), importance="important"), [], ("yellow", "距截止还有4天")),
        (T(date(2026, 3, 10)), [], ("yellow", "今日截止")),
        (T(date(2026, 3, 7)), [], ("red", "已超期3天")),
        (T(date(2026, 3, 7), status="done"), [], ("done", "已办结")),
        (
            T(date(2026, 3, 30)),
            [M("方案报批", date(2026, 3, 12))],
            ("yellow", "距节点「方案报批」还有2天"),
        ),
        (
            T(date(2026, 3, 30)),
            [M("方案报批", date(2026, 3, 8))],
            ("red", "节点「方案报批」已超期2天"),
        ),
        (
            T(date(2026, 3, 30)),
            [M("方案报批", date(2026, 3, 8), done_at=datetime(2026, 3, 8, tzinfo=UTC))],
            ("green", "距截止还有20天"),
        ),
    ],
)
def test_light_and_its_explanation(task: T, milestones: list[M], expected: tuple[str, str]) -> None:
    light = lights.light_of(task, milestones, DAY)
    assert (light.light, light.text) == expected


def test_yellow_days_come_from_settings(settings: object) -> None:
    settings.ZT_SUPERVISION_YELLOW_DAYS = {"important": 10, "normal": 1}  # type: ignore[attr-defined]
    assert lights.light_of(T(date(2026, 3, 19), importance="important"), [], DAY).light == "yellow"
    assert lights.light_of(T(date(2026, 3, 12)), [], DAY).light == "green"


def test_reporting_days_per_cycle() -> None:
    base = T(date(2026, 6, 30))
    assert lights.report_due(base) is None
    assert lights.report_due(T(date(2026, 6, 30), cycle="weekly")) == date(2026, 3, 8)
    assert lights.report_due(T(date(2026, 6, 30), cycle="monthly")) == date(2026, 4, 1)
    assert lights.report_due(T(date(2026, 6, 30), cycle="custom", cycle_days=3)) == date(2026, 3, 4)
    jan31 = T(date(2026, 6, 30), cycle="monthly", created_at=datetime(2026, 1, 31, 2, tzinfo=UTC))
    assert lights.report_due(jan31) == date(2026, 2, 28)
    done = T(date(2026, 6, 30), cycle="weekly", status="done")
    assert lights.report_due(done) is None


def test_rollup_of_a_small_tree() -> None:
    root = T(date(2026, 3, 30), pk=1, percent=10)
    a = T(date(2026, 3, 20), pk=2, parent_id=1, percent=50)
    b = T(date(2026, 3, 9), pk=3, parent_id=1, percent=20)
    c = T(date(2026, 3, 15), pk=4, parent_id=2, status="done", percent=100)
    d = T(date(2026, 3, 12), pk=5, parent_id=2, percent=30)
    nodes = [root, a, b, c, d]
    node_lights = {n.pk: lights.light_of(n, [], DAY) for n in nodes}
    up = lights.rollups(nodes, node_lights)
    # Leaves: b (20, red), c (done, 100), d (30, yellow).
    assert (up[1].percent, up[1].light) == (50, "red")
    assert up[1].counts == {"red": 1, "yellow": 1, "green": 0, "done": 1, "total": 3}
    assert (up[2].percent, up[2].light) == (65, "yellow")
    assert (up[4].percent, up[4].light, up[4].counts["total"]) == (100, "done", 1)
