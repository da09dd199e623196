"""A real call: aiortc peers ring, answer and talk through the real WebSocket of two
daphne processes (PostgreSQL + Redis), over ICE on this machine (docs/calls.md).

王 (node1) starts a group call over REST ringing 李 (node2); 李 gets call.ringing,
joins and offers; they reach ICE connected, hear each other's tone and exchange a
data-channel message. 赵, outside the group, can neither join nor inject
signalling. 陈, a member who was not rung, joins late: a mesh of three.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration import harness
from tests.integration.calls_peers import Phone, ask
from tests.integration.conftest import PASSWORD, Cluster
from tests.integration.harness import Client, Server

pytestmark = pytest.mark.integration


async def connect(server: Server, user: dict[str, Any]) -> Client:
    token = await asyncio.to_thread(harness.login, server, user["mobile"], PASSWORD)
    key = await asyncio.to_thread(harness.ticket, server, token)
    client = await Client.connect(server, key, user["id"])
    client.token = token  # type: ignore[attr-defined]
    await client.resume()
    return client


def event(client: Client, name: str, call_id: int) -> dict[str, Any] | None:
    for frame in client.frames:
        if frame.get("event") == name and frame["data"].get("call", {}).get("id") == call_id:
            return frame
    return None


def last_call(client: Client, call_id: int) -> dict[str, Any] | None:
    for frame in reversed(client.frames):
        if frame.get("event") == "call.updated" and frame["data"]["call"]["id"] == call_id:
            call: dict[str, Any] = frame["data"]["call"]
            return call
    return None


async def test_three_aiortc_peers_ring_answer_talk_and_an_outsider_cannot_get_in(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    node1, node2 = nodes
    people = harness.people("call", 4)
    seeded = cluster.seed(
        {
            "users": people,
            "groups": [
                {"key": "g", "owner": "call0", "name": "视频会商", "members": ["call1", "call2"]}
            ],
        }
    )
    wang, li, chen, zhao = (seeded["users"][f"call{i}"] for i in range(4))
    group_id = seeded["conversations"]["g"]

    host_socket = await connect(node1, wang)
    callee_socket = await connect(node2, li)
    host = Phone("王", host_socket, 440)
    callee = Phone("李", callee_socket, 660)
    phones = [host, callee]
    try:
        started = await asyncio.to_thread(
            harness.http_json,
            "POST",
            f"{node1.http}/api/v1/conversations/{group_id}/calls",
            {"media": "audio", "invitee_ids": [li["id"]]},
            host_socket.token,  # type: ignore[attr-defined]
        )
        call_id = started["id"]
        assert started["state"] == "ringing"
        ring = await callee_socket.wait_until(
            lambda: event(callee_socket, "call.ringing", call_id), 10, "call.ringing"
        )
        assert ring["data"]["call"]["host"]["id"] == wang["id"]

        await host.join(call_id)
        joined = await callee.join(call_id)
        assert joined["data"]["call"]["state"] == "ongoing"
        assert joined["data"]["call"]["mode"] == "mesh"
        # The later joiner offers to every peer already in the call.
        await callee.offer(host.peer_id)
        await host.connected_to([callee.peer_id])
        await callee.connected_to([host.peer_id])
        await host.hears([callee.peer_id])
        await callee.hears([host.peer_id])
        await host_socket.wait_until(
            lambda: (callee.peer_id, "ping:李") in host.messages, 10, "data-channel ping"
        )
        await callee_socket.wait_until(
            lambda: (host.peer_id, "pong:王") in callee.messages, 10, "data-channel pong"
        )
        kinds = {s["kind"] for s in host.signals}
        assert {"offer", "ice"} <= kinds
        assert {"answer", "ice"} <= {s["kind"] for s in callee.signals}

        # 赵 is not in the group: no join, no injected signal, no mute.
        outsider = await connect(node2, zhao)
        phones.append(Phone("赵", outsider, 880))
        refused = await ask(outsider, {"type": "call_join", "call_id": call_id})
        assert (refused["type"], refused["code"]) == ("error", "not_a_member")
        for frame in (
            {"kind": "offer", "data": {"sdp": "v=0\r\n", "type": "offer"}},
            {"kind": "ice", "data": {"candidate": "candidate:1 1 udp 1 10.9.9.9 9 typ host"}},
            {"kind": "bye", "data": {}},
        ):
            injected = await ask(
                outsider, {"type": "call_signal", "call_id": call_id, "to": host.peer_id, **frame}
            )
            assert (injected["type"], injected["code"]) == ("error", "not_in_call")
        muted = await ask(
            outsider,
            {
                "type": "call_media",
                "call_id": call_id,
                "muted": True,
                "camera": False,
                "screen": False,
            },
        )
        assert muted["code"] == "call_not_found"
        assert event(outsider, "call.updated", call_id) is None  # not told of the call at all

        # 陈, a member who was not rung, joins late and offers to both: a mesh of three.
        late_socket = await connect(node1, chen)
        assert event(late_socket, "call.ringing", call_id) is None
        late = Phone("陈", late_socket, 550)
        phones.append(late)
        ack = await late.join(call_id)
        peers = {p["user"]["id"]: p.get("peer_id") for p in ack["data"]["call"]["participants"]}
        assert peers == {
            wang["id"]: host.peer_id,
            li["id"]: callee.peer_id,
            chen["id"]: late.peer_id,
        }
        for remote in (host.peer_id, callee.peer_id):
            await late.offer(remote)
        await late.connected_to([host.peer_id, callee.peer_id])
        await host.connected_to([callee.peer_id, late.peer_id])
        await callee.connected_to([host.peer_id, late.peer_id])
        await late.hears([host.peer_id, callee.peer_id])
        await host.hears([late.peer_id])
        await callee.hears([late.peer_id])
        # Every signal anyone got came from a peer of the call, never from 赵.
        allowed = {host.peer_id, callee.peer_id, late.peer_id}
        for phone in (host, callee, late):
            assert {s["from"] for s in phone.signals} <= allowed
            assert all(s["call_id"] == call_id for s in phone.signals)

        # Mute shows on the others' side.
        await host_socket.command(
            {
                "type": "call_media",
                "call_id": call_id,
                "muted": True,
                "camera": False,
                "screen": False,
            }
        )

        def host_muted() -> bool:
            call = last_call(late_socket, call_id)
            return bool(call) and any(
                p["muted"] for p in call["participants"] if p["user"]["id"] == wang["id"]
            )

        await late_socket.wait_until(host_muted, 10, "王 muted")

        # Everyone leaves: the last one out ends the call; the card records it.
        for phone in (late, callee, host):
            await phone.client.command({"type": "call_leave", "call_id": call_id})
        ended = await late_socket.wait_until(
            lambda: (c := last_call(late_socket, call_id)) and c["state"] == "ended" and c,
            10,
            "the call ended",
        )
        assert ended["duration_seconds"] >= 1
        assert {p["state"] for p in ended["participants"]} == {"left"}
        history = await asyncio.to_thread(
            harness.history,
            node2,
            callee_socket.token,
            group_id,  # type: ignore[attr-defined]
        )
        [card] = [m for m in history if m["kind"] == "card"]
        assert card["card"]["card_type"] == "call"
        assert card["card"]["view"]["status"] == "ended"
        assert card["card"]["view"]["status_label"].startswith("通话时长 ")
    finally:
        for phone in phones:
            await phone.close()
