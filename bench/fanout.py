"""Fan-out benchmark: many real WebSocket clients in groups, senders at a set rate.

Starts its own stack (see bench/README.md), seeds users and groups through the
real services, opens one socket per user from ``--client-procs`` client
processes, and has one sender per group send at a fixed rate. Every message
carries its send time; every ``message.new`` a socket receives is checked
against the acked seqs of its conversation: drops and duplicates must be 0.

    .venv/bin/python -m bench.fanout --backend embedded --users 200 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing as mp
import time
from collections import defaultdict
from typing import Any

from bench.common import (
    Stack,
    cpu_seconds,
    machine,
    percentile,
    raise_nofile,
    rss_kib,
    write_result,
)

MARK = "bench "


# --- client process ----------------------------------------------------------------


async def _client_main(plan: dict[str, Any], ready: Any, go: Any, out: Any) -> None:
    import websockets

    raise_nofile(65536)
    sockets: dict[int, Any] = {}
    received: dict[tuple[int, int], list[int]] = defaultdict(list)
    latencies: list[float] = []
    closed: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    last_frame = [time.monotonic()]
    last_delivery = [0.0]
    acks: dict[int, dict[str, asyncio.Future[dict[str, Any]]]] = defaultdict(dict)
    semaphore = asyncio.Semaphore(100)

    async def reader(user: int, ws: Any) -> None:
        try:
            async for raw in ws:
                now = time.time()
                last_frame[0] = time.monotonic()
                if '"message.new"' in raw:
                    frame = json.loads(raw)
                    message = frame["message"]
                    text = message["text"]
                    if text.startswith(MARK):
                        received[(user, frame["conversation_id"])].append(message["seq"])
                        latencies.append(now - float(text.split()[1]))
                        last_delivery[0] = now
                    continue
                if '"ack"' in raw or '"error"' in raw:
                    frame = json.loads(raw)
                    future = acks[user].pop(str(frame.get("id")), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            closed[str(code)] += 1
        except Exception as exc:
            closed[type(exc).__name__] += 1

    async def command(user: int, frame: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        acks[user][frame["id"]] = future
        await sockets[user].send(json.dumps(frame, ensure_ascii=False))
        return await asyncio.wait_for(future, timeout)

    readers = []

    async def open_one(user: int) -> None:
        url = f"{plan['urls'][str(user)]}?ticket={plan['tickets'][str(user)]}"
        async with semaphore:
            try:
                ws = await websockets.connect(url, max_size=2**22, open_timeout=60)
                hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
                assert hello["type"] == "hello", hello
                sockets[user] = ws
                readers.append(asyncio.get_running_loop().create_task(reader(user, ws)))
                reply = await command(user, {"type": "resume", "id": "r", "positions": {}})
                assert reply["type"] == "ack", reply
            except Exception as exc:
                errors.append(f"connect {user}: {type(exc).__name__}: {exc}")

    started = time.monotonic()
    await asyncio.gather(*(open_one(int(u)) for u in plan["users"]))
    connect_seconds = time.monotonic() - started
    ready.put({"proc": plan["proc"], "connected": len(sockets), "seconds": connect_seconds})
    start_at = await asyncio.get_running_loop().run_in_executor(None, go.get)

    acked: dict[int, list[int]] = defaultdict(list)
    send_errors: list[str] = []
    duration = plan["duration"]

    async def sender(user: int, conversation_id: int, rate: float, offset: float) -> None:
        if user not in sockets:
            return
        interval = 1.0 / rate
        n = 0
        begin = start_at + offset
        while True:
            due = begin + n * interval
            if due > start_at + duration:
                return
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = {
                "type": "send",
                "id": f"s{n}",
                "conversation_id": conversation_id,
                "client_id": f"b{conversation_id}-{n}",
                "text": f"{MARK}{time.time():.6f} {n}",
            }
            n += 1
            try:
                reply = await command(user, frame)
            except Exception as exc:
                send_errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if reply["type"] == "ack":
                acked[conversation_id].append(reply["data"]["message"]["seq"])
            else:
                send_errors.append(f"{reply.get('code')}: {reply.get('message')}")

    await asyncio.gather(
        *(sender(int(u), int(c), float(r), float(o)) for u, c, r, o in plan["senders"])
    )
    # Drain: until nothing arrived for `quiet` seconds (or the drain limit).
    deadline = time.monotonic() + plan["drain"]
    while time.monotonic() < deadline and time.monotonic() - last_frame[0] < plan["quiet"]:
        await asyncio.sleep(0.2)
    finished = time.time()
    for ws in sockets.values():
        with contextlib.suppress(Exception):
            await ws.close()
    for task in readers:
        task.cancel()
    out.put(
        {
            "proc": plan["proc"],
            "received": {f"{u}:{c}": seqs for (u, c), seqs in received.items()},
            "latencies": latencies,
            "acked": dict(acked),
            "send_errors": send_errors,
            "connect_errors": errors,
            "closed_by_server": dict(closed),
            "connected": len(sockets),
            "start_at": start_at,
            "finished": finished,
            "last_delivery": last_delivery[0],
        }
    )


def _client_entry(plan: dict[str, Any], ready: Any, go: Any, out: Any) -> None:
    asyncio.run(_client_main(plan, ready, go, out))


# --- orchestration -----------------------------------------------------------------


def run_backend(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    stack = Stack(backend)
    result: dict[str, Any] = {"backend": backend}
    try:
        stack.setup(
            {
                # Senders here are paced by the benchmark; the per-socket flood
                # limit (20/s by default) is not what is measured.
                "ZT_WS_RATE_PER_SECOND": "10000",
                "ZT_WS_RATE_BURST": "10000",
                "ZT_GROUP_MEMBER_LIMIT": str(max(2000, args.big_group)),
            }
        )
        t0 = time.monotonic()
        seeded = stack.seed(
            {"users": args.users, "group_size": args.group_size, "big_group": args.big_group}
        )
        result["seed_seconds"] = round(time.monotonic() - t0, 1)
        n_servers = 1 if backend == "embedded" else args.servers
        servers = stack.start(n_servers)
        users = seeded["users"]
        groups = seeded["groups"]
        big = seeded["big"]
        members: dict[int, list[int]] = {g["id"]: g["members"] for g in groups}
        if big:
            members[big["id"]] = big["members"]

        senders: list[tuple[int, int, float, float]] = []
        if groups and args.rate > 0:
            per_group = args.rate / len(groups)
            for i, group in enumerate(groups):
                offset = (i / len(groups)) / per_group  # spread the groups' sends evenly
                senders.append((group["members"][0], group["id"], per_group, offset))
        if big and args.big_rate > 0:
            senders.append((big["members"][1 % len(big["members"])], big["id"], args.big_rate, 0))

        procs = args.client_procs
        ready: Any = mp.get_context("spawn").Queue()
        out: Any = mp.get_context("spawn").Queue()
        gos = [mp.get_context("spawn").Queue() for _ in range(procs)]
        children = []
        for p in range(procs):
            mine = [i for i in range(len(users)) if i % procs == p]
            plan = {
                "proc": p,
                "users": mine,
                "urls": {str(i): servers[(i // procs) % len(servers)].ws for i in mine},
                "tickets": {str(i): users[i]["tickets"][0] for i in mine},
                "senders": [s for s in senders if s[0] % procs == p],
                "duration": args.duration,
                "drain": args.drain,
                "quiet": 3.0,
            }
            child = mp.get_context("spawn").Process(
                target=_client_entry, args=(plan, ready, gos[p], out)
            )
            child.start()
            children.append(child)
        readies = [ready.get(timeout=600) for _ in range(procs)]
        result["connected"] = sum(r["connected"] for r in readies)
        result["connect_seconds"] = round(max(r["seconds"] for r in readies), 1)
        print(
            f"[{backend}] {result['connected']}/{len(users)} sockets connected "
            f"in {result['connect_seconds']} s",
            flush=True,
        )
        rss_before = {s.name: rss_kib(s.proc.pid) for s in servers}
        cpu_before = {s.name: cpu_seconds(s.proc.pid) for s in servers}
        start_at = time.time() + 1.0
        for go in gos:
            go.put(start_at)
        reports = [out.get(timeout=args.duration + args.drain + 600) for _ in range(procs)]
        for child in children:
            child.join(30)
        finished = max(r["finished"] for r in reports)
        cpu_after = {s.name: cpu_seconds(s.proc.pid) for s in servers}
        wall = finished - start_at
        result["server_cpu_percent"] = {
            name: round(100 * (cpu_after[name] - cpu_before[name]) / wall, 1) for name in cpu_after
        }
        result["server_rss_mib"] = {
            s.name: {
                "before": round(rss_before[s.name] / 1024, 1),
                "after": round(rss_kib(s.proc.pid) / 1024, 1),
            }
            for s in servers
        }
        result.update(analyse(reports, members, users, start_at, args))
        result["server_tracebacks"] = stack.server_errors()
    finally:
        stack.teardown()
    return result


def analyse(
    reports: list[dict[str, Any]],
    members: dict[int, list[int]],
    users: list[dict[str, Any]],
    start_at: float,
    args: argparse.Namespace,
) -> dict[str, Any]:
    acked: dict[int, list[int]] = defaultdict(list)
    for report in reports:
        for conversation_id, seqs in report["acked"].items():
            acked[int(conversation_id)].extend(seqs)
    received: dict[tuple[int, int], list[int]] = {}
    for report in reports:
        for key, seqs in report["received"].items():
            user, conversation_id = (int(x) for x in key.split(":"))
            received[(user, conversation_id)] = seqs
    with_data = {user for user, _ in received}
    expected_total = dropped = duplicated = unexpected = out_of_order = 0
    for conversation_id, seqs in acked.items():
        want = set(seqs)
        for user in members[conversation_id]:
            got = received.get((user, conversation_id), [])
            expected_total += len(want)
            unique = set(got)
            dropped += len(want - unique)
            duplicated += len(got) - len(unique)
            unexpected += len(unique - want)
            out_of_order += sum(1 for a, b in itertools.pairwise(got) if b <= a)
    latencies = [x for r in reports for x in r["latencies"]]
    delivered = len(latencies)
    last = max(r["last_delivery"] for r in reports) or start_at  # no delivery at all
    sent = sum(len(s) for s in acked.values())
    ms = 1000.0
    return {
        "messages_sent": sent,
        "send_errors": sum(len(r["send_errors"]) for r in reports),
        "send_error_samples": [e for r in reports for e in r["send_errors"]][:5],
        "connect_errors": sum(len(r["connect_errors"]) for r in reports),
        "connect_error_samples": [e for r in reports for e in r["connect_errors"]][:5],
        "closed_by_server": _merge(r["closed_by_server"] for r in reports),
        "deliveries_expected": expected_total,
        "deliveries_received": delivered,
        "dropped": dropped,
        "duplicated": duplicated,
        "unexpected": unexpected,
        "out_of_order": out_of_order,
        # Over the span from the first send to the last delivery.
        "deliveries_per_second": round(delivered / max(1e-9, last - start_at), 1),
        "delivery_span_seconds": round(last - start_at, 1),
        "send_window_seconds": args.duration,
        "latency_ms": {
            "p50": _round(percentile(latencies, 50), ms),
            "p95": _round(percentile(latencies, 95), ms),
            "p99": _round(percentile(latencies, 99), ms),
            "max": _round(max(latencies) if latencies else None, ms),
        },
        "sockets_with_data": len(with_data),
        "users": len(users),
    }


def _merge(dicts: Any) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for item in dicts:
        for key, value in item.items():
            total[key] += value
    return dict(total)


def _round(value: float | None, scale: float) -> float | None:
    return None if value is None else round(value * scale, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["embedded", "redis", "both"], default="both")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--group-size", type=int, default=100)
    parser.add_argument("--big-group", type=int, default=1000, help="0 for none")
    parser.add_argument("--rate", type=float, default=20, help="msg/s over all small groups")
    parser.add_argument("--big-rate", type=float, default=2, help="msg/s into the big group")
    parser.add_argument("--duration", type=float, default=30, help="seconds of sending")
    parser.add_argument("--drain", type=float, default=60, help="max seconds to wait after")
    parser.add_argument("--servers", type=int, default=2, help="daphne processes (redis)")
    parser.add_argument("--client-procs", type=int, default=2)
    args = parser.parse_args()
    backends = ["embedded", "redis"] if args.backend == "both" else [args.backend]
    summary: dict[str, Any] = {"args": vars(args), "machine": machine(), "runs": []}
    for backend in backends:
        run = run_backend(args, backend)
        summary["runs"].append(run)
        print(json.dumps(run, ensure_ascii=False, indent=1), flush=True)
    path = write_result("fanout", summary)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
