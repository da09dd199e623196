"""督办看板 and list latency on a generated city (PostgreSQL), and the cost of lights.

```sh
.venv/bin/python -m bench.supervision                       # scaled down (default)
.venv/bin/python -m bench.supervision --units 500 --tasks 20000 --subs 5 --reports 5   # full
```

Creates a private PostgreSQL database (`bench.common.Stack`, `BENCH_DATABASE_URL`),
migrates it, then in a subprocess generates `--units` units (one department, a
leader and a staff member each), `--tasks` root tasks (created by one city leader,
led by a unit's leader), `--subs` sub-tasks per root (owned by the unit's staff)
and `--reports` reports per sub-task, written with bulk inserts (rows as the
services write them: paths, grants), then `ANALYZE` (as autovacuum would).
Deadlines spread from 10 days ago to 60 days ahead; a fifth of the sub-tasks are
done. It then calls the endpoints in process through Django's test client as the
city leader (who sees everything) and as one unit leader: `GET /api/v1/supervision/dashboard` and
`GET /api/v1/supervision?box=all` / `?box=mine`, `--repeat` times each, and times
`selectors.compute` (lights + roll-ups) over every node. Prints and writes JSON
to `bench/results/`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

from bench.common import Stack, machine, percentile, write_result


def _inner(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    from django.test import Client
    from django.utils import timezone

    from backend.directory import services as directory
    from backend.directory.models import Department, Position, RoleAssignment, Unit, User
    from backend.supervision import selectors
    from backend.supervision.models import Grant, Report, SupervisionTask

    rng = random.Random(13)
    started = time.perf_counter()
    today = timezone.localdate()
    now = timezone.now()
    city = directory.unit_create(
        name="基准市人民政府", short_name="基准市", level="city", kind="government", code="B-CITY"
    )
    top = Department.objects.create(unit=city, name="市政府领导")
    boss = User.objects.create(mobile="13000000000", name="市长")
    Position.objects.create(user=boss, department=top, title="市长", rank=1, is_leader=True)
    RoleAssignment.objects.create(user=boss, unit=city, role="leader")
    units = Unit.objects.bulk_create(
        Unit(
            name=f"基准局{i}",
            short_name=f"局{i}",
            parent=city,
            level="city",
            kind="department",
            code=f"B-{i}",
        )
        for i in range(spec["units"])
    )
    departments = Department.objects.bulk_create(Department(unit=u, name="办公室") for u in units)
    leaders = User.objects.bulk_create(
        User(mobile=f"131{i:08d}", name=f"局长{i}") for i in range(spec["units"])
    )
    staff = User.objects.bulk_create(
        User(mobile=f"132{i:08d}", name=f"科员{i}") for i in range(spec["units"])
    )
    Position.objects.bulk_create(
        [
            Position(user=u, department=d, title="局长", rank=1, is_leader=True)
            for u, d in zip(leaders, departments, strict=True)
        ]
        + [
            Position(user=u, department=d, title="科员", rank=50)
            for u, d in zip(staff, departments, strict=True)
        ]
    )

    def task(**kw: Any) -> SupervisionTask:
        return SupervisionTask(
            title="基准督办事项",
            source="meeting",
            created_at=now,
            importance=rng.choice(["important", "normal"]),
            cycle="weekly",
            **kw,
        )

    roots: list[SupervisionTask] = []
    for n in range(spec["tasks"]):
        i = n % spec["units"]
        roots.append(
            task(
                unit=units[i],
                department=departments[i],
                owner=leaders[i],
                supervisor=boss,
                creator=boss,
                role="lead",
                deadline=today + timedelta(days=rng.randint(5, 60)),
            )
        )
    roots = SupervisionTask.objects.bulk_create(roots, batch_size=2000)
    for r in roots:
        r.path = f"/{r.pk}/"
    SupervisionTask.objects.bulk_update(roots, ["path"], batch_size=2000)
    subs: list[SupervisionTask] = []
    for r in roots:
        i = units.index(r.unit) if spec["units"] < 50 else (r.unit_id - units[0].pk)
        for _ in range(spec["subs"]):
            done = rng.random() < 0.2
            subs.append(
                task(
                    unit=units[i],
                    department=departments[i],
                    owner=staff[i],
                    supervisor=leaders[i],
                    creator=leaders[i],
                    role="sub",
                    parent=r,
                    root=r,
                    depth=1,
                    percent=rng.randint(0, 99),
                    status="done" if done else "active",
                    deadline=min(r.deadline, today + timedelta(days=rng.randint(-10, 60))),
                )
            )
    subs = SupervisionTask.objects.bulk_create(subs, batch_size=5000)
    for s in subs:
        s.path = f"/{s.root_id}/{s.pk}/"
    SupervisionTask.objects.bulk_update(subs, ["path"], batch_size=5000)
    grants = []
    for t in [*roots, *subs]:
        for user_id, reason in (
            (t.owner_id, "owner"),
            (t.supervisor_id, "supervisor"),
            (t.creator_id, "creator"),
        ):
            grants.append(Grant(task_id=t.pk, user_id=user_id, path=t.path, reason=reason))
    Grant.objects.bulk_create(grants, batch_size=10000, ignore_conflicts=True)
    Report.objects.bulk_create(
        (
            Report(
                task_id=s.pk,
                author_id=s.owner_id,
                text="进展",
                percent=rng.randint(0, 99),
                created_at=now,
            )
            for s in subs
            for _ in range(spec["reports"])
        ),
        batch_size=10000,
    )
    # Fresh statistics, as autovacuum keeps them on a live database: without them
    # the planner takes the bulk-loaded tables for empty and nests loops over them.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started

    def timed(user: Any, url: str, params: dict[str, str]) -> list[float]:
        client = Client()
        client.force_login(user)
        out = []
        for _ in range(spec["repeat"]):
            t0 = time.perf_counter()
            response = client.get(url, params)
            out.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
        return out

    results: dict[str, Any] = {"seed_seconds": round(seeded, 1)}
    cases = {
        "dashboard (city leader)": (boss, "/api/v1/supervision/dashboard", {}),
        "list all (city leader)": (boss, "/api/v1/supervision", {"box": "all"}),
        "list red (city leader)": (boss, "/api/v1/supervision", {"box": "all", "light": "red"}),
        "dashboard (unit leader)": (leaders[0], "/api/v1/supervision/dashboard", {}),
        "list mine (unit leader)": (leaders[0], "/api/v1/supervision", {"box": "mine"}),
    }
    for name, (user, url, params) in cases.items():
        ms = timed(user, url, params)
        results[name] = {
            "p50_ms": round(percentile(ms, 50) or 0, 1),
            "p95_ms": round(percentile(ms, 95) or 0, 1),
        }
    nodes = list(SupervisionTask.objects.all())
    t0 = time.perf_counter()
    selectors.compute(nodes)
    results["lights_and_rollups_all_nodes"] = {
        "nodes": len(nodes),
        "ms": round((time.perf_counter() - t0) * 1000, 1),
    }
    results["rows"] = {
        "tasks": len(roots),
        "subtasks": len(subs),
        "reports": Report.objects.count(),
        "grants": Grant.objects.count(),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--subs", type=int, default=5)
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    spec = {k: getattr(args, k) for k in ("units", "tasks", "subs", "reports", "repeat")}
    if args.inner:
        print(json.dumps(_inner(spec)))
        return
    stack = Stack("redis")
    try:
        stack.setup()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.supervision",
                "--inner",
                *(f"--{k}={v}" for k, v in spec.items()),
            ],
            env=stack.env,
            capture_output=True,
            text=True,
            check=True,
        )
        result = {"spec": spec, "machine": machine(), **json.loads(done.stdout.splitlines()[-1])}
    finally:
        stack.teardown()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(write_result("supervision", result))


if __name__ == "__main__":
    main()
