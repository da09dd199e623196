"""督办 reminders as durable push jobs: stored with the task, moved with its dates,
cancelled when done, skipped at run time when no longer due; each shows in 待办."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.directory.models import User
from backend.supervision import services
from backend.supervision.models import SupervisionTask
from backend.todo import registry
from push.models import Delivery, Notification
from tests.push.conftest import midday_zone, run_jobs
from tests.supervision.conftest import create, days

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def outside_quiet_hours(settings: Any) -> None:
    settings.ZT_QUIET_HOURS_TZ = midday_zone()


def at_nine(n: int) -> datetime:
    return timezone.make_aware(datetime.combine(days(n), time(9, 0)))


def stored(user: User) -> dict[str, datetime]:
    """The person's live (not cancelled or skipped) 督办 reminders: key tail -> when."""
    found = {}
    for n in Notification.objects.filter(user=user, dedup_key__startswith="sup:"):
        live = n.deliveries.exclude(state=Delivery.State.SKIPPED)
        if live.exists():
            parts = n.dedup_key.split(":")
            tail = ":".join([parts[2], parts[-1]]) if parts[2] != "report" else "report"
            found[tail] = min(d.next_attempt_at for d in live if d.next_attempt_at is not None)
    return found


def make(director: User, owner: User, **extra: Any) -> SupervisionTask:
    return create(
        director,
        owner,
        deadline=10,
        cycle="weekly",
        milestones=[("方案报批", days(6))],
        **extra,
    )


def test_a_new_task_stores_its_reporting_milestone_deadline_and_overdue_reminders(
    director: User, finance_head: User, budget_staff: User
) -> None:
    task = make(director, budget_staff)
    assert stored(budget_staff) == {
        "report": at_nine(7),
        "ms:3d": at_nine(3),
        "due:3d": at_nine(7),
        "due:overdue": at_nine(11),
    }
    # The owner's leader (预算科 局长) hears of the overdue day too.
    assert stored(finance_head) == {"due:overdue-leader": at_nine(11)}
    leader = Notification.objects.get(user=finance_head)
    assert (leader.kind, leader.title) == ("overdue", f"【超期提醒】{task.title}")
    sms = Delivery.objects.filter(notification__user=finance_head, channel="sms")
    assert sms.count() == 1


def test_a_report_moves_the_reporting_reminder_and_meets_the_milestone(
    director: User, budget_staff: User
) -> None:
    task = make(director, budget_staff)
    [milestone] = task.milestones.all()
    services.report_submit(
        actor=budget_staff,
        task_id=task.pk,
        text="方案已报批",
        percent=30,
        milestones_done=[milestone.pk],
    )
    # Reported today: the next report is due in a week, the milestone reminder is gone.
    assert stored(budget_staff) == {
        "report": at_nine(7),
        "due:3d": at_nine(7),
        "due:overdue": at_nine(11),
    }
    old = Notification.objects.get(
        user=budget_staff, dedup_key__contains=":report:", deliveries__state="skipped"
    )
    assert set(old.deliveries.values_list("error_code", flat=True)) == {"cancelled"}


def test_an_extension_moves_the_deadline_reminders_and_done_cancels_them_all(
    director: User, finance_head: User, budget_staff: User
) -> None:
    task = make(director, budget_staff)
    services.extension_apply(
        actor=budget_staff, task_id=task.pk, new_deadline=days(20), reason="需等待省厅批复"
    )
    services.application_decide(actor=director, task_id=task.pk, decision="approve")
    assert stored(budget_staff)["due:3d"] == at_nine(17)
    assert stored(budget_staff)["due:overdue"] == at_nine(21)
    assert stored(finance_head) == {"due:overdue-leader": at_nine(21)}
    services.finish_apply(actor=budget_staff, task_id=task.pk, result="已完成")
    services.application_decide(actor=director, task_id=task.pk, decision="approve")
    assert stored(budget_staff) == {}
    assert stored(finance_head) == {}


def test_reminders_that_escaped_cancelling_are_skipped_when_they_run(
    director: User, finance_head: User, budget_staff: User
) -> None:
    task = make(director, budget_staff)
    # The deadline and the report changed behind the reminders' back (no cancel).
    SupervisionTask.objects.filter(pk=task.pk).update(
        deadline=days(12), last_report_at=timezone.now() + timedelta(seconds=5)
    )
    task.milestones.update(done_at=timezone.now())
    run_jobs(later=True)
    reasons = set(
        Delivery.objects.filter(notification__dedup_key__startswith="sup:").values_list(
            "error", flat=True
        )
    )
    assert reasons == {"截止日期已变更", "阶段节点已完成", "已反馈进展"}
    SupervisionTask.objects.filter(pk=task.pk).update(status="done")
    assert services.reminders.still_due(budget_staff.pk, {"task_id": task.pk}) == "事项已办结"


def test_each_reminder_occasion_shows_in_todo(
    director: User, finance_head: User, budget_staff: User
) -> None:
    due_soon = create(director, budget_staff, deadline=3, title="三天内到期")
    reporting = create(
        director, budget_staff, deadline=30, cycle="custom", cycle_days=1, title="每日反馈"
    )
    overdue = create(director, budget_staff, deadline=30, title="已超期事项")
    SupervisionTask.objects.filter(pk=overdue.pk).update(deadline=days(-2))
    SupervisionTask.objects.filter(pk=reporting.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    items = {i.title: (i.kind, i.subtitle, i.overdue) for i in registry.items_for(budget_staff)}
    assert items == {
        "三天内到期": ("deadline", "督办 · 距截止还有3天", False),
        "每日反馈": ("report", "督办 · 待反馈进展", False),
        "已超期事项": ("overdue", "督办 · 已超期2天", True),
    }
    assert due_soon.pk
