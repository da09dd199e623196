"""A new 待办 (approvals today) is pushed to its assignee at once."""

from __future__ import annotations

import pytest

from backend.approvals import services as approvals
from backend.directory.models import User
from backend.workflow.services import ActParams
from push.models import Notification
from tests.approvals.test_services import leave_form, template
from tests.push.conftest import run_jobs, subscribed
from tests.push.servers import PushService

pytestmark = pytest.mark.django_db


def test_a_new_approval_task_is_pushed_at_once(
    push_service: PushService, staff: User, director: User
) -> None:
    device = subscribed(push_service, director)
    approval = approvals.approval_submit(
        actor=staff, template_id=template(staff, "leave").pk, form=leave_form(), client_id="c1"
    )
    run_jobs()  # no waiting: due now
    [got] = push_service.for_device(device)
    assert got.payload["kind"] == "todo"
    assert got.payload["title"] == "您有新的待办: 张三的请假申请"
    assert got.payload["body"] == "请假 · 部门负责人审批 · 待您审批"
    assert got.payload["url"] == f"/approvals/{approval.pk}"
    assert got.headers["urgency"] == "high"
    # The 审批助手 card in chat is not a chat message: no second push for it.
    assert Notification.objects.filter(user=director).exclude(kind="deadline").count() == 1


def test_a_returned_request_is_a_new_todo_for_its_initiator(
    push_service: PushService, staff: User, director: User
) -> None:
    device = subscribed(push_service, staff)
    approval = approvals.approval_submit(
        actor=staff, template_id=template(staff, "leave").pk, form=leave_form(), client_id="c1"
    )
    approvals.approval_act(
        actor=director,
        approval_id=approval.pk,
        action="return",
        params=ActParams(opinion="请补充材料"),
    )
    run_jobs()
    [got] = push_service.for_device(device)
    assert got.payload["title"] == "您有新的待办: 张三的请假申请"
    assert got.payload["body"] == "请假 · 已退回，待重新提交"
