"""加急 in message payloads: history (REST, batch-loaded), resume and the live frames, and the
WebSocket `send` that sends and urges in one command."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backend.directory.models import User
from push.models import Delivery, Notification
from realtime import services as chat
from realtime.events import capture_events
from realtime.models import Conversation, Message, UrgentNotice
from tests.mobile_api.conftest import _responses_match_the_schema  # noqa: F401 - autouse
from tests.realtime.conftest import _frames_match_their_models  # noqa: F401 - autouse
from tests.realtime.test_consumer import command, command_collect, connect, next_event

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def group(director: User, clerk: User, staff: User) -> Conversation:
    return chat.group_create(actor=director, name="防汛工作群", member_ids=[clerk.pk, staff.pk])


def send(director: User, group: Conversation, *, urgent: bool) -> Message:
    message, _ = chat.message_send(actor=director, conversation_id=group.pk, text="请上报水情")
    if urgent:
        chat.message_urge(actor=director, message_id=message.pk, channels=["sms", "ring"])
    return message


def test_a_history_page_carries_urgent_marks_at_the_same_cost_for_two_and_eight(
    director: User, clerk: User, group: Conversation
) -> None:
    reader = signed_in(clerk)

    def history() -> tuple[int, list[dict[str, Any]]]:
        with CaptureQueriesContext(connection) as captured:
            response = reader.get(f"/api/v1/conversations/{group.pk}/messages")
        assert response.status_code == 200
        return len(captured), response.json()["messages"]

    for urgent in (True, False):
        send(director, group, urgent=urgent)
    few, messages = history()
    for urgent in (True, False) * 3:
        send(director, group, urgent=urgent)
    many, messages = history()

    texts = [m for m in messages if m["kind"] == "text"]
    assert len(texts) == 8
    marks = [m["urgent"] for m in texts]
    assert [mark is not None for mark in marks] == [True, False] * 4
    first = UrgentNotice.objects.order_by("pk").first()
    assert first is not None
    assert marks[0] == {
        "channels": ["app", "sms", "ring"],
        "by": director.pk,
        "at": first.created_at.isoformat(),
    }
    assert all(m["urgent"] is None for m in messages if m["kind"] == "system")
    assert many == few


def test_a_recalled_urgent_message_shows_no_mark(
    director: User, clerk: User, group: Conversation
) -> None:
    message = send(director, group, urgent=True)
    chat.message_recall(actor=director, message_id=message.pk)
    response = signed_in(clerk).get(f"/api/v1/conversations/{group.pk}/messages")
    [shown] = [m for m in response.json()["messages"] if m["id"] == message.pk]
    assert shown["recalled"] is True
    assert shown["urgent"] is None


def test_send_urgent_stores_message_notice_and_escalation_in_one_transaction(
    director: User, clerk: User, staff: User, group: Conversation
) -> None:
    with capture_events() as sent:
        message, created = chat.message_send_urgent(
            actor=director, conversation_id=group.pk, text="今晚20时前上报", channels=["sms"]
        )
    assert created
    notice = UrgentNotice.objects.get(message=message)
    assert notice.channels == ["app", "sms"]
    assert sorted(notice.recipient_ids) == sorted([clerk.pk, staff.pk])
    keys = set(Notification.objects.values_list("dedup_key", flat=True))
    assert keys == {f"urgent:msg:{message.pk}", f"urgent:msg:{message.pk}:sms"}
    names = [e.event["event"] for e in sent]
    assert names.index("message.new") < names.index("message.urgent")
    [ring] = [e for e in sent if e.event["event"] == "message.urgent"]
    assert ring.event["data"]["urgent"]["channels"] == ["app", "sms"]
    assert sorted(ring.user_ids) == sorted([clerk.pk, staff.pk])


def test_send_urgent_with_a_bad_channel_stores_nothing(director: User, group: Conversation) -> None:
    before = Message.objects.count()
    with pytest.raises(Exception) as caught:
        chat.message_send_urgent(
            actor=director, conversation_id=group.pk, text="上报", channels=["fax"]
        )
    assert getattr(caught.value, "code", "") == "invalid_urgent_channel"
    assert Message.objects.count() == before
    assert not Delivery.objects.exists()


async def test_the_send_frame_sends_and_urges_in_one_command(
    director: User, clerk: User, group: Conversation
) -> None:
    boss = await connect(director)
    member = await connect(clerk)
    for comm in (boss, member):
        await command(comm, {"type": "resume", "id": "r", "positions": {}})
    frame = {
        "type": "send",
        "id": "s1",
        "conversation_id": group.pk,
        "client_id": "u-1",
        "text": "防汛紧急通知",
        "urgent": {"channels": ["app", "sms"]},
    }
    ack = await command(boss, frame)
    assert ack["type"] == "ack", ack
    mark = ack["data"]["message"]["urgent"]
    assert mark["channels"] == ["app", "sms"]
    assert mark["by"] == director.pk
    new = await next_event(member, "message.new")
    assert new["message"]["urgent"] is None  # built before the mark; message.urgent follows
    ring = await next_event(member, "message.urgent")
    assert ring["data"]["message_id"] == ack["data"]["message"]["id"]
    assert ring["data"]["urgent"] == mark

    again = await command(boss, frame)  # a retry: the same message, the same mark
    assert again["data"]["duplicate"] is True
    assert again["data"]["message"]["urgent"] == mark
    count = await database_sync_to_async(UrgentNotice.objects.count)()
    assert count == 1

    resumed = await connect(clerk)
    _, replayed = await command_collect(
        resumed, {"type": "resume", "id": "r", "positions": {str(group.pk): 0}}
    )
    [text] = [f["message"] for f in replayed if f.get("message", {}).get("kind") == "text"]
    assert text["urgent"] == mark
    for comm in (boss, member, resumed):
        await comm.disconnect()


@pytest.mark.parametrize(
    ("urgent", "code"),
    [
        ("sms", "invalid_field"),
        ({"channels": "sms"}, "invalid_field"),
        ({"channels": ["sms", 3]}, "invalid_field"),
        ({"channels": ["fax"]}, "invalid_urgent_channel"),
    ],
)
async def test_a_bad_urgent_on_send_is_refused_and_sends_nothing(
    director: User, group: Conversation, urgent: Any, code: str
) -> None:
    boss = await connect(director)
    frame = {"type": "send", "id": "s", "conversation_id": group.pk, "text": "x", "urgent": urgent}
    reply = await command(boss, frame)
    assert (reply["type"], reply["code"]) == ("error", code)
    texts = await database_sync_to_async(Message.objects.filter(kind="text").count)()
    assert texts == 0
    await boss.disconnect()
