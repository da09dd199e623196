"""Call setup time, ring → connected, of a 1:1 mesh call between two aiortc peers.

```sh
.venv/bin/python -m bench.calls --backend embedded --calls 20
.venv/bin/python -m bench.calls --backend redis --calls 20      # PostgreSQL + Redis, 2 servers
```

A private stack (`bench.common.Stack`): the caller's socket on the first
server, the callee's on the last. Each round the caller starts an audio call
over REST (t0); the callee hears `call.ringing` (ring), answers at once with
`call_join` and offers (the later joiner offers, docs/calls.md); the caller
joined right after its POST. Measured per call, from t0: the ring reaching
the callee, both peer connections `connected` (ICE + DTLS on loopback,
signalled through the server) and the first audible audio frame at the
callee. Both then leave and the next round starts. The callee answers
immediately, so "ring → connected" here is the system's part only, without a
human's reaction time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from bench.common import Stack, machine, percentile, write_result
from tests.integration import harness
from tests.integration.calls_peers import Phone
from tests.integration.harness import Client, Server
from tests.integration.seed import PASSWORD


async def _retry(call: Any, *args: Any, attempts: int = 5) -> Any:
    """A REST call, retried: on a saturated shared machine a first request may time out."""
    for attempt in range(attempts):
        try:
            return await asyncio.to_thread(call, *args)
        except TimeoutError:
            if attempt == attempts - 1:
                raise
    return None


async def _socket(server: Server, user: dict[str, Any]) -> tuple[Client, str]:
    token = await _retry(harness.login, server, user["mobile"], PASSWORD)
    key = await _retry(harness.ticket, server, token)
    client = await Client.connect(server, key, user["id"])
    await client.resume()
    return client, token


def _ringing(client: Client, call_id: int) -> bool:
    return any(
        f.get("event") == "call.ringing" and f["data"]["call"]["id"] == call_id
        for f in client.frames
    )


async def _one_call(
    caller: Phone, callee: Phone, caller_server: Server, token: str, conversation_id: int
) -> dict[str, float]:
    t0 = time.perf_counter()
    started = await asyncio.to_thread(
        harness.http_json,
        "POST",
        f"{caller_server.http}/api/v1/conversations/{conversation_id}/calls",
        {"media": "audio"},
        token,
    )
    call_id = started["id"]
    for phone in (caller, callee):
        phone.failures.clear()
    await caller.join(call_id)
    await callee.client.wait_until(lambda: _ringing(callee.client, call_id), 20, "ring")
    ring = time.perf_counter() - t0
    await callee.join(call_id)
    await callee.offer(caller.peer_id)
    await callee.connected_to([caller.peer_id], timeout=60)
    await caller.connected_to([callee.peer_id], timeout=60)
    connected = time.perf_counter() - t0
    await callee.hears([caller.peer_id], frames=1, timeout=60)
    audio = time.perf_counter() - t0
    for phone in (callee, caller):
        await phone.client.command({"type": "call_leave", "call_id": call_id})
        for pc in list(phone.pcs.values()):
            await pc.close()
        phone.pcs.clear()
        phone.levels.clear()
    return {"ring_ms": ring * 1000, "connected_ms": connected * 1000, "audio_ms": audio * 1000}


async def _run(stack: Stack, calls: int) -> list[dict[str, float]]:
    people = harness.people("bench", 2)
    seeded = harness.seed(
        stack.env, {"users": people, "directs": [{"key": "ab", "users": ["bench0", "bench1"]}]}
    )
    first, second = stack.servers[0], stack.servers[-1]
    a_user, b_user = seeded["users"]["bench0"], seeded["users"]["bench1"]
    a_client, a_token = await _socket(first, a_user)
    b_client, _ = await _socket(second, b_user)
    caller, callee = Phone("caller", a_client, 440), Phone("callee", b_client, 660)
    results = []
    try:
        for _ in range(calls):
            results.append(
                await _one_call(caller, callee, first, a_token, seeded["conversations"]["ab"])
            )
    finally:
        await caller.close()
        await callee.close()
    return results


def _summary(rows: list[dict[str, float]]) -> dict[str, Any]:
    out: dict[str, Any] = {"calls": len(rows)}
    for key in ("ring_ms", "connected_ms", "audio_ms"):
        values = [r[key] for r in rows]
        out[key] = {
            "p50": round(percentile(values, 50) or 0, 1),
            "p95": round(percentile(values, 95) or 0, 1),
            "max": round(max(values), 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["embedded", "redis", "both"], default="embedded")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--servers", type=int, default=2, help="daphne processes (redis)")
    args = parser.parse_args()
    backends = ["embedded", "redis"] if args.backend == "both" else [args.backend]
    report: dict[str, Any] = {"machine": machine(), "runs": {}}
    for backend in backends:
        stack = Stack(backend)
        try:
            stack.setup()
            stack.start(1 if backend == "embedded" else args.servers)
            rows = asyncio.run(_run(stack, args.calls))
            report["runs"][backend] = {
                **_summary(rows),
                "server_errors": stack.server_errors(),
            }
            print(json.dumps({backend: report["runs"][backend]}), flush=True)
        finally:
            stack.teardown()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written to {write_result('calls', report)}")


if __name__ == "__main__":
    main()
