"""The `supervision` card: per-viewer views and buttons, render_many == render at a fixed
query count, acting from the card, live updates; the 待办 source."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.directory.models import User
from backend.todo import registry
from realtime import cards
from realtime.events import SentEvent
from tests.conftest import events_of
from tests.supervision.conftest import create, split

pytestmark = pytest.mark.django_db(transaction=True)


def names(view: cards.CardView) -> list[str]:
    return [a["action"] for a in view["actions"]]


def test_each_viewer_gets_their_own_buttons(
    director: User, finance_head: User, budget_staff: User, edu_head: User, civil: User
) -> None:
    root = create(director, finance_head, assists=(edu_head,))
    sub = split(finance_head, root, budget_staff)
    card = cards.get("supervision")
    assert names(card.render(str(sub.pk), budget_staff)) == ["report", "finish", "view"]
    assert names(card.render(str(sub.pk), finance_head)) == ["urge", "view"]
    assert names(card.render(str(sub.pk), director)) == ["urge", "view"]
    assert names(card.render(str(root.pk), finance_head)) == ["report", "finish", "view"]
    assert card.render(str(sub.pk), edu_head)["status"] == "hidden"
    assert card.render(str(root.pk), civil) == {
        "title": "督办",
        "status": "hidden",
        "status_label": "",
        "fields": [],
        "actions": [],
        "link": "",
    }
    view = card.render(str(sub.pk), budget_staff)
    assert view["title"] == "梳理事项清单"
    assert view["status"] == "green"
    assert view["status_label"] == "绿灯·距截止还有20天"
    assert view["fields"] == [
        {"label": "牵头", "value": "财政局"},
        {"label": "责任人", "value": "孙七"},
        {"label": "截止日期", "value": f"{sub.deadline:%Y-%m-%d}"},
        {"label": "进度", "value": "0%"},
        {"label": "状态", "value": "进行中"},
    ]
    split(finance_head, root, budget_staff, deadline=0, title="今日事项")
    assert card.render(str(root.pk), director)["status"] == "yellow"
    assert card.render(str(root.pk), director)["status_label"] == (
        "黄灯·距截止还有30天，子任务有黄灯"
    )
    report = view["actions"][0]
    assert (report["label"], report["opinion"], report["opinion_label"]) == (
        "反馈进展",
        "required",
        "进展情况",
    )


def test_acting_on_the_card_reports_urges_applies_and_decides(
    director: User, finance_head: User, budget_staff: User, events: list[SentEvent]
) -> None:
    root = create(director, finance_head)
    sub = split(finance_head, root, budget_staff)
    card = cards.get("supervision")
    view = card.act(str(sub.pk), budget_staff, "report", {"opinion": "已梳理60项", "percent": 60})
    assert view["fields"][3] == {"label": "进度", "value": "60%"}
    # The parent's card rolls the sub-task up.
    assert card.render(str(root.pk), director)["fields"][3] == {"label": "进度", "value": "60%"}
    card.act(str(sub.pk), director, "urge", {"opinion": "请加快进度"})
    view = card.act(str(sub.pk), budget_staff, "finish", {"opinion": "已全部梳理完毕"})
    assert names(view) == ["report", "view"]
    assert names(card.render(str(sub.pk), finance_head)) == ["approve", "return", "urge", "view"]
    view = card.act(str(sub.pk), finance_head, "approve", {})
    assert (view["status"], view["status_label"], names(view)) == (
        "done",
        "已办结",
        ["view"],
    )
    assert card.render(str(root.pk), director)["fields"][3] == {"label": "进度", "value": "100%"}
    # Every change reached every conversation showing the task's or its parent's card.
    updated = {e.event["data"]["object_id"] for e in events_of(events, "card.updated")}
    assert {str(sub.pk), str(root.pk)} <= updated


def test_render_many_equals_render_and_costs_the_same_for_2_and_8_cards(
    director: User, finance_head: User, budget_staff: User, edu_head: User
) -> None:
    roots = [
        create(director, finance_head, assists=(edu_head,), title=f"事项{i}") for i in range(4)
    ]
    subs = [split(finance_head, r, budget_staff, title=f"子任务{r.pk}") for r in roots]
    ids = [str(t.pk) for pair in zip(roots, subs, strict=True) for t in pair]
    card = cards.get("supervision")
    for viewer in (director, finance_head, budget_staff, edu_head):
        many = card.render_many([*ids, "junk", "999999"], viewer)
        assert many == {i: card.render(i, viewer) for i in [*ids, "junk", "999999"]}

    def queries(wanted: list[str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            card.render_many(wanted, director)
        return len(captured)

    assert queries(ids[:2]) == queries(ids)


def test_the_todo_centre_lists_decisions_waiting_and_tasks_due_soon(
    director: User, finance_head: User, budget_staff: User
) -> None:
    root = create(director, finance_head, deadline=2)
    assert [(i.kind, i.subtitle) for i in registry.items_for(finance_head)] == [
        ("deadline", "督办 · 距截止还有2天")
    ]
    sub = split(finance_head, root, budget_staff, deadline=1)
    cards.get("supervision").act(str(sub.pk), budget_staff, "finish", {"opinion": "已完成"})
    kinds = sorted((i.kind, i.id) for i in registry.items_for(finance_head))
    assert kinds == [("approve", str(sub.pk)), ("deadline", str(root.pk))]
    assert registry.counts_for(finance_head)["supervision"] == 2
