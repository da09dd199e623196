"""REST for the rules' administration: moving an approval step's deadline, and a unit
administrator's view of the delivery log (only people of their unit)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backend.approvals.models import Approval
from backend.audit.models import AuditEntry
from backend.directory.models import User
from backend.workflow.models import Task
from push import services as push
from push.models import Delivery, Notification
from tests.approvals.test_services import submit
from tests.mobile_api.conftest import (
    _responses_match_the_schema,  # noqa: F401 - autouse
    error_of,
)

pytestmark = pytest.mark.django_db

ADMIN_LOG = "/api/v1/admin/deliveries"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- deadlines -------------------------------------------------------------------------


def deadline_url(approval: Approval, task: Task) -> str:
    return f"/api/v1/approvals/{approval.pk}/tasks/{task.pk}/deadline"


def open_task(approval: Approval) -> Task:
    return Task.objects.get(instance_id=approval.instance_id, state=Task.State.PENDING)


def pending_reminders(user: User) -> list[str]:
    return sorted(
        Notification.objects.filter(user=user, kind="deadline")
        .exclude(deliveries__state=Delivery.State.SKIPPED)
        .values_list("dedup_key", flat=True)
    )


def test_the_initiator_moves_a_deadline_and_the_reminders_follow(
    staff: User, director: User
) -> None:
    approval = submit(staff)
    task = open_task(approval)
    assert task.assignee_id == director.pk
    new_due = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    response = signed_in(staff).post(
        deadline_url(approval, task),
        {"due_at": new_due.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    [shown] = [t for step in body["route"] for t in step["tasks"] if t["id"] == task.pk]
    assert shown["due_at"] is not None
    task.refresh_from_db()
    assert task.due_at == new_due
    due = int(new_due.timestamp())
    assert pending_reminders(director) == [
        f"wf-task:{task.pk}:{due}:due24h",
        f"wf-task:{task.pk}:{due}:due2h",
    ]
    assert [h["action"] for h in body["history"]][-1] == "deadline"
    assert AuditEntry.objects.filter(action="workflow.deadline_set", actor=staff).exists()


@pytest.mark.parametrize(
    ("who", "shift", "expected"),
    [
        ("director", timedelta(days=1), (403, "not_initiator")),
        ("staff", timedelta(hours=-1), (400, "invalid_deadline")),
        ("outsider", timedelta(days=1), (404, "approval_not_found")),
    ],
)
def test_moving_a_deadline_is_refused_with_a_clear_code(
    staff: User,
    director: User,
    outsider: User,
    who: str,
    shift: timedelta,
    expected: tuple[int, str],
) -> None:
    approval = submit(staff)
    task = open_task(approval)
    before = task.due_at
    actor = {"staff": staff, "director": director, "outsider": outsider}[who]
    due = (timezone.now() + shift).isoformat()
    response = signed_in(actor).post(
        deadline_url(approval, task), {"due_at": due}, content_type="application/json"
    )
    assert error_of(response) == expected
    task.refresh_from_db()
    assert task.due_at == before


def test_a_task_of_another_request_or_a_closed_one_is_refused(staff: User, director: User) -> None:
    first, second = submit(staff), submit(staff)
    body = {"due_at": (timezone.now() + timedelta(days=2)).isoformat()}
    client = signed_in(staff)
    response = client.post(
        deadline_url(first, open_task(second)), body, content_type="application/json"
    )
    assert error_of(response) == (404, "task_not_found")
    task = open_task(first)
    signed_in(director).post(
        f"/api/v1/approvals/{first.pk}/actions",
        {"action": "approve", "task_id": task.pk},
        content_type="application/json",
    )
    response = client.post(deadline_url(first, task), body, content_type="application/json")
    assert error_of(response) == (409, "task_closed")
    response = client.post(
        deadline_url(second, open_task(second)), {}, content_type="application/json"
    )
    assert error_of(response) == (400, "invalid")


# --- the administrator's delivery log --------------------------------------------------------


def tell(*people: User, sms: bool = False) -> None:
    for person in people:
        push.notify(
            [person.pk],
            kind="deadline",
            title=f"给{person.name}的提醒",
            sms_params={"title": "请假", "due": "明天"} if sms else None,
        )


def test_a_unit_admin_sees_the_log_of_their_units_people_only(
    director: User, clerk: User, staff: User, outsider: User
) -> None:
    tell(clerk, staff, outsider, sms=True)
    response = signed_in(director).get(ADMIN_LOG)
    assert response.status_code == 200
    items = response.json()["items"]
    assert {i["user"]["name"] for i in items} == {clerk.name, staff.name}
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    [sms] = [i for i in items if i["channel"] == "sms" and i["user"]["id"] == staff.pk]
    assert sms["target"] == f"{staff.mobile[:3]}****{staff.mobile[-4:]}"
    assert sms["state"] == "pending" and sms["state_label"] == "待发送"
    assert response.json()["has_more"] is False


def test_filters_by_person_channel_state_and_pages(
    director: User, clerk: User, staff: User
) -> None:
    tell(clerk, staff, sms=True)
    tell(staff)
    client = signed_in(director)
    only = client.get(ADMIN_LOG, {"user": staff.pk, "channel": "push"}).json()["items"]
    assert len(only) == 2
    assert {(i["user"]["id"], i["channel"]) for i in only} == {(staff.pk, "push")}
    Delivery.objects.filter(pk=only[0]["id"]).update(state=Delivery.State.SENT)
    sent = client.get(ADMIN_LOG, {"state": "sent"}).json()["items"]
    assert [i["id"] for i in sent] == [only[0]["id"]]
    older = client.get(ADMIN_LOG, {"before": only[0]["id"]}).json()["items"]
    assert all(i["id"] < only[0]["id"] for i in older)
    assert len(older) == Delivery.objects.filter(pk__lt=only[0]["id"]).count()


def test_the_page_is_fifty_and_costs_the_same_queries(
    director: User, staff: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(60):
        tell(staff)
    client = signed_in(director)
    with django_assert_max_num_queries(8):
        body = client.get(ADMIN_LOG).json()
    assert (len(body["items"]), body["has_more"]) == (50, True)


def test_who_may_not_and_bad_filters(
    director: User, staff: User, outsider: User, finance_head: User
) -> None:
    assert error_of(signed_in(staff).get(ADMIN_LOG)) == (403, "not_delivery_admin")
    response = signed_in(director).get(ADMIN_LOG, {"user": outsider.pk})
    assert error_of(response) == (403, "person_not_in_unit")
    for bad in ({"channel": "fax"}, {"state": "lost"}, {"user": "x"}, {"before": 0}):
        assert error_of(signed_in(director).get(ADMIN_LOG, bad)) == (400, "invalid")
    assert error_of(Client().get(ADMIN_LOG)) == (401, "not_authenticated")
