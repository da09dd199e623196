"""加急 (DING): pushed at once through quiet hours, SMS to whoever has not read it after
five minutes (none to who read it), the sender's reached/unread view and 再次提醒."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backend.common.errors import InvalidInput, NotFound, PermissionDenied
from backend.directory.models import User
from push import services as push
from push.models import Delivery
from realtime import selectors as chat_selectors
from realtime import services as chat
from realtime.events import SentEvent
from realtime.models import Conversation, Message
from tests.conftest import events_of
from tests.mobile_api.conftest import _responses_match_the_schema  # noqa: F401 - autouse
from tests.push.conftest import deliveries, run_jobs, subscribe
from tests.push.servers import Device, PushService, SmsHttpGateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(director: User, clerk: User, staff: User) -> Conversation:
    return chat.group_create(actor=director, name="防汛工作群", member_ids=[clerk.pk, staff.pk])


@pytest.fixture
def phones(push_service: PushService, clerk: User, staff: User) -> dict[str, Device]:
    devices = {"李秀英": push_service.new_device(), "张三": push_service.new_device()}
    subscribe(clerk, devices["李秀英"])
    subscribe(staff, devices["张三"])
    return devices


def notice_message(director: User, group: Conversation) -> Message:
    message, _ = chat.message_send(
        actor=director, conversation_id=group.pk, text="今晚20时前上报水情"
    )
    return message


def quiet_now(user: User) -> None:
    """Put `user` inside quiet hours right now (the suite's clock is 12:xx local)."""
    push.settings_update(
        actor=user, changes={"quiet_start": dt.time(11, 0), "quiet_end": dt.time(14, 0)}
    )


def sms_of(user: User) -> Delivery:
    [row] = [d for d in deliveries(user, "sms") if d.notification.kind == "urgent"]
    return row


def test_urgent_is_pushed_at_once_and_texted_to_the_unread_after_five_minutes(
    push_service: PushService,
    sms_gateway: SmsHttpGateway,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    clerk: User,
    staff: User,
    events: list[SentEvent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    quiet_now(staff)  # 加急 is not held by quiet hours
    message = notice_message(director, group)
    with django_capture_on_commit_callbacks(execute=True):
        notice = chat.message_urge(actor=director, message_id=message.pk, channels=["sms", "ring"])
    assert sorted(notice.recipient_ids) == sorted([clerk.pk, staff.pk])

    run_jobs()  # only what is due now: the pushes
    for name in ("李秀英", "张三"):
        [got] = push_service.for_device(phones[name])
        assert got.payload["kind"] == "urgent"
        assert got.payload["urgent"] is True
        assert got.payload["body"] == "【加急】今晚20时前上报水情"
        assert got.headers["urgency"] == "high"
    assert sms_gateway.requests == []
    escalation = sms_of(staff)
    assert escalation.state == Delivery.State.PENDING
    assert escalation.next_attempt_at == notice.sms_after
    assert notice.sms_after is not None
    assert abs((notice.sms_after - notice.created_at).total_seconds() - 300) < 1
    # The open app rings.
    [ring] = events_of(events, "message.urgent")
    assert set(ring.user_ids) == {clerk.pk, staff.pk}
    assert ring.event["data"]["ring"] is True

    chat.conversation_mark_read(actor=clerk, conversation_id=group.pk, seq=message.seq)
    run_jobs(later=True)  # five minutes later

    [sms] = sms_gateway.accepted
    assert sms["mobile"] == staff.mobile
    assert sms["templateId"] == "ZT_URGENT"
    assert sms["params"] == {"sender": "王建国", "conversation": "防汛工作群"}
    assert sms_of(staff).state == Delivery.State.SENT
    read_in_time = sms_of(clerk)
    assert (read_in_time.state, read_in_time.error) == (Delivery.State.SKIPPED, "已读")


def test_no_sms_channel_means_push_only(
    phones: dict[str, Device], group: Conversation, director: User, staff: User
) -> None:
    message = notice_message(director, group)
    notice = chat.message_urge(actor=director, message_id=message.pk, channels=["app"])
    assert notice.sms_after is None
    assert deliveries(staff, "sms") == []


def test_only_the_sender_may_urge_their_own_message(
    group: Conversation, director: User, clerk: User
) -> None:
    message = notice_message(director, group)
    with pytest.raises(PermissionDenied) as error:
        chat.message_urge(actor=clerk, message_id=message.pk)
    assert error.value.code == "urgent_not_sender"
    with pytest.raises(InvalidInput) as bad:
        chat.message_urge(actor=director, message_id=message.pk, channels=["fax"])
    assert bad.value.code == "invalid_urgent_channel"


def test_urging_twice_is_one_urgent(
    push_service: PushService,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    staff: User,
) -> None:
    message = notice_message(director, group)
    first = chat.message_urge(actor=director, message_id=message.pk)
    again = chat.message_urge(actor=director, message_id=message.pk)
    assert first.pk == again.pk
    run_jobs()
    assert len(push_service.for_device(phones["张三"])) == 1
    # The ordinary chat push of the same message does not follow the urgent one.
    run_jobs(later=True)
    assert len(push_service.for_device(phones["张三"])) == 1
    [chat_push] = [d for d in deliveries(staff, "push") if d.notification.kind == "message"]
    assert chat_push.error == "已通过加急提醒"


def _api(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sender_sees_read_state_and_channels_and_reminds_the_unread(
    push_service: PushService,
    sms_gateway: SmsHttpGateway,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    clerk: User,
    staff: User,
    settings: Any,
) -> None:
    message = notice_message(director, group)
    url = f"/api/v1/messages/{message.pk}/urgent"
    api = _api(director)
    response = api.post(url, {"channels": ["app", "sms"]}, content_type="application/json")
    assert response.status_code == 200, response.json()
    run_jobs()
    chat.conversation_mark_read(actor=clerk, conversation_id=group.pk, seq=message.seq)

    body = api.get(url).json()
    assert (body["read_count"], body["unread_count"]) == (1, 1)
    by_name = {r["user"]["name"]: r for r in body["recipients"]}
    assert by_name["李秀英"]["read"] is True
    assert by_name["张三"]["read"] is False
    assert by_name["张三"]["reached_by"] == ["push"]
    assert [(d["channel"], d["round"], d["state"]) for d in by_name["张三"]["deliveries"]] == [
        ("push", "first", "sent"),
        ("sms", "escalation", "pending"),
    ]

    # Only the sender sees it or reminds.
    denied = _api(clerk).get(url)
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "urgent_not_sender")

    remind = api.post(f"{url}/remind")
    assert remind.json() == {"reminded": 1}
    run_jobs()
    assert len(push_service.for_device(phones["张三"])) == 2
    assert len(push_service.for_device(phones["李秀英"])) == 1
    again = api.post(f"{url}/remind")
    assert (again.status_code, again.json()["error"]["code"]) == (429, "remind_too_often")

    # After the first SMS was due, 再次提醒 texts the unread too.
    settings.ZT_URGENT_REMIND_INTERVAL_SECONDS = 0
    run_jobs(later=True)
    assert len(sms_gateway.accepted) == 1
    from realtime.models import UrgentNotice

    UrgentNotice.objects.filter(message=message).update(
        sms_after=timezone.now() - dt.timedelta(seconds=1)
    )
    assert api.post(f"{url}/remind").json() == {"reminded": 1}
    run_jobs()
    assert len(sms_gateway.accepted) == 2
    body = api.get(url).json()
    [unread] = [r for r in body["recipients"] if not r["read"]]
    assert unread["user"]["name"] == "张三"  # the unread come first
    assert body["recipients"][0] == unread
    rounds = [(d["channel"], d["round"]) for d in unread["deliveries"]]
    assert rounds == [
        ("push", "first"),
        ("sms", "escalation"),
        ("push", "remind"),
        ("push", "remind"),
        ("sms", "remind"),
    ]


def test_a_message_that_is_not_urgent_has_no_status(group: Conversation, director: User) -> None:
    message = notice_message(director, group)
    response = _api(director).get(f"/api/v1/messages/{message.pk}/urgent")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_urgent")


def test_someone_who_cannot_read_the_message_learns_nothing_of_it(
    group: Conversation, director: User, outsider: User
) -> None:
    """A non-member gets the answer for a missing message from every urgent endpoint
    (it was `urgent_not_sender` / `not_a_member`, which told that the message exists)."""
    message = notice_message(director, group)
    chat.message_urge(actor=director, message_id=message.pk, channels=["app"])
    missing = message.pk + 10_000
    for message_id in (message.pk, missing):
        for call in (
            lambda m: chat.message_urge(actor=outsider, message_id=m),
            lambda m: chat.message_urge_remind(actor=outsider, message_id=m),
            lambda m: chat_selectors.urgent_status(viewer=outsider, message_id=m),
        ):
            with pytest.raises(NotFound) as error:
                call(message_id)
            assert error.value.code == "message_not_found"
