"""Fixtures of the push suites: the local push service, SMS gateways and a job runner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from backend.directory.models import User
from push import services, sms
from push.models import Delivery, PushSubscription
from tests.push.servers import (
    AliyunSms,
    Device,
    PushService,
    Scripted,
    SmsHttpGateway,
    TencentSms,
)


@pytest.fixture(autouse=True)
def push_settings(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Loopback endpoints allowed, a fresh VAPID pair per test, quick back-off."""
    settings.ZT_PUSH_ALLOW_HTTP_LOOPBACK = True
    settings.ZT_VAPID_PRIVATE_KEY = ""
    settings.ZT_VAPID_PUBLIC_KEY = ""
    settings.ZT_VAPID_KEY_FILE = tmp_path / "vapid.json"
    settings.ZT_SMS_GATEWAY = "console"
    settings.ZT_DELIVERY_BACKOFF_SECONDS = 30.0
    settings.ZT_QUIET_HOURS_TZ = midday_zone()
    sms.reset()
    yield
    sms.reset()


def midday_zone(now: datetime | None = None) -> str:
    """A fixed-offset zone where it is now between 12:00 and 13:00.

    Quiet hours (default 22:00–07:00) are wall-clock: pinning the zone keeps
    every test outside them whenever the suite runs; quiet-hour tests set a
    person's window around this local time instead.
    """
    hour = (now or timezone.now()).astimezone(UTC).hour
    offset = 12 - hour  # -11 … +12; Etc/GMT signs are inverted (Etc/GMT-8 = UTC+8)
    return f"Etc/GMT{-offset:+d}"


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


G = TypeVar("G", bound=Scripted)


def _gateway(settings: Any, fake: G, name: str, *, timeout: float, **values: object) -> Iterator[G]:
    """Point `push.sms` at the local `fake` (`ZT_SMS_GATEWAY = name`, then
    `ZT_SMS_<NAME>_<key>` for each of `values`), yield it, and shut it down after the test."""
    settings.ZT_SMS_GATEWAY = name
    for key, value in values.items():
        setattr(settings, f"ZT_SMS_{name.upper()}_{key}", value)
    settings.ZT_SMS_TIMEOUT_SECONDS = timeout
    sms.reset()
    yield fake
    fake.close()


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[SmsHttpGateway]:
    gateway = SmsHttpGateway()
    headers = {"X-Api-Key": "test-key"}
    url = f"{gateway.origin}/sms/send"
    yield from _gateway(settings, gateway, "http", timeout=1.0, URL=url, HEADERS=headers)


@pytest.fixture
def tencent(settings: Any) -> Iterator[TencentSms]:
    fake = TencentSms()
    yield from _gateway(
        settings,
        fake,
        "tencent",
        timeout=2.0,
        SECRET_ID="AKIDtest",
        SECRET_KEY="secret",
        APP_ID="1400000000",
        ENDPOINT=fake.host,
        PROTOCOL="http",
    )


@pytest.fixture
def aliyun(settings: Any) -> Iterator[AliyunSms]:
    fake = AliyunSms()
    yield from _gateway(
        settings,
        fake,
        "aliyun",
        timeout=2.0,
        ACCESS_KEY_ID="LTAItest",
        ACCESS_KEY_SECRET="secret",
        ENDPOINT=fake.host,
        PROTOCOL="http",
    )


def subscribe(user: User, device: Device) -> PushSubscription:
    keys = device.as_json()["keys"]
    return services.subscription_save(
        actor=user,
        data=services.SubscriptionInput(
            endpoint=device.endpoint, p256dh=keys["p256dh"], auth=keys["auth"], user_agent="test"
        ),
    )


def subscribed(push_service: PushService, user: User) -> Device:
    """A new device of the local push service, subscribed for `user`."""
    device = push_service.new_device()
    subscribe(user, device)
    return device


def run_jobs(*, later: bool = False) -> int:
    """Run the stored jobs that are due, as the worker would; `later` = the back-off passed.

    (The real `db_worker` closes connections between jobs, which a test's
    transaction cannot survive; this runs the same rows through the same task.)
    """
    if later:
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
            run_after=timezone.now() - timedelta(seconds=1)
        )
    ran = 0
    while row := DBTaskResult.objects.ready().order_by("enqueued_at", "id").first():
        row.claim("test-worker")
        result = row.task_result
        row.task.call(*result.args, **result.kwargs)
        row.set_successful(None)
        ran += 1
    return ran


def deliveries(user: User, channel: str) -> list[Delivery]:
    return list(Delivery.objects.filter(notification__user=user, channel=channel).order_by("pk"))
