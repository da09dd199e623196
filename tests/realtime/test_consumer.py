"""The WebSocket consumer through Channels' WebsocketCommunicator (in-memory layer)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client

from backend.asgi import application
from backend.common.errors import InvalidInput
from realtime import cards, services
from tests.realtime.conftest import registered

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def connect(user: Any) -> WebsocketCommunicator:
    ticket = await database_sync_to_async(services.ws_ticket_issue)(actor=user)
    comm = WebsocketCommunicator(application, f"/ws/v1/?ticket={ticket.key}", headers=[ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    hello = await comm.receive_json_from()
    assert hello["type"] == "hello"
    assert hello["user_id"] == user.pk
    return comm


async def command(comm: WebsocketCommunicator, frame: dict[str, Any]) -> dict[str, Any]:
    """Send a command and return its reply, collecting events that come first."""
    await comm.send_json_to(frame)
    while True:
        reply = await comm.receive_json_from(timeout=5)
        if reply["type"] in ("ack", "error") and reply.get("id") == frame.get("id"):
            return reply


async def next_event(comm: WebsocketCommunicator, name: str) -> dict[str, Any]:
    """The next event called `name`, skipping others (presence, typing…)."""
    while True:
        frame = await comm.receive_json_from(timeout=5)
        if frame.get("type") == "event" and frame.get("event") == name:
            return frame


async def test_two_people_converse_live(director: Any, staff: Any) -> None:
    conversation = await database_sync_to_async(services.direct_conversation_get_or_create)(
        actor=director, other_id=staff.pk
    )
    alice = await connect(director)
    bob = await connect(staff)
    for comm in (alice, bob):
        ack = await command(comm, {"type": "resume", "id": "r", "positions": {}})
        assert ack["data"]["positions"] == {str(conversation.pk): 1}
    ack = await command(
        alice,
        {
            "type": "send",
            "id": "s1",
            "conversation_id": conversation.pk,
            "client_id": "c-1",
            "text": "请把材料发我",
        },
    )
    assert ack["type"] == "ack"
    assert ack["data"]["message"]["seq"] == 1
    event = await next_event(bob, "message.new")
    assert event["pos"] == 2
    assert event["message"]["text"] == "请把材料发我"
    await alice.disconnect()
    await bob.disconnect()


async def test_bad_frames_get_errors_and_socket_survives(director: Any) -> None:
    comm = await connect(director)
    await comm.send_to(text_data="{not json")
    reply = await comm.receive_json_from()
    assert reply["code"] == "malformed_json"
    await comm.send_to(text_data=json.dumps({"type": "nope", "id": "x"}))
    reply = await comm.receive_json_from()
    assert (reply["code"], reply["id"]) == ("unknown_type", "x")
    await comm.send_to(text_data="x" * (70 * 1024))
    reply = await comm.receive_json_from()
    assert reply["code"] == "frame_too_large"
    reply = await command(comm, {"type": "ping", "id": "p"})
    assert reply["type"] == "ack"
    await comm.disconnect()


# --- helpers for the scenarios below --------------------------------------------------


async def run(fn: Any, **kwargs: Any) -> Any:
    """A service or selector call from the test's event loop (in a thread, like the consumer)."""
    return await database_sync_to_async(fn)(**kwargs)


