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
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
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

ROOT = Path(__file__).resolve().parents[1]
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


# --- rate ladder -------------------------------------------------------------------
#
# One group of G members plus a conversation of two (the send probe). Server(s)
# pinned to CPU 0, client processes to CPU 1 (when the machine has two). First
# the probe: `--probe` sends, one after another, in the conversation of two:
# server CPU per acked send. Then steps of rising rate into the group, each
# `--step` seconds plus its drain: loss, latency, server CPU per delivery
# ((CPU − sends × CPU per send) / deliveries). The ladder stops at the first
# step over the p99 threshold or with any loss. The same clients then do the
# same against `bench.floor` (a bare `websockets` broadcaster) for the ratios.


async def _ladder_client(plan: dict[str, Any], ready: Any, commands: Any, out: Any) -> None:
    import websockets

    raise_nofile(65536)
    sockets: dict[int, Any] = {}
    received: dict[tuple[int, int], list[int]] = defaultdict(list)
    latencies: list[float] = []
    closed: dict[str, int] = defaultdict(int)
    errors: list[str] = []
    last_frame = [time.monotonic()]
    acks: dict[int, dict[str, asyncio.Future[dict[str, Any]]]] = defaultdict(dict)
    semaphore = asyncio.Semaphore(plan["concurrency"])
    loop = asyncio.get_running_loop()

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
                    continue
                if '"ack"' in raw or '"error"' in raw:
                    frame = json.loads(raw)
                    future = acks[user].pop(str(frame.get("id")), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
        except websockets.ConnectionClosed as exc:
            closed[str(exc.rcvd.code if exc.rcvd else None)] += 1
        except Exception as exc:
            closed[type(exc).__name__] += 1

    async def command(user: int, frame: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        acks[user][frame["id"]] = future
        await sockets[user].send(json.dumps(frame, ensure_ascii=False))
        return await asyncio.wait_for(future, timeout)

    readers = []

    retries: list[str] = []

    async def open_one(user: int) -> None:
        # A client whose handshake fails tries again with its next ticket (as the
        # PWA does); every failed attempt is counted.
        tickets = plan["tickets"][str(user)]
        async with semaphore:
            for attempt, ticket in enumerate(tickets):
                url = f"{plan['urls'][str(user)]}?ticket={ticket}"
                try:
                    ws = await websockets.connect(url, max_size=2**22, open_timeout=120)
                    hello = json.loads(await asyncio.wait_for(ws.recv(), 120))
                    assert hello["type"] == "hello", hello
                    sockets[user] = ws
                    readers.append(loop.create_task(reader(user, ws)))
                    reply = await command(user, {"type": "resume", "id": "r", "positions": {}})
                    assert reply["type"] == "ack", reply
                    return
                except Exception as exc:
                    failure = f"connect {user}: {type(exc).__name__}: {exc}"
                    sockets.pop(user, None)
                    if attempt + 1 == len(tickets):
                        errors.append(failure)
                    else:
                        retries.append(failure)

    started = time.monotonic()
    await asyncio.gather(*(open_one(int(u)) for u in plan["users"]))
    ready.put(
        {
            "connected": len(sockets),
            "users": sorted(sockets),
            "seconds": time.monotonic() - started,
            "errors": errors,
            "retries": retries,
        }
    )
    counter = itertools.count()
    while True:
        job = await loop.run_in_executor(None, commands.get)
        kind = job["kind"]
        if kind == "stop":
            break
        if kind == "probe":  # sequential sends, each waiting for its ack
            user, conversation_id = job["sender"], job["conversation"]
            if user not in sockets:
                out.put({"round_trips": [], "failures": job["count"]})
                continue
            round_trips: list[float] = []
            failures = 0
            for _ in range(job["count"]):
                n = next(counter)
                t0 = time.monotonic()
                reply = await command(
                    user,
                    {
                        "type": "send",
                        "id": f"p{n}",
                        "conversation_id": conversation_id,
                        "client_id": f"p{conversation_id}-{n}",
                        "text": f"probe {n}",
                    },
                )
                round_trips.append(time.monotonic() - t0)
                failures += reply["type"] != "ack"
            out.put({"round_trips": round_trips, "failures": failures})
            continue
        # A step: everyone listens, the sender's process sends at `rate` for `seconds`.
        received.clear()
        latencies.clear()
        acked: list[int] = []
        send_errors: list[str] = []
        start_at, rate, seconds = job["start_at"], job["rate"], job["seconds"]
        sender = job["sender"]
        if sender in sockets:
            interval = 1.0 / rate
            pending = []
            for i in range(int(rate * seconds)):
                delay = start_at + i * interval - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                n = next(counter)
                frame = {
                    "type": "send",
                    "id": f"s{n}",
                    "conversation_id": job["conversation"],
                    "client_id": f"b{job['conversation']}-{n}",
                    "text": f"{MARK}{time.time():.6f} {n}",
                }
                pending.append(loop.create_task(command(sender, frame)))
            for task in pending:
                try:
                    reply = await task
                except Exception as exc:
                    send_errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if reply["type"] == "ack":
                    acked.append(reply["data"]["message"]["seq"])
                else:
                    send_errors.append(f"{reply.get('code')}: {reply.get('message')}")
        else:
            await asyncio.sleep(max(0.0, start_at + seconds - time.time()))
        deadline = time.monotonic() + job["drain"]
        while time.monotonic() < deadline and time.monotonic() - last_frame[0] < job["quiet"]:
            await asyncio.sleep(0.1)
        out.put(
            {
                "received": {f"{u}:{c}": list(seqs) for (u, c), seqs in received.items()},
                "latencies": list(latencies),
                "acked": acked,
                "send_errors": send_errors,
                "closed_by_server": dict(closed),
            }
        )
    for ws in sockets.values():
        with contextlib.suppress(Exception):
            await ws.close()
    for task in readers:
        task.cancel()


def _ladder_entry(plan: dict[str, Any], ready: Any, commands: Any, out: Any) -> None:
    if plan.get("cpus"):
        os.sched_setaffinity(0, set(plan["cpus"]))
    asyncio.run(_ladder_client(plan, ready, commands, out))


def _start_floor(members: dict[int, list[int]], cpus: set[int] | None) -> tuple[Any, str]:
    from tests.integration.harness import free_port, wait_for_port

    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.floor",
            "--port",
            str(port),
            "--members",
            json.dumps(members),
        ],
        cwd=ROOT,
    )
    if cpus is not None:
        os.sched_setaffinity(proc.pid, cpus)
    wait_for_port(port, proc, 180)
    return proc, f"ws://127.0.0.1:{port}/ws/v1/"


