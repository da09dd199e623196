"""Web push end to end over loopback: notify → job → pywebpush → the local push service."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from backend.directory.models import User
from push import selectors, services, vapid
from push.models import Delivery, LockScreen, Notification, PushSubscription
from tests.push.conftest import deliveries, run_jobs, subscribe, subscribed
from tests.push.servers import PushService

pytestmark = pytest.mark.django_db


def _message(to: User, **extra: Any) -> list[Notification]:
    return services.notify(
        [to.pk],
        kind="message",
        title="秘书科工作群",
        body="请于今天下午三点前报送材料",
        sender_name="王建国",
        url="/chat/12",
        tag="conv:12",
        **extra,
    )


@pytest.mark.parametrize(
    ("lock_screen", "title", "body"),
    [
        (LockScreen.FULL, "王建国(秘书科工作群)", "请于今天下午三点前报送材料"),
        (LockScreen.SENDER, "王建国", "发来一条新消息"),
        (LockScreen.HIDDEN, "政通", "您有一条新消息"),
    ],
)
def test_payload_shows_only_what_the_lock_screen_setting_allows(
    push_service: PushService, staff: User, lock_screen: str, title: str, body: str
) -> None:
    services.settings_update(actor=staff, changes={"lock_screen": lock_screen})
    device = subscribed(push_service, staff)
    [notification] = _message(staff)

    assert run_jobs() == 1

    [got] = push_service.for_device(device)
    assert got.payload["title"] == title
    assert got.payload["body"] == body
    assert got.payload["url"] == "/chat/12"
    assert got.payload["tag"] == "conv:12"
    assert got.payload["id"] == notification.pk
    encrypted_wire = json.dumps(got.payload, ensure_ascii=False)
    if lock_screen != LockScreen.FULL:
        assert "报送材料" not in encrypted_wire
    # Headers by kind: a chat message collapses per conversation.
    assert got.headers["urgency"] == "normal"
    assert got.headers["ttl"] == "86400"
    assert got.headers["topic"] == services.webpush.topic_for("conv:12")
    assert len(got.headers["topic"]) <= 32
    # The JWT was signed by our VAPID key, for this push service's origin.
    assert got.vapid_key == vapid.keys().public_key
    assert got.claims["aud"] == push_service.origin
    [delivery] = deliveries(staff, "push")
    assert (delivery.state, delivery.attempts) == (Delivery.State.SENT, 1)
    assert PushSubscription.objects.get().last_success_at is not None


def test_urgent_kind_is_high_urgency_and_not_collapsed(
    push_service: PushService, staff: User
) -> None:
    device = subscribed(push_service, staff)
    services.notify(
        [staff.pk], kind="urgent", title="防汛紧急通知", sender_name="王建国", tag="conv:3"
    )
    run_jobs()
    [got] = push_service.for_device(device)
    assert got.headers["urgency"] == "high"
    assert "topic" not in got.headers
    assert got.payload["urgent"] is True


def test_every_device_of_the_person_gets_it(push_service: PushService, staff: User) -> None:
    phone, laptop = push_service.new_device(), push_service.new_device()
    subscribe(staff, phone)
    subscribe(staff, laptop)
    _message(staff)
    run_jobs()
    assert len(push_service.for_device(phone)) == len(push_service.for_device(laptop)) == 1


def test_gone_subscription_is_removed(push_service: PushService, staff: User) -> None:
    device = subscribed(push_service, staff)
    push_service.answer_next(device, 410)
    _message(staff)
    run_jobs()
    assert not PushSubscription.objects.exists()
    [delivery] = deliveries(staff, "push")
    assert delivery.state == Delivery.State.FAILED
    assert delivery.error_code == "subscription_gone"
    assert "已失效并移除" in delivery.error


def test_unknown_endpoint_404_is_pruned_too(push_service: PushService, staff: User) -> None:
    subscribed(push_service, staff)
    push_service.devices.clear()  # the push service forgot it: 404
    _message(staff)
    run_jobs()
    assert not PushSubscription.objects.exists()


def test_5xx_and_429_are_retried_with_backoff_then_succeed(
    push_service: PushService, staff: User
) -> None:
    device = subscribed(push_service, staff)
    push_service.answer_next(device, 500, 429)
    _message(staff)

    run_jobs()
    [delivery] = deliveries(staff, "push")
    assert delivery.state == Delivery.State.RETRY
    assert delivery.next_attempt_at is not None
    assert run_jobs() == 0  # not before the back-off has passed

    run_jobs(later=True)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.RETRY, 2)

    run_jobs(later=True)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.SENT, 3)
    assert len(push_service.for_device(device)) == 1


def test_retry_skips_devices_already_reached(push_service: PushService, staff: User) -> None:
    phone, laptop = push_service.new_device(), push_service.new_device()
    subscribe(staff, phone)
    subscribe(staff, laptop)
    push_service.answer_next(laptop, 503)
    _message(staff)
    run_jobs()
    run_jobs(later=True)
    assert len(push_service.for_device(phone)) == 1
    assert len(push_service.for_device(laptop)) == 1
    assert deliveries(staff, "push")[0].state == Delivery.State.SENT


def test_gives_up_after_max_attempts(push_service: PushService, staff: User, settings: Any) -> None:
    settings.ZT_DELIVERY_MAX_ATTEMPTS = 2
    device = subscribed(push_service, staff)
    push_service.answer_next(device, 502, 502, 502)
    _message(staff)
    run_jobs()
    run_jobs(later=True)
    assert run_jobs(later=True) == 0
    [delivery] = deliveries(staff, "push")
    assert delivery.state == Delivery.State.FAILED
    assert "重试2次后仍失败" in delivery.error


def test_person_without_device_is_logged_as_skipped(staff: User) -> None:
    _message(staff)
    run_jobs()
    [delivery] = deliveries(staff, "push")
    assert delivery.state == Delivery.State.SKIPPED
    assert delivery.error_code == "no_device"


def test_dedup_key_makes_notify_idempotent(push_service: PushService, staff: User) -> None:
    device = subscribed(push_service, staff)
    assert len(_message(staff, dedup_key="approval:7:due24h")) == 1
    assert _message(staff, dedup_key="approval:7:due24h") == []
    run_jobs()
    assert len(push_service.for_device(device)) == 1


def test_rolled_back_change_leaves_no_notification_and_no_job(staff: User) -> None:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    with pytest.raises(RuntimeError), transaction.atomic():
        _message(staff)
        raise RuntimeError("the causing change failed")
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_vapid_keys_command_prints_a_usable_pair() -> None:
    out = StringIO()
    call_command("vapid_keys", stdout=out, stderr=StringIO())
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    private, public = lines["ZT_VAPID_PRIVATE_KEY"], lines["ZT_VAPID_PUBLIC_KEY"]
    assert vapid.public_of(private) == public
    assert len(vapid.b64url_decode(public)) == 65


def test_embedded_default_creates_the_pair_once_and_keeps_it(settings: Any) -> None:
    first = vapid.keys()
    assert settings.ZT_VAPID_KEY_FILE.exists()
    assert oct(settings.ZT_VAPID_KEY_FILE.stat().st_mode & 0o777) == "0o600"
    vapid._keys.cache_clear()  # a restarted process reads the same file
    assert vapid.keys() == first


def test_keys_from_settings_win(settings: Any) -> None:
    private, public = vapid.generate_pair()
    settings.ZT_VAPID_PRIVATE_KEY = private
    assert vapid.keys().public_key == public
    assert not settings.ZT_VAPID_KEY_FILE.exists()


def test_settings_default_until_changed(staff: User) -> None:
    defaults = selectors.settings_get(user_id=staff.pk)
    assert defaults.pk is None
    assert (defaults.lock_screen, str(defaults.quiet_start), str(defaults.quiet_end)) == (
        "full",
        "22:00:00",
        "07:00:00",
    )