async def command_collect(
    comm: WebsocketCommunicator, frame: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Send a command; return its reply and the event frames that came before it."""
    await comm.send_json_to(frame)
    before: list[dict[str, Any]] = []
    while True:
        reply = await comm.receive_json_from(timeout=5)
        if reply["type"] in ("ack", "error") and reply.get("id") == frame.get("id"):
            return reply, before
        before.append(reply)


async def conversation_frames(
    comm: WebsocketCommunicator, conversation_id: int, timeout: float = 0.5
) -> list[dict[str, Any]]:
    """Every frame about `conversation_id` that arrives until the socket goes quiet."""
    frames = []
    while True:
        # A timed-out receive would cancel the application: peek first.
        if await comm.receive_nothing(timeout=timeout):
            return frames
        frame = await comm.receive_json_from()
        if frame.get("conversation_id") == conversation_id:
            frames.append(frame)


async def resumed(user: Any, positions: dict[int, int] | None = None) -> WebsocketCommunicator:
    comm = await connect(user)
    await command(
        comm,
        {
            "type": "resume",
            "id": "r",
            "positions": {str(k): v for k, v in (positions or {}).items()},
        },
    )
    return comm


async def make_direct(actor: Any, other: Any) -> Any:
    return await run(services.direct_conversation_get_or_create, actor=actor, other_id=other.pk)


async def make_group(owner: Any, *others: Any) -> Any:
    return await run(
        services.group_create, actor=owner, name="专班", member_ids=[u.pk for u in others]
    )


async def say(actor: Any, conversation: Any, text: str) -> Any:
    message, _ = await run(
        services.message_send, actor=actor, conversation_id=conversation.pk, text=text
    )
    return message


async def position(conversation: Any) -> int:
    await database_sync_to_async(conversation.refresh_from_db)()
    return int(conversation.last_pos)


# --- resume ------------------------------------------------------------------------------


async def test_resume_delivers_exactly_the_missed_messages_in_order(
    director: Any, staff: Any
) -> None:
    conversation = await make_direct(director, staff)
    known = await position(conversation)
    for i in range(4):
        await say(director, conversation, f"离线消息{i}")
    bob = await connect(staff)
    ack, frames = await command_collect(
        bob, {"type": "resume", "id": "r", "positions": {str(conversation.pk): known}}
    )
    texts = [f["message"]["text"] for f in frames if f.get("event") == "message.new"]
    assert texts == [f"离线消息{i}" for i in range(4)]
    assert [f["pos"] for f in frames] == list(range(known + 1, known + 5))
    assert ack["data"]["positions"] == {str(conversation.pk): known + 4}
    # Nothing is delivered twice afterwards; the next message arrives live once.
    await say(director, conversation, "在线消息")
    live = await conversation_frames(bob, conversation.pk)
    assert [f["message"]["text"] for f in live] == ["在线消息"]
    await bob.disconnect()


async def test_resume_too_far_behind_gets_resync(settings: Any, director: Any, staff: Any) -> None:
    settings.ZT_RESUME_MAX_EVENTS = 3
    conversation = await make_direct(director, staff)
    known = await position(conversation)
    for i in range(5):
        await say(director, conversation, f"消息{i}")
    bob = await connect(staff)
    ack, frames = await command_collect(
        bob, {"type": "resume", "id": "r", "positions": {str(conversation.pk): known}}
    )
    assert [(f["event"], f["conversation_id"]) for f in frames] == [("resync", conversation.pk)]
    assert ack["data"]["positions"] == {str(conversation.pk): known + 5}
    await bob.disconnect()


async def test_resume_reports_new_and_lost_conversations(
    director: Any, clerk: Any, staff: Any
) -> None:
    group = await make_group(director, clerk, staff)
    direct = await make_direct(director, staff)
    known = await position(group)
    await run(
        services.group_member_remove, actor=director, conversation_id=group.pk, user_id=staff.pk
    )
    await say(director, group, "之后的消息")
    bob = await connect(staff)
    ack, frames = await command_collect(
        bob, {"type": "resume", "id": "r", "positions": {str(group.pk): known}}
    )
    names = [(f["event"], f["conversation_id"]) for f in frames]
    assert names == [
        ("member.removed", group.pk),
        ("conversation.added", direct.pk),
        ("conversation.removed", group.pk),
    ]
    assert all(f.get("message", {}).get("text") != "之后的消息" for f in frames)
    assert ack["data"]["positions"] == {str(direct.pk): await position(direct)}
    await bob.disconnect()


async def test_a_dropped_doorbell_is_filled_from_the_database(
    monkeypatch: Any, director: Any, staff: Any
) -> None:
    from realtime import bus

    conversation = await make_direct(director, staff)
    bob = await resumed(staff)
    real = bus.send_to_nodes
    dropped: list[dict[str, Any]] = []

    async def lossy(user_ids: list[int], event: dict[str, Any]) -> None:
        if event.get("event") == "message.new" and not dropped:
            dropped.append(event)  # the layer lost this one
            return
        await real(user_ids, event)

    monkeypatch.setattr(bus, "send_to_nodes", lossy)
    for text in ("一", "二", "三"):
        await say(director, conversation, text)
    frames = await conversation_frames(bob, conversation.pk)
    assert len(dropped) == 1
    assert [f["message"]["text"] for f in frames] == ["一", "二", "三"]
    positions = [f["pos"] for f in frames]
    assert positions == sorted(set(positions))
    await bob.disconnect()


# --- live events ----------------------------------------------------------------------


async def test_recall_typing_and_read_events(director: Any, staff: Any) -> None:
    conversation = await make_direct(director, staff)
    alice = await resumed(director)
    bob = await resumed(staff)
    sent = await command(
        alice,
        {"type": "send", "id": "s", "conversation_id": conversation.pk, "text": "发错了"},
    )
    seq = sent["data"]["message"]["seq"]
    assert (await next_event(bob, "message.new"))["message"]["seq"] == seq

    assert (await command(bob, {"type": "typing", "id": "t", "conversation_id": conversation.pk}))[
        "type"
    ] == "ack"
    typing = await next_event(alice, "typing")
    assert typing["data"] == {"user_id": staff.pk, "name": "张三"}

    ack = await command(
        bob, {"type": "read", "id": "rd", "conversation_id": conversation.pk, "seq": seq}
    )
    assert ack["data"] == {"last_read_seq": seq}
    read = await next_event(alice, "read")
    assert read["data"]["user_id"] == staff.pk
    assert read["data"]["seq"] == seq

    recalled = await command(
        alice, {"type": "recall", "id": "rc", "message_id": sent["data"]["message"]["id"]}
    )
    assert recalled["data"]["message"]["recalled"] is True
    event = await next_event(bob, "message.recalled")
    assert event["data"]["seq"] == seq
    assert event["message"]["text"] == ""
    await alice.disconnect()
    await bob.disconnect()


async def test_removed_member_hears_removal_then_nothing(
    director: Any, clerk: Any, staff: Any
) -> None:
    group = await make_group(director, clerk, staff)
    bob = await resumed(staff)
    await bob.receive_nothing(timeout=0.3)
    await run(
        services.group_member_remove, actor=director, conversation_id=group.pk, user_id=staff.pk
    )
    await say(director, group, "他听不到了")
    await run(services.group_rename, actor=director, conversation_id=group.pk, name="新名字")
    frames = await conversation_frames(bob, group.pk)
    assert [f["event"] for f in frames] == ["member.removed"]
    assert frames[0]["data"]["user_ids"] == [staff.pk]
    reply = await command(
        bob, {"type": "send", "id": "s", "conversation_id": group.pk, "text": "我还在吗"}
    )
    assert reply["code"] == "not_a_member"
    await bob.disconnect()


async def test_command_errors_keep_the_socket(director: Any, staff: Any, outsider: Any) -> None:
    conversation = await make_direct(director, staff)
    comm = await resumed(outsider)
    reply = await command(
        comm, {"type": "send", "id": "a", "conversation_id": conversation.pk, "text": "你好"}
    )
    assert (reply["type"], reply["code"]) == ("error", "not_a_member")
    alice = await resumed(director)
    reply = await command(
        alice,
        {"type": "send", "id": "b", "conversation_id": conversation.pk, "text": "字" * 5001},
    )
    assert reply["code"] == "text_too_long"
    reply = await command(alice, {"type": "send", "id": "c", "conversation_id": "x"})
    assert reply["code"] == "invalid_field"
    reply = await command(alice, {"type": "resume", "id": "d", "positions": {"x": 1}})
    assert reply["code"] == "invalid_field"
    assert (await command(comm, {"type": "ping", "id": "p"}))["type"] == "ack"
    assert (await command(alice, {"type": "presence", "id": "q", "status": "away"}))["data"] == {
        "status": "away"
    }
    assert (await command(alice, {"type": "presence", "id": "q2", "status": "?"}))[
        "code"
    ] == "invalid_field"
    await comm.disconnect()
    await alice.disconnect()


async def test_flooding_is_rate_limited_and_recovers(settings: Any, director: Any) -> None:
    settings.ZT_WS_RATE_BURST = 3
    settings.ZT_WS_RATE_PER_SECOND = 5.0
    comm = await connect(director)
    replies = [await command(comm, {"type": "ping", "id": f"p{i}"}) for i in range(8)]
    codes = [r.get("code") for r in replies]
    assert codes[:3] == [None, None, None]
    assert "rate_limited" in codes[3:]
    await asyncio.sleep(0.5)
    assert (await command(comm, {"type": "ping", "id": "again"}))["type"] == "ack"
    await comm.disconnect()


# --- authentication ----------------------------------------------------------------------


async def test_unauthenticated_socket_is_closed_4401(director: Any) -> None:
    for path in ("/ws/v1/", "/ws/v1/?ticket=forged"):
        comm = WebsocketCommunicator(application, path, headers=[ORIGIN])
        connected, _ = await comm.connect()
        assert connected
        closing = await comm.receive_output(timeout=5)
        assert closing == {"type": "websocket.close", "code": 4401}
    # A ticket works once.
    ticket = await run(services.ws_ticket_issue, actor=director)
    first = WebsocketCommunicator(application, f"/ws/v1/?ticket={ticket.key}")
    assert (await first.connect())[0]
    assert (await first.receive_json_from())["type"] == "hello"
    second = WebsocketCommunicator(application, f"/ws/v1/?ticket={ticket.key}")
    await second.connect()
    assert (await second.receive_output(timeout=5))["code"] == 4401
    await first.disconnect()


async def _session_cookie(user: Any) -> bytes:
    def login() -> str:
        client = Client()
        client.force_login(user)
        return str(client.cookies[django_settings.SESSION_COOKIE_NAME].value)

    key = await database_sync_to_async(login)()
    return f"{django_settings.SESSION_COOKIE_NAME}={key}".encode()


async def test_same_origin_on_an_unlisted_port_is_accepted(director: Any) -> None:
    """A server started on another port (make run PORT=8123) serves its own page."""
    cookie = (b"cookie", await _session_cookie(director))
    own = [(b"origin", b"http://127.0.0.1:8123"), (b"host", b"127.0.0.1:8123"), cookie]
    comm = WebsocketCommunicator(application, "/ws/v1/", headers=own)
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["type"] == "hello"
    await comm.disconnect()
    # A forged Host naming a site we do not serve proves nothing.
    forged = [(b"origin", b"http://evil.example"), (b"host", b"evil.example"), cookie]
    evil = WebsocketCommunicator(application, "/ws/v1/", headers=forged)
    await evil.connect()
    assert (await evil.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}


async def test_session_cookie_auth_and_origin_check(director: Any) -> None:
    cookie = (b"cookie", await _session_cookie(director))
    comm = WebsocketCommunicator(application, "/ws/v1/", headers=[ORIGIN, cookie])
    assert (await comm.connect())[0]
    hello = await comm.receive_json_from()
    assert (hello["type"], hello["user_id"]) == ("hello", director.pk)
    await comm.disconnect()

    evil = WebsocketCommunicator(
        application, "/ws/v1/", headers=[(b"origin", b"https://evil.example"), cookie]
    )
    await evil.connect()
    assert (await evil.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}
    # Without an Origin a cookie is not enough (only a ticket is).
    bare = WebsocketCommunicator(application, "/ws/v1/", headers=[cookie])
    await bare.connect()
    assert (await bare.receive_output(timeout=5))["code"] == 4401


# --- cards ---------------------------------------------------------------------------------


class _NoteCard:
    """A test card: the director may approve, everyone else only sees the state."""

    card_type = "test.note"
    state: ClassVar[dict[str, str]] = {}

    def render(self, object_id: str, viewer: Any) -> cards.CardView:
        status = self.state.get(object_id, "pending")
        actions: list[cards.CardAction] = []
        if status == "pending" and viewer.name == "王建国":
            actions.append(cards.card_action("approve", "同意", style="primary"))
        return {
            "title": "请假申请",
            "status": status,
            "status_label": {"pending": "待审批", "approved": "已同意"}[status],
            "fields": [{"label": "查看人", "value": viewer.name}],
            "actions": actions,
            "link": f"/notes/{object_id}",
        }

    def act(
        self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]
    ) -> cards.CardView:
        if action != "approve" or viewer.name != "王建国":
            raise InvalidInput("不能执行此操作", code="card_action_denied")
        with transaction.atomic():
            self.state[object_id] = "approved"
            services.card_updated(card_type=self.card_type, object_id=object_id)
        return self.render(object_id, viewer)


@pytest.fixture
def note_card() -> Iterator[_NoteCard]:
    _NoteCard.state = {}
    with registered(_NoteCard()) as card:
        yield card


async def test_cards_render_per_viewer_and_update_live(
    note_card: _NoteCard, director: Any, staff: Any
) -> None:
    conversation = await make_direct(director, staff)
    alice = await resumed(director)
    bob = await resumed(staff)
    message = await run(
        services.card_message_send,
        conversation_id=conversation.pk,
        card_type="test.note",
        object_id="1",
        title="请假申请",
        sender=staff,
    )
    mine = (await next_event(alice, "message.new"))["message"]["card"]["view"]
    theirs = (await next_event(bob, "message.new"))["message"]["card"]["view"]
    assert [a["action"] for a in mine["actions"]] == ["approve"]
    assert theirs["actions"] == []
    assert mine["fields"] == [{"label": "查看人", "value": "王建国"}]
    assert theirs["fields"] == [{"label": "查看人", "value": "张三"}]

    denied = await command(
        bob, {"type": "card_action", "id": "x", "message_id": message.pk, "action": "approve"}
    )
    assert denied["code"] == "card_action_denied"
    done = await command(
        alice, {"type": "card_action", "id": "y", "message_id": message.pk, "action": "approve"}
    )
    assert done["data"]["view"]["status"] == "approved"
    for comm, name in ((alice, "王建国"), (bob, "张三")):
        updated = await next_event(comm, "card.updated")
        assert updated["data"]["view"]["status"] == "approved"
        assert updated["data"]["view"]["actions"] == []
        assert updated["data"]["view"]["fields"] == [{"label": "查看人", "value": name}]
    not_card = await say(director, conversation, "普通消息")
    reply = await command(
        alice, {"type": "card_action", "id": "z", "message_id": not_card.pk, "action": "approve"}
    )
    assert reply["code"] == "not_a_card"
    await alice.disconnect()
    await bob.disconnect()