def ladder_target(args: argparse.Namespace, target: str, size: int) -> dict[str, Any]:
    """One ladder for `target` (embedded, redis or floor) and group size `size`."""
    pin = (os.cpu_count() or 1) >= 2 and not args.no_pin
    server_cpus, client_cpus = ({0}, [1]) if pin else (None, None)
    stack: Stack | None = None
    floor: Any = None
    result: dict[str, Any] = {"target": target, "group_size": size}
    try:
        # users 0..G-1 in the group; the send probe is users 0 and 1 alone.
        members = {1: list(range(size)), 2: [0, 1]}
        if target == "floor":
            floor, url = _start_floor(members, server_cpus)
            pids = [floor.pid]
            urls = dict.fromkeys(range(size), url)
            tickets = {i: [f"u{i}"] * 3 for i in range(size)}
            group, pair = 1, 2
        else:
            stack = Stack(target)
            stack.setup(
                {
                    "ZT_WS_RATE_PER_SECOND": "10000",
                    "ZT_WS_RATE_BURST": "10000",
                    "ZT_SEND_RATE_PER_SECOND": "10000",
                    "ZT_GROUP_MEMBER_LIMIT": str(max(2000, size)),
                }
            )
            seeded = stack.seed({"users": size, "group_size": size, "big_group": 2, "tickets": 3})
            servers = stack.start(1 if target == "embedded" else args.servers, server_cpus)
            pids = [s.proc.pid for s in servers]
            urls = {i: servers[i % len(servers)].ws for i in range(size)}
            tickets = {i: seeded["users"][i]["tickets"] for i in range(size)}
            group, pair = seeded["groups"][0]["id"], seeded["big"]["id"]
            members = {group: list(range(size)), pair: [0, 1]}
        ctx = mp.get_context("spawn")
        ready, out = ctx.Queue(), ctx.Queue()
        procs = args.client_procs
        commands = [ctx.Queue() for _ in range(procs)]
        children = []
        for p in range(procs):
            mine = [i for i in range(size) if i % procs == p]
            plan = {
                "users": mine,
                "urls": {str(i): urls[i] for i in mine},
                "tickets": {str(i): tickets[i] for i in mine},
                "concurrency": args.connect_concurrency,
                "cpus": client_cpus,
            }
            child = ctx.Process(target=_ladder_entry, args=(plan, ready, commands[p], out))
            child.start()
            children.append(child)
        t0 = time.monotonic()
        readies = [ready.get(timeout=900) for _ in range(procs)]
        result["connected"] = sum(r["connected"] for r in readies)
        connected = sorted(u for r in readies for u in r["users"])
        result["connect_seconds"] = round(time.monotonic() - t0, 1)
        result["connect_errors"] = sum(len(r["errors"]) for r in readies)
        result["connect_error_samples"] = [e for r in readies for e in r["errors"]][:5]
        result["connect_retries"] = sum(len(r["retries"]) for r in readies)
        result["connect_retry_samples"] = [e for r in readies for e in r["retries"]][:3]
        print(
            f"[{target} G={size}] {result['connected']}/{size} connected in "
            f"{result['connect_seconds']} s; retries: {result['connect_retries']}; "
            f"errors: {result['connect_error_samples'][:2]}",
            flush=True,
        )

        def cpu() -> float:
            return sum(cpu_seconds(pid) for pid in pids)

        # The probe: user 0 (in client process 0) sends in the conversation of two.
        cpu0 = cpu()
        commands[0].put({"kind": "probe", "sender": 0, "conversation": pair, "count": args.probe})
        probe = out.get(timeout=900)
        probe_cpu = cpu() - cpu0
        per_send = probe_cpu / max(1, args.probe)
        result["probe"] = {
            "sends": args.probe,
            "failures": probe["failures"],
            "server_cpu_ms_per_send": round(per_send * 1000, 3),
            "ack_round_trip_ms_p50": _round(percentile(probe["round_trips"], 50), 1000),
        }
        print(f"[{target} G={size}] probe: {result['probe']}", flush=True)
        threshold = args.p99_ms_1000 if size >= 1000 else args.p99_ms_200
        rates = args.rates_1000 if size >= 1000 else args.rates_200
        steps = []
        for rate in rates:
            start_at = time.time() + 0.5
            cpu0 = cpu()
            for q in commands:
                q.put(
                    {
                        "kind": "step",
                        "rate": rate,
                        "seconds": args.step,
                        "start_at": start_at,
                        "sender": 0,
                        "conversation": group,
                        "drain": args.step_drain,
                        "quiet": 1.5,
                    }
                )
            reports = [out.get(timeout=args.step + args.step_drain + 300) for _ in range(procs)]
            step_cpu = cpu() - cpu0
            # Loss is counted over the sockets that connected (a failed connect is
            # reported above, as connect errors).
            step = _ladder_step(reports, connected, rate, step_cpu, per_send, threshold)
            steps.append(step)
            print(f"[{target} G={size}] {step}", flush=True)
            if not step["ok"]:
                break
        for q in commands:
            q.put({"kind": "stop"})
        for child in children:
            child.join(60)
        result["p99_threshold_ms"] = threshold
        result["steps"] = steps
        passing = [s["rate"] for s in steps if s["ok"]]
        result["best_rate"] = max(passing) if passing else 0
        per_delivery = [s["server_cpu_us_per_delivery"] for s in steps if s["deliveries"]]
        result["server_cpu_us_per_delivery"] = min(per_delivery) if per_delivery else None
        if stack is not None:
            result["server_tracebacks"] = stack.server_errors()
    finally:
        if floor is not None:
            floor.terminate()
            floor.wait(10)
        if stack is not None:
            stack.teardown()
    return result


