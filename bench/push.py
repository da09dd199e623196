"""加急 to a 1,000-person group with nobody online: web push to all, SMS to the unread.

What it measures (docs/benchmarks.md, "Push and SMS"):

1. A private database is migrated and seeded (`bench.push_seed`): a sender, N
   recipients with mobile numbers, one push subscription each (a device of
   the local push service, `tests.push.servers.PushService`, on 127.0.0.1:
   it verifies every VAPID JWT and decrypts every RFC 8291 payload), and one
   group of them all. Nobody has a socket open.
2. `--workers` real `manage.py db_worker` processes start on that database.
3. The sender's `send` with `urgent: {"channels": ["app", "sms"]}`
   (`message_send_urgent`, in a driver subprocess) commits at t0.
4. Time until the push service has accepted all N pushes.
5. Then `--read` recipients read the message (their read pointers move),
   before the SMS is due (`ZT_URGENT_SMS_AFTER_SECONDS`, shortened to
   `--sms-after` for the run).
6. Time until the local SMS gateway (`SmsHttpGateway`, the generic JSON
   protocol) has the N − read escalations, and none for the readers.
7. The workers' jobs/s and CPU seconds (utime + stime, /proc) per
   notification, for the push phase and the SMS phase.

Backends: `embedded` (a fresh SQLite file) or `postgres` (DATABASE_URL, a
database of your own: it is flushed; the name `test` is refused).

    .venv/bin/python -m bench.push --recipients 200 --sms-after 20        # smoke
    .venv/bin/python -m bench.push                                        # 1,000, SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_push \\
        .venv/bin/python -m bench.push --backend postgres
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from bench.common import PYTHON, ROOT, cpu_seconds, machine, percentile, write_result
from tests.integration.harness import run_manage, seed
from tests.push.servers import Answer, PushService, Request, SmsHttpGateway


class TimedPushService(PushService):
    """The test suite's push service, noting when each push was accepted."""

    def __init__(self) -> None:
        self.accepted_at: list[float] = []
        self._lock = threading.Lock()
        super().__init__()

    def _handle(self, request: Request) -> Answer:
        answer = super()._handle(request)
        if answer.status == 201:
            with self._lock:
                self.accepted_at.append(time.time())
        return answer


class TimedSmsGateway(SmsHttpGateway):
    """The generic SMS platform, noting when and to whom each SMS came."""

    def __init__(self) -> None:
        self.arrived: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        super().__init__()

    def _handle(self, request: Request) -> Answer:
        with self._lock:
            self.arrived.append((time.time(), json.loads(request.body)["mobile"]))
        return super()._handle(request)


# --- the stack ------------------------------------------------------------------------------


