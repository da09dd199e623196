"""Deadline reminders of flow tasks: 24 h push, 2 h SMS, overdue to the leader; moved with
the deadline, gone when the task is done, never doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backend.approvals import services as approvals
from backend.common.errors import InvalidInput, PermissionDenied
from backend.directory.models import User
from backend.workflow import reminders
from backend.workflow.models import Instance, Task
from backend.workflow.services import deadline_check, task_deadline_set
from push import services as push
from push.models import Delivery, Notification
from tests.approvals.test_services import leave_form, template
from tests.push.conftest import run_jobs, subscribed
from tests.push.servers import PushService, SmsHttpGateway
from tests.workflow.conftest import act, approver, start, users

pytestmark = pytest.mark.django_db


def reminders_of(user: User) -> list[tuple[str, str]]:
    return [
        (n.dedup_key.rsplit(":", 1)[-1], n.kind)
        for n in Notification.objects.filter(user=user, kind__in=["deadline", "overdue"])
        .exclude(deliveries__state=Delivery.State.SKIPPED)
        .distinct()
        .order_by("pk")
    ]


def flow(initiator: User, handler: User, hours: int = 48) -> tuple[Instance, Task]:
    instance = start([approver("n1", users(handler), deadline_hours=hours)], initiator)
    return instance, instance.tasks.get()


def test_an_opened_task_stores_a_24h_push_and_a_2h_sms(clerk: User, staff: User) -> None:
    _, task = flow(clerk, staff)
    assert task.due_at is not None
    assert reminders_of(staff) == [("due24h", "deadline"), ("due2h", "deadline")]
    day, two = Notification.objects.filter(user=staff).order_by("pk")
    assert [d.channel for d in day.deliveries.all()] == ["push"]
    assert sorted(d.channel for d in two.deliveries.all()) == ["push", "sms"]
    assert {d.next_attempt_at for d in day.deliveries.all()} == {task.due_at - timedelta(hours=24)}
    assert {d.next_attempt_at for d in two.deliveries.all()} == {task.due_at - timedelta(hours=2)}
    # Not due yet: nothing runs now.
    assert run_jobs() == 0


def test_reminders_whose_time_has_passed_at_opening_are_not_stored(
    clerk: User, staff: User
) -> None:
    flow(clerk, staff, hours=24)  # 24 h before is now: the 待办 push just told them
    assert reminders_of(staff) == [("due2h", "deadline")]
    flow(clerk, staff, hours=1)
    assert reminders_of(staff) == [("due2h", "deadline")]


def test_reminders_reach_the_handler_by_push_then_sms(
    push_service: PushService, sms_gateway: SmsHttpGateway, clerk: User, staff: User
) -> None:
    device = subscribed(push_service, staff)
    flow(clerk, staff)
    run_jobs(later=True)  # 24 h and 2 h before the deadline
    got = push_service.for_device(device)
    assert [g.payload["title"] for g in got] == ["【即将到期】测试流程"] * 2
    assert got[0].payload["body"].startswith("请于") and got[0].payload["body"].endswith("前办理")
    [sms] = sms_gateway.accepted
    assert (sms["mobile"], sms["templateId"]) == (staff.mobile, "ZT_DEADLINE")
    assert sms["params"]["title"] == "测试流程"


def test_a_done_task_gets_no_reminder(
    push_service: PushService, sms_gateway: SmsHttpGateway, clerk: User, staff: User
) -> None:
    device = subscribed(push_service, staff)
    instance, _ = flow(clerk, staff)
    act(instance, staff, "approve", opinion="同意")
    run_jobs(later=True)
    assert push_service.for_device(device) == []
    assert sms_gateway.requests == []
    errors = set(Delivery.objects.filter(notification__user=staff).values_list("error", flat=True))
    assert errors == {"事项已办结"}


def test_moving_the_deadline_moves_the_reminders(
    push_service: PushService, sms_gateway: SmsHttpGateway, clerk: User, staff: User
) -> None:
    device = subscribed(push_service, staff)
    _, task = flow(clerk, staff)
    old_due = task.due_at
    assert old_due is not None
    new_due = old_due + timedelta(days=1)

    with pytest.raises(PermissionDenied):
        task_deadline_set(actor=staff, task_id=task.pk, due_at=new_due)
    with pytest.raises(InvalidInput) as error:
        task_deadline_set(actor=clerk, task_id=task.pk, due_at=timezone.now())
    assert error.value.code == "invalid_deadline"
    task_deadline_set(actor=clerk, task_id=task.pk, due_at=new_due)

    old = Delivery.objects.filter(notification__dedup_key__contains=f":{int(old_due.timestamp())}:")
    assert set(old.values_list("state", "error_code")) == {("skipped", "cancelled")}
    fresh = Notification.objects.filter(
        user=staff, dedup_key__contains=f":{int(new_due.timestamp())}:"
    )
    assert fresh.count() == 2
    assert {d.next_attempt_at for d in Delivery.objects.filter(notification__in=fresh)} == {
        new_due - timedelta(hours=24),
        new_due - timedelta(hours=2),
    }
    checks = DBTaskResult.objects.filter(task_path="backend.workflow.tasks.task_deadline_check")
    assert sorted(j.run_after for j in checks) == [old_due, new_due]

    run_jobs(later=True)
    assert len(push_service.for_device(device)) == 2  # the new pair only
    assert len(sms_gateway.accepted) == 1
    # The job at the old due time found the task not due: not overdue.
    task.refresh_from_db()
    assert task.overdue_at is None
    assert not Notification.objects.filter(kind="overdue").exists()


def test_a_reminder_that_escaped_cancelling_is_skipped_when_it_runs(
    push_service: PushService, clerk: User, staff: User
) -> None:
    device = subscribed(push_service, staff)
    _, task = flow(clerk, staff)
    # The deadline changed behind the reminders' back (no cancel): the check at job time holds.
    Task.objects.filter(pk=task.pk).update(due_at=task.due_at + timedelta(hours=5))  # type: ignore[operator]
    run_jobs(later=True)
    assert push_service.for_device(device) == []
    assert set(
        Delivery.objects.filter(notification__user=staff).values_list("error", flat=True)
    ) == {"办理时限已变更"}


def test_overdue_tells_the_handler_and_texts_their_leader(
    push_service: PushService,
    sms_gateway: SmsHttpGateway,
    clerk: User,
    staff: User,
    director: User,
) -> None:
    leader_phone = subscribed(push_service, director)
    instance, task = flow(clerk, staff, hours=1)
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert deadline_check(task.pk)
    assert reminders_of(staff)[-1] == ("overdue", "overdue")
    assert reminders_of(director) == [("overdue-leader", "overdue")]
    run_jobs(later=True)
    [got] = push_service.for_device(leader_phone)
    assert got.payload["title"] == "张三(【超期提醒】测试流程)"
    assert got.payload["body"].startswith("张三的待办已超过办理时限")
    texts = [(s["mobile"], s["templateId"]) for s in sms_gateway.accepted]
    assert (director.mobile, "ZT_OVERDUE") in texts
    # Asked again (a duplicate job, a retry): nothing new.
    task.refresh_from_db()
    reminders.overdue(task, instance)
    assert not deadline_check(task.pk)
    assert Notification.objects.filter(kind="overdue").count() == 2


def test_a_crashed_sms_reminder_is_not_sent_twice(
    sms_gateway: SmsHttpGateway, clerk: User, staff: User, settings: object
) -> None:
    flow(clerk, staff)
    [sms] = Delivery.objects.filter(notification__user=staff, channel="sms")
    # A worker took it and died after handing it to the provider: the row is left `sending`.
    run_jobs(later=True)
    assert len(sms_gateway.accepted) == 1
    Delivery.objects.filter(pk=sms.pk).update(
        state=Delivery.State.SENDING, updated_at=timezone.now() - timedelta(hours=1)
    )
    push.deliveries_resume()
    run_jobs(later=True)
    assert len(sms_gateway.accepted) == 1
    sms.refresh_from_db()
    assert sms.state == Delivery.State.UNCERTAIN
    # The same reminder asked for again (the opening transaction retried) exists once.
    task = Task.objects.get(assignee=staff)
    reminders.schedule(task, task.instance, now=timezone.now())
    assert Notification.objects.filter(user=staff, kind="deadline").count() == 2


def test_a_submitted_approval_reminds_its_handler_by_name(staff: User, director: User) -> None:
    approval = approvals.approval_submit(
        actor=staff, template_id=template(staff, "leave").pk, form=leave_form(), client_id="c1"
    )
    # 部门负责人审批 has 24 h: only the 2 h reminder is ahead.
    [two] = Notification.objects.filter(user=director, kind="deadline")
    assert two.title == "【即将到期】张三的请假申请"
    assert two.url == f"/approvals/{approval.pk}"