def _ladder_step(
    reports: list[dict[str, Any]],
    connected: list[int],
    rate: float,
    step_cpu: float,
    per_send: float,
    threshold: float,
) -> dict[str, Any]:
    acked = sorted(s for r in reports for s in r["acked"])
    want = set(acked)
    got: dict[int, list[int]] = {}
    for report in reports:
        for key, seqs in report["received"].items():
            got[int(key.split(":")[0])] = seqs
    dropped = duplicated = 0
    for user in connected:
        seqs = got.get(user, [])
        dropped += len(want - set(seqs))
        duplicated += len(seqs) - len(set(seqs))
    latencies = [x for r in reports for x in r["latencies"]]
    p99 = percentile(latencies, 99)
    deliveries = len(latencies)
    send_errors = sum(len(r["send_errors"]) for r in reports)
    ok = (
        bool(acked)
        and dropped == 0
        and duplicated == 0
        and send_errors == 0
        and p99 is not None
        and p99 * 1000 <= threshold
    )
    return {
        "rate": rate,
        "ok": ok,
        "sent": len(acked),
        "send_errors": send_errors,
        "deliveries": deliveries,
        "dropped": dropped,
        "duplicated": duplicated,
        "latency_ms_p50": _round(percentile(latencies, 50), 1000),
        "latency_ms_p99": _round(p99, 1000),
        "server_cpu_s": round(step_cpu, 3),
        "server_cpu_us_per_delivery": round(
            1e6 * max(0.0, step_cpu - len(acked) * per_send) / max(1, deliveries), 1
        ),
        "closed_by_server": _merge(r["closed_by_server"] for r in reports),
    }


