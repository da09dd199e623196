"""The WebSocket consumer through Channels' WebsocketCommunicator (in-memory layer)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from backend.asgi import application
from realtime import services

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
