"""Calls over the real consumer (Channels' WebsocketCommunicator, in-memory layer):
join, relay only to the addressed peer, media state, leave, rejoin after a closed socket."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from backend.asgi import application
from backend.calls import services
from backend.calls.models import Call, CallParticipant, CallPeer
from realtime import services as chat

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def connect(user: Any, *, resume: bool = True) -> WebsocketCommunicator:
    ticket = await database_sync_to_async(chat.ws_ticket_issue)(actor=user)
    comm = WebsocketCommunicator(application, f"/ws/v1/?ticket={ticket.key}", headers=[ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    hello = await comm.receive_json_from()
    assert hello["type"] == "hello"
    if resume:
        await command(comm, {"type": "resume", "id": "r", "positions": {}})
    return comm


async def command(comm: WebsocketCommunicator, frame: dict[str, Any]) -> dict[str, Any]:
    await comm.send_json_to(frame)
    while True:
        reply = await comm.receive_json_from(timeout=5)
        if reply["type"] in ("ack", "error") and reply.get("id") == frame.get("id"):
            return reply


async def next_event(comm: WebsocketCommunicator, name: str) -> dict[str, Any]:
    while True:
        frame = await comm.receive_json_from(timeout=5)
        if frame.get("type") == "event" and frame.get("event") == name:
            return frame


async def start(actor: Any, conversation_id: int, **kw: Any) -> Call:
    return await database_sync_to_async(services.call_start)(
        actor=actor, conversation_id=conversation_id, media="audio", **kw
    )


async def test_a_one_to_one_call_rings_joins_relays_and_ends(
    director: Any, staff: Any, direct: Any, settings: Any
) -> None:
    host = await connect(director)
    callee = await connect(staff)
    call = await start(director, direct.pk)
    ringing = await next_event(callee, "call.ringing")
    assert ringing["data"]["call"]["id"] == call.pk
    assert ringing["data"]["call"]["state"] == "ringing"

    a = await command(host, {"type": "call_join", "id": "j1", "call_id": call.pk})
    assert a["type"] == "ack", a
    b = await command(callee, {"type": "call_join", "id": "j2", "call_id": call.pk})
    assert b["type"] == "ack", b
    assert b["data"]["call"]["state"] == "ongoing"
    assert b["data"]["ice_servers"] == []
    assert "sfu" not in b["data"]
    peers = {p["user"]["id"]: p.get("peer_id") for p in b["data"]["call"]["participants"]}
    assert peers == {director.pk: a["data"]["peer_id"], staff.pk: b["data"]["peer_id"]}

    # The later joiner offers; only the addressed socket gets it.
    offer = {"sdp": "v=0\r\n", "type": "offer"}
    sent = await command(
        callee,
        {
            "type": "call_signal",
            "id": "s1",
            "call_id": call.pk,
            "to": a["data"]["peer_id"],
            "kind": "offer",
            "data": offer,
        },
    )
    assert sent["type"] == "ack", sent
    got = await next_event(host, "call.signal")
    assert got["data"] == {
        "call_id": call.pk,
        "from": b["data"]["peer_id"],
        "from_user_id": staff.pk,
        "kind": "offer",
        "data": offer,
    }

    muted = await command(
        host,
        {
            "type": "call_media",
            "id": "m",
            "call_id": call.pk,
            "muted": True,
            "camera": False,
            "screen": False,
        },
    )
    assert muted["type"] == "ack"
    seen = await next_event(callee, "call.updated")
    while not any(p["muted"] for p in seen["data"]["call"]["participants"]):
        seen = await next_event(callee, "call.updated")
    assert [p["user"]["id"] for p in seen["data"]["call"]["participants"] if p["muted"]] == [
        director.pk
    ]

    left = await command(callee, {"type": "call_leave", "id": "l1", "call_id": call.pk})
    assert left["type"] == "ack"
    left = await command(host, {"type": "call_leave", "id": "l2", "call_id": call.pk})
    assert left["type"] == "ack"
    ended = await next_event(callee, "call.updated")
    while ended["data"]["call"]["state"] != "ended":
        ended = await next_event(callee, "call.updated")
    assert ended["data"]["call"]["duration_seconds"] >= 0
    stored = await database_sync_to_async(Call.objects.get)(pk=call.pk)
    assert stored.end_reason == Call.EndReason.HUNG_UP
    for comm in (host, callee):
        await comm.disconnect()


async def test_signalling_is_refused_outside_the_call(
    director: Any, staff: Any, clerk: Any, outsider: Any, group: Any, direct: Any
) -> None:
    host = await connect(director)
    member = await connect(clerk)
    stranger = await connect(outsider)
    call = await start(director, group.pk, invitee_ids=[staff.pk])
    a = await command(host, {"type": "call_join", "id": "j", "call_id": call.pk})
    peer = a["data"]["peer_id"]

    # Not a member of the conversation: cannot join, cannot signal.
    refused = await command(stranger, {"type": "call_join", "id": "x", "call_id": call.pk})
    assert (refused["type"], refused["code"]) == ("error", "not_a_member")
    for who, code in ((stranger, "call_not_found"), (member, "not_in_call")):
        # the clerk is a member but has not joined; the stranger may not even see the call
        injected = await command(
            who,
            {
                "type": "call_signal",
                "id": "i",
                "call_id": call.pk,
                "to": peer,
                "kind": "ice",
                "data": {
                    "candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host",
                    "sdpMid": "0",
                    "sdpMLineIndex": 0,
                },
            },
        )
        assert (injected["type"], injected["code"]) == ("error", "not_in_call")
        mute = await command(
            who,
            {
                "type": "call_media",
                "id": "m",
                "call_id": call.pk,
                "muted": True,
                "camera": False,
                "screen": False,
            },
        )
        assert mute["code"] == code

    # A peer of another call cannot address this one's peer.
    other = await start(staff, direct.pk)
    mine = await command(member, {"type": "call_join", "id": "j2", "call_id": call.pk})
    assert mine["type"] == "ack"
    staff_socket = await connect(staff)
    theirs = await command(staff_socket, {"type": "call_join", "id": "j3", "call_id": other.pk})
    assert theirs["type"] == "ack"
    cross = await command(
        staff_socket,
        {
            "type": "call_signal",
            "id": "c",
            "call_id": other.pk,
            "to": peer,
            "kind": "bye",
            "data": {},
        },
    )
    assert cross["code"] == "peer_not_found"
    cross = await command(
        staff_socket,
        {
            "type": "call_signal",
            "id": "c2",
            "call_id": call.pk,
            "to": peer,
            "kind": "bye",
            "data": {},
        },
    )
    assert cross["code"] == "not_in_call"
    bad = await command(
        member,
        {
            "type": "call_signal",
            "id": "b",
            "call_id": call.pk,
            "to": peer,
            "kind": "offer",
            "data": {"sdp": "x" * 40_000, "type": "offer"},
        },
    )
    assert bad["code"] == "invalid_field"
    bad = await command(
        member,
        {
            "type": "call_signal",
            "id": "b2",
            "call_id": call.pk,
            "to": peer,
            "kind": "mute",
            "data": {},
        },
    )
    assert bad["code"] == "invalid_field"
    # Nothing of this reached the host's socket.
    while not await host.receive_nothing(timeout=0.3):
        frame = await host.receive_json_from()
        assert frame.get("event") != "call.signal", frame
    for comm in (host, member, stranger, staff_socket):
        await comm.disconnect()


async def test_a_closed_socket_keeps_its_peer_for_a_rejoin(
    director: Any, staff: Any, direct: Any
) -> None:
    host = await connect(director)
    callee = await connect(staff)
    call = await start(director, direct.pk)
    a = await command(host, {"type": "call_join", "id": "j", "call_id": call.pk})
    b = await command(callee, {"type": "call_join", "id": "j", "call_id": call.pk})
    peer = b["data"]["peer_id"]
    await callee.disconnect()
    detached = await database_sync_to_async(CallPeer.objects.get)(peer_id=peer)
    assert detached.detached_at is not None and detached.left_at is None

    again = await connect(staff)
    rejoined = await command(
        again, {"type": "call_join", "id": "j", "call_id": call.pk, "peer_id": peer}
    )
    assert rejoined["data"]["peer_id"] == peer
    # Signalling reaches the new socket.
    await command(
        host,
        {
            "type": "call_signal",
            "id": "s",
            "call_id": call.pk,
            "to": peer,
            "kind": "bye",
            "data": {},
        },
    )
    got = await next_event(again, "call.signal")
    assert got["data"]["from"] == a["data"]["peer_id"]
    row = await database_sync_to_async(CallParticipant.objects.get)(call=call, user=staff)
    assert row.state == CallParticipant.State.JOINED
    for comm in (host, again):
        await comm.disconnect()


async def test_a_socket_that_connects_while_rung_gets_the_ring_again(
    director: Any, staff: Any, direct: Any
) -> None:
    call = await start(director, direct.pk)
    late = await connect(staff, resume=False)
    ringing = await next_event(late, "call.ringing")
    assert ringing["data"]["call"]["id"] == call.pk
    await late.disconnect()
