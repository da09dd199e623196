"""Quiet hours (免打扰时段): everything but 加急 waits for the window's end, then goes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from backend.directory.models import User
from push import services
from push.models import Delivery, NotificationSettings
from push.quiet import quiet_until
from realtime import services as chat
from tests.push.conftest import deliveries, run_jobs, subscribed
from tests.push.servers import PushService, SmsHttpGateway

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    return dt.datetime(2025, 6, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (at(23, 0), at(7, 0, day=11)),  # evening: until tomorrow morning
        (at(22, 0), at(7, 0, day=11)),  # the start is inside
        (at(6, 59), at(7, 0)),  # early morning: until this morning
        (at(7, 0), None),  # the end is outside
        (at(12, 0), None),
        (at(21, 59), None),
    ],
)
def test_default_window_wraps_midnight(
    settings: object, now: dt.datetime, until: dt.datetime | None
) -> None:
    settings.ZT_QUIET_HOURS_TZ = "Asia/Shanghai"  # type: ignore[attr-defined]
    assert quiet_until(NotificationSettings(), now) == until
    # The same instant given in UTC answers the same.
    utc = now.astimezone(dt.UTC)
    assert quiet_until(NotificationSettings(), utc) == until


def test_a_daytime_window_and_an_empty_one(settings: object) -> None:
    settings.ZT_QUIET_HOURS_TZ = "Asia/Shanghai"  # type: ignore[attr-defined]
    lunch = NotificationSettings(quiet_start=dt.time(12, 0), quiet_end=dt.time(13, 30))
    assert quiet_until(lunch, at(12, 15)) == at(13, 30)
    assert quiet_until(lunch, at(23, 0)) is None
    off = NotificationSettings(quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0))
    assert quiet_until(off, at(3, 0)) is None


def quiet_now(user: User) -> None:
    """The suite's clock is 12:xx local (tests/push/conftest.midday_zone)."""
    services.settings_update(
        actor=user, changes={"quiet_start": dt.time(11, 0), "quiet_end": dt.time(14, 0)}
    )


def window_over(user: User) -> None:
    """What 14:00 does: the person is no longer inside the window."""
    services.settings_update(
        actor=user, changes={"quiet_start": dt.time(10, 0), "quiet_end": dt.time(11, 0)}
    )


def test_a_todo_waits_for_the_end_of_quiet_hours_then_goes(
    push_service: PushService, staff: User
) -> None:
    device = subscribed(push_service, staff)
    quiet_now(staff)
    services.notify([staff.pk], kind="todo", title="您有新的待办: 请假申请", url="/approvals/1")
    run_jobs()
    assert push_service.for_device(device) == []
    [held] = deliveries(staff, "push")
    assert (held.state, held.error_code, held.error) == (
        Delivery.State.PENDING,
        "quiet_hours",
        "免打扰时段，14:00后发送",
    )
    # Its job is stored for the window's end; running it early holds it again.
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).get()
    assert waiting.run_after == held.next_attempt_at
    assert held.next_attempt_at is not None and held.next_attempt_at > timezone.now()
    run_jobs(later=True)
    assert push_service.for_device(device) == []

    window_over(staff)
    run_jobs(later=True)
    [got] = push_service.for_device(device)
    assert got.payload["title"] == "您有新的待办: 请假申请"
    [sent] = deliveries(staff, "push")
    assert (sent.state, sent.error_code) == (Delivery.State.SENT, "")


def test_chat_messages_held_overnight_arrive_as_one_push(
    push_service: PushService, director: User, staff: User
) -> None:
    device = subscribed(push_service, staff)
    quiet_now(staff)
    direct = chat.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
    for text in ("在吗", "明早的会改到九点"):
        chat.message_send(actor=director, conversation_id=direct.pk, text=text)
    run_jobs()
    run_jobs(later=True)  # the coalescing window passed: held by quiet hours
    chat.message_send(actor=director, conversation_id=direct.pk, text="收到请回复")
    run_jobs()
    assert push_service.for_device(device) == []

    window_over(staff)
    run_jobs(later=True)
    [got] = push_service.for_device(device)
    assert got.payload["body"] == "3条新消息 · 收到请回复"


def test_sms_reminders_wait_too_but_urgent_does_not(
    push_service: PushService, sms_gateway: SmsHttpGateway, staff: User
) -> None:
    quiet_now(staff)
    services.notify([staff.pk], kind="deadline", title="即将到期", sms_params={"title": "x"})
    services.notify([staff.pk], kind="urgent", title="加急", sms_params={"sender": "王建国"})
    run_jobs()
    assert [s["templateId"] for s in sms_gateway.accepted] == ["ZT_URGENT"]
    window_over(staff)
    run_jobs(later=True)
    assert [s["templateId"] for s in sms_gateway.accepted] == ["ZT_URGENT", "ZT_DEADLINE"]
