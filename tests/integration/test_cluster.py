"""Several daphne processes sharing PostgreSQL and Redis, driven by real sockets."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.integration import harness
from tests.integration.conftest import PASSWORD, Cluster
from tests.integration.harness import Client, Server

pytestmark = pytest.mark.integration

QUIET_SECONDS = 1.0


async def login(server: Server, user: dict[str, Any]) -> str:
    token: str = await asyncio.to_thread(harness.login, server, user["mobile"], PASSWORD)
    return token


async def connect(server: Server, token: str, user_id: int) -> Client:
    """REST ticket from `server`, then a socket to the same server."""
    key = await asyncio.to_thread(harness.ticket, server, token)
    return await Client.connect(server, key, user_id)


def seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [f["message"]["seq"] for f in frames]


def positional(client: Client, after: int) -> list[dict[str, Any]]:
    """Positional events (anything that carries `pos`) received after frame index `after`."""
    return [f for f in client.frames[after:] if f.get("type") == "event" and "pos" in f]


async def test_two_processes_converse_live_both_ways(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    node1, node2 = nodes
    spec_users = harness.people("a", 2)
    seeded = cluster.seed({"users": spec_users, "directs": [{"key": "ab", "users": ["a0", "a1"]}]})
    alice_user, bob_user = seeded["users"]["a0"], seeded["users"]["a1"]
    conversation_id = seeded["conversations"]["ab"]

    alice = await connect(node1, await login(node1, alice_user), alice_user["id"])
    bob = await connect(node2, await login(node2, bob_user), bob_user["id"])
    try:
        for client in (alice, bob):
            ack = await client.resume()
            # The direct conversation exists with one event (member.added).
            assert ack["data"]["positions"] == {str(conversation_id): 1}

        sent = await alice.send_text(conversation_id, "请把会议材料发我一份", "a-1")
        assert sent["seq"] == 1
        await bob.wait_messages(conversation_id, 1, timeout=10)
        [event] = bob.messages(conversation_id)
        assert event["pos"] == 2
        assert event["message"]["seq"] == 1
        assert event["message"]["text"] == "请把会议材料发我一份"
        assert event["message"]["sender"]["id"] == alice_user["id"]

        reply = await bob.send_text(conversation_id, "好的，马上发", "b-1")
        assert reply["seq"] == 2
        # Alice sees her own message (echo to all her sockets) and Bob's reply.
        await alice.wait_messages(conversation_id, 2, timeout=10)
        got = alice.messages(conversation_id)
        assert seqs(got) == [1, 2]
        assert [f["pos"] for f in got] == [2, 3]
        assert got[1]["message"]["text"] == "好的，马上发"
        assert got[1]["message"]["sender"]["id"] == bob_user["id"]

        await asyncio.sleep(QUIET_SECONDS)
        assert seqs(bob.messages(conversation_id)) == [1, 2]
        assert seqs(alice.messages(conversation_id)) == [1, 2]
    finally:
        await alice.close()
        await bob.close()


async def test_reconnect_with_positions_gets_exactly_the_missed_messages(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    node1, node2 = nodes
    spec_users = harness.people("b", 3)
    seeded = cluster.seed(
        {
            "users": spec_users,
            "groups": [{"key": "g", "owner": "b0", "name": "补发测试群", "members": ["b1", "b2"]}],
        }
    )
    users = seeded["users"]
    conversation_id = seeded["conversations"]["g"]
    tokens = {key: await login(node1, user) for key, user in users.items()}

    reader = await connect(node1, tokens["b0"], users["b0"]["id"])
    await reader.resume()
    senders = [await connect(node2, tokens[key], users[key]["id"]) for key in ("b1", "b2")]
    try:
        for sender in senders:
            await sender.resume()
        first = await senders[0].send_text(conversation_id, "断线前的消息", "before")
        await reader.wait_messages(conversation_id, 1, timeout=10)
        assert seqs(reader.messages(conversation_id)) == [first["seq"]]
        positions = dict(reader.positions)
        await reader.close()

        sent = []
        for i in range(50):
            sender = senders[i % 2]
            sent.append(await sender.send_text(conversation_id, f"离线消息 {i}", f"off-{i}"))
        expected = [m["seq"] for m in sent]
        assert expected == list(range(first["seq"] + 1, first["seq"] + 51))

        back = await connect(node1, tokens["b0"], users["b0"]["id"])
        try:
            ack = await back.resume(positions)
            caught_up = back.messages(conversation_id)
            # Catch-up frames come before the ack, in order, each once.
            assert seqs(caught_up) == expected
            assert [f["message"]["text"] for f in caught_up] == [f"离线消息 {i}" for i in range(50)]
            pos = [f["pos"] for f in caught_up]
            assert pos == list(range(pos[0], pos[0] + 50))
            assert pos[0] == positions[str(conversation_id)] + 1
            assert ack["data"]["positions"][str(conversation_id)] == pos[-1]
            seen = len(back.frames)
            await asyncio.sleep(QUIET_SECONDS)
            assert positional(back, seen) == []
            assert seqs(back.messages(conversation_id)) == expected
        finally:
            await back.close()
    finally:
        for sender in senders:
            await sender.close()


async def test_killed_process_client_resumes_on_survivor_without_gaps(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    _, survivor = nodes
    victim = cluster.spawn("victim")
    spec_users = harness.people("c", 2)
    seeded = cluster.seed({"users": spec_users, "directs": [{"key": "d", "users": ["c0", "c1"]}]})
    users = seeded["users"]
    conversation_id = seeded["conversations"]["d"]
    sender_token = await login(survivor, users["c0"])
    reader_token = await login(survivor, users["c1"])

    sender = await connect(survivor, sender_token, users["c0"]["id"])
    await sender.resume()
    reader = await connect(victim, reader_token, users["c1"]["id"])
    await reader.resume()
    total = 120
    sent: list[int] = []

    async def keep_sending() -> None:
        for i in range(total):
            message = await sender.send_text(conversation_id, f"持续发送 {i}", f"k-{i}")
            sent.append(message["seq"])
            await asyncio.sleep(0.02)  # ~ 40/s at most, under the per-socket rate limit

    sending = asyncio.get_running_loop().create_task(keep_sending())
    try:
        await reader.wait_messages(conversation_id, 30, timeout=20)
        victim.kill()
        assert victim.proc.returncode == -9
        await asyncio.wait_for(reader.closed.wait(), 10)
        before_kill = seqs(reader.messages(conversation_id))
        assert before_kill == list(range(1, len(before_kill) + 1))
        assert len(sent) < total, "the sender finished before the kill; nothing was tested"
        positions = dict(reader.positions)

        back = await connect(survivor, reader_token, users["c1"]["id"])
        try:
            await back.resume(positions)
            await sending
            await back.wait_messages(conversation_id, total - len(before_kill), timeout=30)
            await asyncio.sleep(QUIET_SECONDS)
            after = seqs(back.messages(conversation_id))
            combined = before_kill + after
            assert combined == list(range(1, total + 1)), "gap or duplicate across the kill"
            assert sent == list(range(1, total + 1))
            rest = await asyncio.to_thread(harness.history, survivor, reader_token, conversation_id)
            assert [m["seq"] for m in rest] == list(range(1, total + 1))
            assert [m["text"] for m in rest] == [f"持续发送 {i}" for i in range(total)]
            assert cluster.db_seqs(conversation_id) == list(range(1, total + 1))
        finally:
            await back.close()
    finally:
        if not sending.done():
            sending.cancel()
        await sender.close()
        await reader.close()


async def test_concurrent_senders_every_socket_sees_one_gapless_order(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    senders_count, per_sender = 20, 10
    spec_users = harness.people("d", senders_count)
    keys = [u["key"] for u in spec_users]
    seeded = cluster.seed(
        {
            "users": spec_users,
            "groups": [{"key": "g", "owner": keys[0], "name": "并发群", "members": keys[1:]}],
        }
    )
    users = seeded["users"]
    conversation_id = seeded["conversations"]["g"]
    # The group starts with its "created" system message: seq 1.
    assert cluster.db_seqs(conversation_id) == [1]

    clients: list[Client] = []
    for i, key in enumerate(keys):
        server = nodes[i % 2]
        token = await login(server, users[key])
        client = await connect(server, token, users[key]["id"])
        await client.resume()
        clients.append(client)
    try:
        start = time.monotonic()

        async def burst(index: int, client: Client) -> list[int]:
            return [
                (await client.send_text(conversation_id, f"{index}-{n}", f"s{index}-{n}"))["seq"]
                for n in range(per_sender)
            ]

        acked = await asyncio.gather(*(burst(i, c) for i, c in enumerate(clients)))
        total = senders_count * per_sender
        all_acked = sorted(seq for chunk in acked for seq in chunk)
        assert all_acked == list(range(2, total + 2))
        for chunk in acked:
            assert chunk == sorted(chunk)  # one sender's messages keep their order

        await asyncio.gather(
            *(c.wait_messages(conversation_id, total, timeout=30) for c in clients)
        )
        elapsed = time.monotonic() - start
        await asyncio.sleep(QUIET_SECONDS)
        reference = [
            (f["message"]["seq"], f["message"]["text"])
            for f in clients[0].messages(conversation_id)
        ]
        assert [seq for seq, _ in reference] == list(range(2, total + 2))
        for client in clients:
            got = [
                (f["message"]["seq"], f["message"]["text"])
                for f in client.messages(conversation_id)
            ]
            assert got == reference, f"user {client.user_id} saw a different order"
            pos = [f["pos"] for f in client.messages(conversation_id)]
            assert pos == list(range(pos[0], pos[0] + total))
        assert cluster.db_seqs(conversation_id) == list(range(1, total + 2))
        assert elapsed < 30
    finally:
        for client in clients:
            await client.close()


async def test_idle_socket_survives_and_still_receives(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    """Longer than channels_redis' 5 s blocking pop: an idle node must not lose its sockets."""
    node1, node2 = nodes
    seeded = cluster.seed(
        {"users": harness.people("e", 2), "directs": [{"key": "d", "users": ["e0", "e1"]}]}
    )
    idle_user, sender_user = seeded["users"]["e0"], seeded["users"]["e1"]
    conversation_id = seeded["conversations"]["d"]
    idle = await connect(node1, await login(node1, idle_user), idle_user["id"])
    await idle.resume()
    try:
        await asyncio.sleep(12)
        assert not idle.closed.is_set(), "the server closed an idle socket"
        sender = await connect(node2, await login(node2, sender_user), sender_user["id"])
        try:
            await sender.resume()
            await sender.send_text(conversation_id, "还在吗？", "idle-1")
            await idle.wait_messages(conversation_id, 1, timeout=10)
            assert seqs(idle.messages(conversation_id)) == [1]
        finally:
            await sender.close()
    finally:
        await idle.close()