def run_ladder(args: argparse.Namespace, backends: list[str]) -> dict[str, Any]:
    runs = []
    for size in args.sizes:
        for target in [*backends, *([] if args.no_floor else ["floor"])]:
            load_before = Path("/proc/loadavg").read_text().split()[:3]
            run = ladder_target(args, target, size)
            run["loadavg_before"] = load_before
            run["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
            runs.append(run)
    floors = {r["group_size"]: r for r in runs if r["target"] == "floor"}
    for run in runs:
        floor = floors.get(run["group_size"])
        if floor is None or run is floor:
            continue
        run["vs_floor"] = {
            "best_rate": _ratio(run["best_rate"], floor["best_rate"]),
            "cpu_per_delivery": _ratio(
                run["server_cpu_us_per_delivery"], floor["server_cpu_us_per_delivery"]
            ),
            "cpu_per_send": _ratio(
                run["probe"]["server_cpu_ms_per_send"], floor["probe"]["server_cpu_ms_per_send"]
            ),
        }
    return {"runs": runs}


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if not a or not b else round(a / b, 2)


def _merge(dicts: Any) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for item in dicts:
        for key, value in item.items():
            total[key] += value
    return dict(total)


def _round(value: float | None, scale: float) -> float | None:
    return None if value is None else round(value * scale, 1)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


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
    ladder = parser.add_argument_group("rate ladder (--ladder)")
    ladder.add_argument("--ladder", action="store_true", help="run the rate ladder instead")
    ladder.add_argument(
        "--sizes", type=_ints, default=[200, 1000], help="group sizes, e.g. 200,1000"
    )
    ladder.add_argument("--rates-200", type=_floats, default=[10, 25, 50, 75, 100, 150, 200])
    ladder.add_argument("--rates-1000", type=_floats, default=[1, 5, 10, 15, 20, 30])
    ladder.add_argument("--p99-ms-200", type=float, default=100.0)
    ladder.add_argument("--p99-ms-1000", type=float, default=250.0)
    ladder.add_argument("--step", type=float, default=8, help="seconds of sending per step")
    ladder.add_argument("--step-drain", type=float, default=20, help="max seconds after a step")
    ladder.add_argument("--probe", type=int, default=200, help="sends in the send probe")
    ladder.add_argument(
        "--connect-concurrency", type=int, default=50, help="connects in flight per client proc"
    )
    ladder.add_argument("--no-floor", action="store_true", help="skip the websockets floor")
    ladder.add_argument("--no-pin", action="store_true", help="do not pin server/clients")
    args = parser.parse_args()
    backends = ["embedded", "redis"] if args.backend == "both" else [args.backend]
    summary: dict[str, Any] = {"args": vars(args), "machine": machine(), "runs": []}
    if args.ladder:
        summary.update(run_ladder(args, backends))
        print(json.dumps(summary, ensure_ascii=False, indent=1), flush=True)
        print(f"wrote {write_result('fanout-ladder', summary)}")
        return
    for backend in backends:
        run = run_backend(args, backend)
        summary["runs"].append(run)
        print(json.dumps(run, ensure_ascii=False, indent=1), flush=True)
    path = write_result("fanout", summary)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
