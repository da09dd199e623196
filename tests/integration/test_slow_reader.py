"""A client that never reads is closed before the server buffers without bound (daphne).

The slow client asks for a large replay again and again (each `resume` from
position 0 answers with every event of a busy group) and never reads a byte.
Without a bound, the server's transport buffers every reply: tens of MB for
one socket, growing as long as the client keeps asking. With
`realtime.transport` the socket is closed (4408, then dropped when the client
does not read even the close) once ZT_WS_MAX_BUFFERED_BYTES are waiting, and
the same person reconnects and resumes exactly.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest
import websockets

from tests.integration import harness
from tests.integration.conftest import Cluster
from tests.integration.test_cluster import connect, login

pytestmark = pytest.mark.integration

MESSAGES = 60
TEXT = "政" * 4000  # 12 KB of UTF-8 per message event
LIMIT = 2 * 1024 * 1024  # above one healthy resume reply (~0.7 MB)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_a_client_that_never_reads_is_closed_and_resumes(cluster: Cluster) -> None:
    env = {
        **cluster.env,
        "ZT_WS_MAX_BUFFERED_BYTES": str(LIMIT),
        "ZT_WS_RATE_PER_SECOND": "100000",
        "ZT_WS_RATE_BURST": "100000",
        "ZT_SEND_RATE_PER_SECOND": "100000",
    }
    server = harness.start_server("slow-reader", env, cluster.log_dir)
    cluster.servers.append(server)
    try:
        writer, reader = harness.people("slow", 2)
        seeded = cluster.seed(
            {
                "users": [writer, reader],
                "groups": [
                    {"key": "g", "owner": writer["key"], "name": "大群", "members": [reader["key"]]}
                ],
            }
        )
        group = seeded["conversations"]["g"]
        writer_id = seeded["users"][writer["key"]]["id"]
        reader_id = seeded["users"][reader["key"]]["id"]
        writer_token = await login(server, writer)
        sender = await connect(server, writer_token, writer_id)
        for i in range(MESSAGES):
            await sender.send_text(group, TEXT, f"big-{i}")
        await sender.close()

        reader_token = await login(server, reader)
        ticket = await asyncio.to_thread(harness.ticket, server, reader_token)
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", server.port))
        # max_queue=1: the client library stops reading after one frame, so the
        # TCP window closes and everything else waits on the server.
        slow = await websockets.connect(f"{server.ws}?ticket={ticket}", sock=raw, max_queue=1)
        before = rss_kb(server.proc.pid)
        resume = json.dumps({"type": "resume", "id": "r", "positions": {str(group): 0}})
        ping = json.dumps({"type": "ping", "id": "p"})
        deadline = time.monotonic() + 45
        with pytest.raises(websockets.ConnectionClosed):
            for _ in range(100):  # at most ~70 MB of replies the client never reads
                await slow.send(resume)
                await asyncio.sleep(0.05)
            while time.monotonic() < deadline:
                await slow.send(ping)
                await asyncio.sleep(0.5)
        assert time.monotonic() < deadline, "the server never dropped the slow client"
        grown_mb = (rss_kb(server.proc.pid) - before) / 1024
        # Without the bound the server holds every unread reply (0.7 MB each).
        assert grown_mb < 40, f"server grew {grown_mb:.0f} MB for one unread socket"
        assert "closing a WebSocket that does not read" in server.log()

        # The same person reconnects and resumes exactly: every message, in order.
        again = await connect(server, reader_token, reader_id)
        ack = await again.resume({str(group): 0})
        assert ack["data"]["positions"][str(group)] >= MESSAGES
        news = [f["message"] for f in again.frames if f.get("event") == "message.new"]
        # seq 1 is the group's 「创建了群聊」 notice, then every message once, in order.
        assert [m["seq"] for m in news] == list(range(1, MESSAGES + 2))
        assert [m["text"] for m in news[1:]] == [TEXT] * MESSAGES
        await again.close()
    finally:
        server.stop()
        cluster.servers.remove(server)
        assert "Traceback" not in server.log(), server.log()[-4000:]


async def test_an_oversized_inbound_frame_is_refused_before_it_is_read(
    cluster: Cluster, nodes: tuple[harness.Server, harness.Server]
) -> None:
    """The inbound sibling: daphne's own bound (kept by this test), then ours at 64 KB."""
    server, _ = nodes
    person = harness.people("big", 1)[0]
    seeded = cluster.seed({"users": [person]})
    token = await login(server, person)
    client = await connect(server, token, seeded["users"][person["key"]]["id"])
    # Over ZT_WS_MAX_FRAME_BYTES (64 KB) but under the transport bound: an error frame.
    await client.ws.send(json.dumps({"type": "ping", "id": "big", "pad": "x" * 100_000}))
    error = await client.wait_until(
        lambda: next((f for f in client.frames if f.get("type") == "error"), None), 10, "error"
    )
    assert error["code"] == "frame_too_large"
    await client.resume()  # still open
    # Over daphne's 1 MB message bound: closed with 1009 from the frame header, unread.
    with pytest.raises(websockets.ConnectionClosed):
        await client.ws.send("x" * (4 * 1024 * 1024))
        await asyncio.wait_for(client.closed.wait(), 10)
        await client.ws.send("after")
    # The server fails the connection with 1009; a client still writing its 4 MB
    # may see the TCP connection end before it reads that close frame (1006).
    assert client.ws.close_code in (1009, 1006)
    assert not any(f.get("type") == "error" and f is not error for f in client.frames)