def environment(
    backend: str, work: Path, push_keys: tuple[str, str], sms_url: str, sms_after: int
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    if backend == "postgres":
        url = os.environ.get("DATABASE_URL", "")
        name = urlsplit(url).path.lstrip("/")
        if not url.startswith(("postgres://", "postgresql://")) or name in ("", "test"):
            raise SystemExit("--backend postgres needs DATABASE_URL naming a database of your own")
        env["DATABASE_URL"] = url
    else:
        env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    private, public = push_keys
    env.update(
        {
            "ZT_FAST_PASSWORD_HASHER": "1",
            "ZT_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "ZT_MEDIA_ROOT": str(work / "media"),
            # Both workers sign with one pair (set, so no process writes a key file).
            "ZT_VAPID_PRIVATE_KEY": private,
            "ZT_VAPID_PUBLIC_KEY": public,
            "ZT_PUSH_ALLOW_HTTP_LOOPBACK": "1",
            "ZT_SMS_GATEWAY": "http",
            "ZT_SMS_HTTP_URL": sms_url,
            "ZT_URGENT_SMS_AFTER_SECONDS": str(sms_after),
        }
    )
    return env


class Driver:
    """`bench.push_seed drive`: Django set up once, one JSON line in, one out."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "bench.push_seed", "drive"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect()

    def _expect(self) -> dict[str, Any]:
        out: IO[str] | None = self.proc.stdout
        assert out is not None
        line = out.readline()
        if not line:
            raise RuntimeError("driver exited")
        data: dict[str, Any] = json.loads(line)
        return data

    def __call__(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._expect()

    def close(self) -> None:
        if self.proc.poll() is None and self.proc.stdin is not None:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def start_workers(env: dict[str, str], count: int, work: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for i in range(count):
        log = (work / f"worker{i + 1}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [PYTHON, "manage.py", "db_worker", "--worker-id", f"bench-{i + 1}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def worker_cpu(workers: list[subprocess.Popen[bytes]]) -> float:
    return sum(cpu_seconds(w.pid) for w in workers)


def wait_until(done: Any, deadline: float, poll: float = 0.02) -> bool:
    while time.time() < deadline:
        if done():
            return True
        time.sleep(poll)
    return bool(done())


# --- one run -------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    from push.vapid import generate_pair

    work = Path(tempfile.mkdtemp(prefix="zt-bench-push-"))
    pushes = TimedPushService()
    gateway = TimedSmsGateway()
    env = environment(
        args.backend, work, generate_pair(), f"{gateway.origin}/sms/send", args.sms_after
    )
    workers: list[subprocess.Popen[bytes]] = []
    driver: Driver | None = None
    try:
        run_manage(env, "migrate", "--noinput")
        if args.backend == "postgres":
            run_manage(env, "flush", "--noinput")
        devices = [pushes.new_device().as_json() for _ in range(args.recipients)]
        spec = {
            "recipients": args.recipients,
            "devices": [{"endpoint": d["endpoint"], **d["keys"]} for d in devices],
        }
        seeded = seed(env, spec, module="bench.push_seed", args=["seed"])
        driver = Driver(env)
        workers = start_workers(env, args.workers, work)
        time.sleep(3)  # the workers' start-up (imports, the random start-up delay)
        idle_from, idle_cpu = time.time(), worker_cpu(workers)
        time.sleep(args.idle)
        idle_rate = (worker_cpu(workers) - idle_cpu) / (time.time() - idle_from)

        cpu0 = worker_cpu(workers)
        urged = driver(
            op="urge",
            conversation_id=seeded["conversation_id"],
            sender=seeded["sender"],
            channels=["app", "sms"],
        )
        t0 = urged["committed"]
        n = args.recipients
        all_pushed = wait_until(lambda: len(pushes.accepted_at) >= n, t0 + args.timeout)
        t_pushed = max(pushes.accepted_at) if pushes.accepted_at else None
        cpu_push = worker_cpu(workers) - cpu0

        readers = seeded["recipients"][: args.read]
        read = driver(
            op="read", conversation_id=seeded["conversation_id"], seq=urged["seq"], user_ids=readers
        )
        read_in_time = read["done"] < urged["sms_after"]
        # Between the pushes and the SMS the worker skips the ordinary chat push of the
        # same message (held ZT_PUSH_COALESCE_SECONDS, then "已通过加急提醒"): counted apart.
        time.sleep(max(0.0, urged["sms_after"] - time.time()))
        cpu1 = worker_cpu(workers)
        cpu_between = cpu1 - cpu0 - cpu_push
        want = n - args.read
        all_texted = wait_until(
            lambda: len(gateway.arrived) >= want, urged["sms_after"] + args.timeout
        )
        time.sleep(args.settle)  # anything more would be an SMS too many
        cpu_sms = worker_cpu(workers) - cpu1
        times = sorted(t for t, _ in gateway.arrived)
        reader_mobiles = {f"137{i:08d}" for i in range(args.read)}
        texted = [mobile for _, mobile in gateway.arrived]
        stats = driver(op="stats")
        return report(
            args,
            seeded=seeded,
            urged=urged,
            push_times=sorted(pushes.accepted_at),
            sms_times=times,
            all_pushed=all_pushed,
            all_texted=all_texted,
            t_pushed=t_pushed,
            read=read,
            read_in_time=read_in_time,
            cpu_push=cpu_push,
            cpu_sms=cpu_sms,
            cpu_between=cpu_between,
            idle_rate=idle_rate,
            sms_to_readers=len([m for m in texted if m in reader_mobiles]),
            sms_duplicates=len(texted) - len(set(texted)),
            refused_pushes=len(pushes.refused),
            stats=stats,
            worker_errors=sum(
                (work / f"worker{i + 1}.log").read_text(errors="replace").count("Traceback")
                for i in range(args.workers)
            ),
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        if driver is not None:
            driver.close()
        pushes.close()
        gateway.close()


def _jobs_in(jobs: list[dict[str, Any]], start: float, end: float) -> list[dict[str, Any]]:
    return [j for j in jobs if j["finished"] is not None and start <= j["finished"] <= end + 0.5]


def report(args: argparse.Namespace, **m: Any) -> dict[str, Any]:
    urged, n = m["urged"], args.recipients
    t0 = urged["committed"]
    jobs = m["stats"]["jobs"]
    push_end = m["t_pushed"] or t0
    sms_due = urged["sms_after"]
    sms_end = m["sms_times"][-1] if m["sms_times"] else sms_due
    push_jobs = _jobs_in(jobs, t0, push_end)
    sms_jobs = _jobs_in(jobs, sms_due, sms_end)
    push_span = push_end - t0
    sms_span = sms_end - sms_due
    texted = len(m["sms_times"])
    result = {
        "backend": args.backend,
        "recipients": n,
        "read_before_sms": args.read,
        "workers": args.workers,
        "sms_after_seconds": args.sms_after,
        "machine": machine(),
        "seed_seconds": m["seeded"]["seed_seconds"],
        "urge_call_seconds": round(urged["committed"] - urged["started"], 3),
        "push": {
            "accepted": len(m["push_times"]),
            "complete": m["all_pushed"],
            "first_s": round(m["push_times"][0] - t0, 3) if m["push_times"] else None,
            "p50_s": _rel(percentile(m["push_times"], 50), t0),
            "p99_s": _rel(percentile(m["push_times"], 99), t0),
            "all_s": round(push_span, 3),
            "pushes_per_s": round(len(m["push_times"]) / push_span, 1) if push_span else None,
            "jobs": len(push_jobs),
            "jobs_per_s": round(len(push_jobs) / push_span, 2) if push_span else None,
            "worker_cpu_s": round(m["cpu_push"], 2),
            "cpu_ms_per_push": round(1000 * m["cpu_push"] / max(1, len(m["push_times"])), 2),
            "refused_by_push_service": m["refused_pushes"],
        },
        "read": {
            "marked_s_after_t0": round(m["read"]["done"] - t0, 3),
            "before_sms_due": m["read_in_time"],
        },
        "sms": {
            "expected": n - args.read,
            "received": texted,
            "complete": m["all_texted"],
            "to_readers": m["sms_to_readers"],
            "duplicates": m["sms_duplicates"],
            "due_s_after_t0": round(sms_due - t0, 3),
            "first_s_after_due": _rel(m["sms_times"][0] if m["sms_times"] else None, sms_due),
            "all_s_after_due": round(sms_span, 3),
            "all_s_after_t0": round(sms_end - t0, 3),
            "sms_per_s": round(texted / sms_span, 1) if sms_span > 0 else None,
            "jobs": len(sms_jobs),
            "jobs_per_s": round(len(sms_jobs) / sms_span, 2) if sms_span > 0 else None,
            "worker_cpu_s": round(m["cpu_sms"], 2),
            "cpu_ms_per_sms": round(1000 * m["cpu_sms"] / max(1, texted), 2),
        },
        "worker_cpu_s_between": round(m["cpu_between"], 2),
        "worker_idle_cpu_percent": round(100 * m["idle_rate"], 2),
        "jobs_total": len(jobs),
        "jobs_by_task": _count(jobs, "task"),
        "jobs_failed": sum(1 for j in jobs if j["status"] == "FAILED"),
        "deliveries": m["stats"]["deliveries"],
        "worker_tracebacks": m["worker_errors"],
    }
    return result


def _rel(moment: float | None, origin: float) -> float | None:
    return None if moment is None else round(moment - origin, 3)


def _count(rows: list[dict[str, Any]], key: str) -> dict[str, int]:
    counted: dict[str, int] = {}
    for row in rows:
        counted[row[key]] = counted.get(row[key], 0) + 1
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["embedded", "postgres"], default="embedded")
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--read", type=int, default=50, help="recipients who read before the SMS")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--sms-after", type=int, default=60, help="ZT_URGENT_SMS_AFTER_SECONDS for the run"
    )
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU baseline")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to watch for extras")
    parser.add_argument("--timeout", type=float, default=240.0, help="max seconds per phase")
    args = parser.parse_args()
    if not 0 <= args.read < args.recipients:
        raise SystemExit("--read must be below --recipients")
    result = run(args)
    path = write_result(f"push-{args.backend}", result)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
