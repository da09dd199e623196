"""Idle-socket benchmark: hold N authenticated sockets against one daphne process.

Reports the server's RSS per connection (VmRSS before/after) and its CPU% over
an idle window, and how many sockets the server closed while idle.

    .venv/bin/python -m bench.idle --sockets 1000 --idle 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import time
from collections import defaultdict
from typing import Any

from bench.common import (
    Stack,
    cpu_seconds,
    machine,
    raise_nofile,
    rss_kib,
    write_result,
)


async def _hold(plan: dict[str, Any], ready: Any, done: Any, out: Any) -> None:
    import websockets

    limit = raise_nofile(len(plan["tickets"]) + 1024)
    sockets: list[Any] = []
    errors: list[str] = []
    closed: dict[str, int] = defaultdict(int)
    semaphore = asyncio.Semaphore(plan["concurrency"])

    async def watch(ws: Any) -> None:
        try:
            async for _ in ws:
                pass  # presence events etc.; idle otherwise
        except websockets.ConnectionClosed as exc:
            closed[str(exc.rcvd.code if exc.rcvd else None)] += 1
        except Exception as exc:
            closed[type(exc).__name__] += 1

    watchers = []

    positions: dict[int, dict[str, int]] = {}

    async def open_one(
        index: int, key: str, into: list[Any], failures: list[str], sem: asyncio.Semaphore
    ) -> None:
        async with sem:
            try:
                ws = await websockets.connect(
                    f"{plan['url']}?ticket={key}", open_timeout=120, ping_interval=None
                )
                hello = json.loads(await asyncio.wait_for(ws.recv(), 120))
                assert hello["type"] == "hello", hello
                resume = {"type": "resume", "id": "r", "positions": positions.get(index, {})}
                await ws.send(json.dumps(resume))
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 120))
                    if frame.get("id") == "r":
                        assert frame["type"] == "ack", frame
                        positions[index] = frame["data"]["positions"]
                        break
                into.append(ws)
                watchers.append(asyncio.get_running_loop().create_task(watch(ws)))
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")

    started = time.monotonic()
    await asyncio.gather(
        *(open_one(i, k[0], sockets, errors, semaphore) for i, k in enumerate(plan["tickets"]))
    )
    ready.put(
        {
            "proc": plan["proc"],
            "connected": len(sockets),
            "seconds": time.monotonic() - started,
            "nofile": limit,
        }
    )
    command = await asyncio.get_running_loop().run_in_executor(None, done.get)
    storm: dict[str, Any] = {}
    if command == "storm":
        # Every socket drops at once and comes back with its second ticket, resuming
        # from the positions its first resume returned (a city's phones after a
        # network blip or a node restart).
        still_open = sum(1 for ws in sockets if ws.close_code is None)
        for task in watchers:
            task.cancel()
        watchers.clear()
        for ws in sockets:
            ws.transport.abort()
        sockets.clear()
        storm_errors: list[str] = []
        storm_started = time.monotonic()
        wide = asyncio.Semaphore(plan["storm_concurrency"])
        await asyncio.gather(
            *(open_one(i, k[1], sockets, storm_errors, wide) for i, k in enumerate(plan["tickets"]))
        )
        storm = {
            "reconnected": len(sockets),
            "seconds": time.monotonic() - storm_started,
            "errors": len(storm_errors),
            "error_samples": storm_errors[:5],
            "open_before": still_open,
        }
        out.put({"proc": plan["proc"], "storm": storm})
        await asyncio.get_running_loop().run_in_executor(None, done.get)
    still_open = sum(1 for ws in sockets if ws.close_code is None)
    for ws in sockets:
        with contextlib.suppress(Exception):
            await ws.close()
    out.put(
        {
            "proc": plan["proc"],
            "errors": len(errors),
            "error_samples": errors[:5],
            "closed_by_server": dict(closed),
            "still_open": still_open,
        }
    )


def _entry(plan: dict[str, Any], ready: Any, done: Any, out: Any) -> None:
    asyncio.run(_hold(plan, ready, done, out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("--sockets", type=int, default=10000)
    parser.add_argument("--idle", type=float, default=30, help="seconds of idle measurement")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=25, help="connects in flight/proc")
    parser.add_argument("--settle", type=float, default=10, help="seconds before measuring")
    parser.add_argument("--storm", action="store_true", help="then a reconnect storm")
    parser.add_argument(
        "--storm-concurrency", type=int, default=500, help="reconnects in flight/proc"
    )
    args = parser.parse_args()
    raise_nofile(args.sockets + 1024)
    stack = Stack(args.backend)
    result: dict[str, Any] = {"args": vars(args), "machine": machine()}
    try:
        stack.setup()
        t0 = time.monotonic()
        seeded = stack.seed({"users": args.sockets, "group_size": 0, "big_group": 0, "tickets": 2})
        result["seed_seconds"] = round(time.monotonic() - t0, 1)
        # The server inherits this process's raised RLIMIT_NOFILE.
        [server] = stack.start(1)
        pid = server.proc.pid
        time.sleep(2)
        rss_before = rss_kib(pid)
        ctx = mp.get_context("spawn")
        ready, out = ctx.Queue(), ctx.Queue()
        dones = [ctx.Queue() for _ in range(args.client_procs)]
        children = []
        tickets = [u["tickets"] for u in seeded["users"]]
        for p in range(args.client_procs):
            plan = {
                "proc": p,
                "url": server.ws,
                "tickets": tickets[p :: args.client_procs],
                "concurrency": args.concurrency,
                "storm_concurrency": args.storm_concurrency,
            }
            child = ctx.Process(target=_entry, args=(plan, ready, dones[p], out))
            child.start()
            children.append(child)
        cpu_connect = cpu_seconds(pid)
        readies = [ready.get(timeout=1800) for _ in range(args.client_procs)]
        connect_cpu = cpu_seconds(pid) - cpu_connect
        connected = sum(r["connected"] for r in readies)
        connect_seconds = max(r["seconds"] for r in readies)
        print(
            f"{connected}/{args.sockets} sockets connected in {connect_seconds:.1f} s", flush=True
        )
        time.sleep(args.settle)  # let the connect burst settle
        rss_after = rss_kib(pid)
        cpu0, w0 = cpu_seconds(pid), time.monotonic()
        time.sleep(args.idle)
        cpu1, w1 = cpu_seconds(pid), time.monotonic()
        rss_end = rss_kib(pid)
        if args.storm:
            cpu_storm = cpu_seconds(pid)
            for done in dones:
                done.put("storm")
            storms = [out.get(timeout=1800)["storm"] for _ in range(args.client_procs)]
            storm_cpu = cpu_seconds(pid) - cpu_storm
            reconnected = sum(x["reconnected"] for x in storms)
            storm_seconds = max(x["seconds"] for x in storms)
            result["storm"] = {
                "sockets": connected,
                "reconnected": reconnected,
                "seconds": round(storm_seconds, 1),
                "handshakes_per_second": round(reconnected / max(storm_seconds, 1e-9), 1),
                "errors": sum(x["errors"] for x in storms),
                "error_samples": [e for x in storms for e in x["error_samples"]][:5],
                "server_cpu_ms_per_handshake": round(1000 * storm_cpu / max(reconnected, 1), 2),
            }
            print(f"storm: {result['storm']}", flush=True)
        result["connect_server_cpu_ms_per_socket"] = round(
            1000 * connect_cpu / max(connected, 1), 2
        )
        for done in dones:
            done.put(True)
        reports = [out.get(timeout=300) for _ in range(args.client_procs)]
        for child in children:
            child.join(30)
        closed: dict[str, int] = defaultdict(int)
        for report in reports:
            for key, value in report["closed_by_server"].items():
                closed[key] += value
        result.update(
            {
                "backend": args.backend,
                "connected": connected,
                "connect_seconds": round(connect_seconds, 1),
                "connects_per_second": round(connected / max(connect_seconds, 1e-9), 1),
                "connect_errors": sum(r["errors"] for r in reports),
                "connect_error_samples": [e for r in reports for e in r["error_samples"]][:5],
                "server_rss_mib_before": round(rss_before / 1024, 1),
                "server_rss_mib_connected": round(rss_after / 1024, 1),
                "server_rss_mib_after_idle": round(rss_end / 1024, 1),
                "rss_kib_per_connection": round((rss_after - rss_before) / max(connected, 1), 1),
                "idle_seconds": round(w1 - w0, 1),
                "idle_cpu_percent": round(100 * (cpu1 - cpu0) / (w1 - w0), 2),
                "closed_by_server_while_idle": dict(closed),
                "still_open_at_end": sum(r["still_open"] for r in reports),
                "server_tracebacks": stack.server_errors(),
            }
        )
    finally:
        stack.teardown()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"wrote {write_result('idle', result)}")


if __name__ == "__main__":
    main()
