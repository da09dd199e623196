"""The real worker command (`manage.py db_worker`) runs the stored delivery jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import task_backends

from backend.directory.models import User
from push import services
from push.models import Delivery
from tests.push.conftest import subscribed
from tests.push.servers import PushService


@pytest.mark.django_db(transaction=True)
def test_db_worker_delivers_what_a_committed_change_enqueued(
    push_service: PushService, staff: User
) -> None:
    device = subscribed(push_service, staff)
    with transaction.atomic():
        services.notify([staff.pk], kind="todo", title="请假申请待审批", url="/approvals/9")
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)
    [got] = push_service.for_device(device)
    assert got.payload["title"] == "请假申请待审批"
    assert got.headers["urgency"] == "high"
    assert Delivery.objects.get().state == Delivery.State.SENT


@pytest.mark.django_db(transaction=True)
def test_a_backend_that_cannot_defer_leaves_later_jobs_to_push_resume(
    settings: Any, staff: User
) -> None:
    """The browser tests' immediate back end: a 5-minute escalation is not sent at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert not task_backends["default"].supports_defer
    later = timezone.now() + timedelta(minutes=5)
    with transaction.atomic():
        services.notify(
            [staff.pk],
            kind="urgent",
            title="防汛紧急通知",
            push=False,
            sms_params={"sender": "王建国", "conversation": "防汛群"},
            not_before=later,
        )
    [delivery] = Delivery.objects.all()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.next_attempt_at == later
