"""A simulated month of one city's 公文 through the REST API: time, rows written, p95 per call.

The issue's size: 500 units, 18,000 documents a month, each distributed to 8 units on
average, every 收文 signed for and 办结 by scripted users. `--scale` multiplies the
number of documents (units stay at `--units`), so `--scale 0.01` is 180 documents and
about 1,440 收文: say so when quoting figures, and project linearly (every document
costs the same calls; the tables grow, so a full month is if anything a little slower).

```sh
.venv/bin/python -m bench.documents_month --backend embedded --scale 0.01
.venv/bin/python -m bench.documents_month --backend postgres --scale 0.01 \\
    --database zt_doc_fix_bench
```

`embedded` is a fresh SQLite file with the in-memory channel layer; `postgres` a fresh
PostgreSQL database (`--database`, created and dropped; `BENCH_DATABASE_URL` names the
server) with Redis as the channel layer and cache under a private prefix
(`bench.common.Stack`). In a subprocess the city is generated with bulk inserts (a city
government and `--units` bureaus, each with an 办公室 — leader (Role.LEADER, its head),
收发员 (Role.CLERK), 拟稿人 — and a 业务科 with its head; both 公文 flows per unit as
`make run` seeds them). Then every document goes through Django's test client, one
signed-in client per person, exactly as the PWA calls the server:

- 发文: `POST /documents` (拟稿), then `POST /documents/{id}/actions` for 核稿 (clerk),
  签发 (leader), 复核, 登记 (发文字号), 用印, 分发 (clerk);
- each 收文 (4–12 recipient units, 8 on average; 1–2 主送, the rest 抄送):
  `POST /documents/receipts/{id}/sign`, `…/register` (办件), `…/actions` 拟办 (clerk),
  批办 with the 业务科 as 承办 department (leader), 办理完毕 (业务科's head).

Every response is checked (2xx). Reported: wall time of the month, REST calls and
their p50/p95/max per call, rows written (net new rows per table, from counts before
and after), and the GB/T 9704 PDF: `GET /documents/{id}/layout.pdf` on `--pdf-samples`
documents with a cold cache, time divided by pages. Background jobs (web push, SMS,
reminders) are stored as the services store them; no worker runs during the bench.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from bench.common import Stack, machine, percentile, write_result

UNITS = 500
DOCUMENTS = 18_000
SENTENCE = (
    "各部门要坚持量入为出、统筹兼顾，严格控制一般性支出，把有限的财政资金用在刀刃上，"
    "切实提高预算编制的科学性、规范性和准确性。"
)


def _body(rng: random.Random) -> str:
    """正文 of one to three pages: headings and paragraphs."""
    parts = []
    for n in range(rng.randint(2, 8)):
        parts.append(f"{'一二三四五六七八'[n]}、第{n + 1}项工作要求。")
        parts.extend(SENTENCE for _ in range(rng.randint(1, 3)))
    return "\n".join(parts)


def _inner(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    import pdfplumber
    from django.apps import apps
    from django.core.cache import cache
    from django.test import Client

    from backend.directory import services as directory
    from backend.directory.models import Department, Position, Role, RoleAssignment, Unit, User
    from backend.documents import flows

    rng = random.Random(17)
    started = time.perf_counter()
    city = directory.unit_create(
        name="基准市人民政府", short_name="基准市", level="city", kind="government", code="B-CITY"
    )
    n_units = spec["units"]
    units = Unit.objects.bulk_create(
        Unit(
            name=f"基准市第{i}局",
            short_name=f"局{i}",
            parent=city,
            level="city",
            kind="department",
            code=f"B-{i}",
        )
        for i in range(n_units)
    )
    offices = Department.objects.bulk_create(Department(unit=u, name="办公室") for u in units)
    sections = Department.objects.bulk_create(Department(unit=u, name="业务科") for u in units)

    def people(prefix: str, title: str) -> list[Any]:
        return list(
            User.objects.bulk_create(
                User(mobile=f"{prefix}{i:08d}", name=f"{title}{i}") for i in range(n_units)
            )
        )

    leaders, clerks = people("131", "局长"), people("132", "文书")
    drafters, heads = people("133", "科员"), people("134", "科长")
    Position.objects.bulk_create(
        [
            Position(user=u, department=d, title="局长", rank=1, is_leader=True)
            for u, d in zip(leaders, offices, strict=True)
        ]
        + [
            Position(user=u, department=d, title="文书", rank=50)
            for u, d in zip(clerks, offices, strict=True)
        ]
        + [
            Position(user=u, department=d, title="科员", rank=90)
            for u, d in zip(drafters, offices, strict=True)
        ]
        + [
            Position(user=u, department=d, title="科长", rank=1, is_leader=True)
            for u, d in zip(heads, sections, strict=True)
        ]
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=u, unit=n, role=Role.LEADER)
            for u, n in zip(leaders, units, strict=True)
        ]
        + [
            RoleAssignment(user=u, unit=n, role=Role.CLERK)
            for u, n in zip(clerks, units, strict=True)
        ]
    )
    flows.defaults_ensure_all()
    seeded = time.perf_counter() - started

    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]

    def counts() -> dict[str, int]:
        return {m._meta.db_table: m.objects.count() for m in models}

    before = counts()
    clients: dict[int, Client] = {}

    def client(user: Any) -> Client:
        if user.pk not in clients:
            c = Client()
            c.force_login(user)
            clients[user.pk] = c
        return clients[user.pk]

    timings: dict[str, list[float]] = defaultdict(list)

    def call(name: str, user: Any, url: str, body: dict[str, Any] | None = None) -> Any:
        t0 = time.perf_counter()
        response = client(user).post(url, body or {}, content_type="application/json")
        timings[name].append((time.perf_counter() - t0) * 1000)
        assert response.status_code in (200, 201), (name, response.content[:400])
        return response.json()

    index = {u.pk: i for i, u in enumerate(units)}
    n_docs = max(1, round(spec["documents"] * spec["scale"]))
    document_ids: list[tuple[int, Any]] = []  # (id, its drafter)
    receipts_done = 0
    month_started = time.perf_counter()
    for n in range(n_docs):
        i = n % n_units
        fanout = min(n_units - 1, rng.randint(4, 12))
        others = rng.sample([u.pk for u in units if u.pk != units[i].pk], fanout)
        main = rng.randint(1, 2)
        detail = call(
            "POST documents (拟稿)",
            drafters[i],
            "/api/v1/documents",
            {
                "kind": "notice",
                "title": f"关于做好第{n + 1}项重点工作的通知",
                "urgency": rng.choice(["normal", "normal", "normal", "urgent", "extra_urgent"]),
                "publicity": "not_public",
                "body": _body(rng),
                "main_to": others[:main],
                "copy_to": others[main:],
                "client_id": f"bench-{n}",
            },
        )
        document_id = detail["id"]
        document_ids.append((document_id, drafters[i]))
        url = f"/api/v1/documents/{document_id}/actions"
        call("POST documents/{id}/actions 核稿", clerks[i], url, {"action": "approve"})
        call(
            "POST documents/{id}/actions 签发",
            leaders[i],
            url,
            {"action": "approve", "opinion": "同意印发"},
        )
        for step in ("复核", "登记", "用印"):
            call(f"POST documents/{{id}}/actions {step}", clerks[i], url, {"action": "approve"})
        detail = call("POST documents/{id}/actions 分发", clerks[i], url, {"action": "approve"})
        assert detail["status"] == "distributed", detail["status"]
        for row in detail["receipts"]:
            j = index[row["unit"]["id"]]
            base = f"/api/v1/documents/receipts/{row['id']}"
            call("POST receipts/{id}/sign (签收)", clerks[j], f"{base}/sign")
            call(
                "POST receipts/{id}/register (登记)",
                clerks[j],
                f"{base}/register",
                {"handle_type": "handle", "copies": 1},
            )
            call(
                "POST receipts/{id}/actions 拟办",
                clerks[j],
                f"{base}/actions",
                {"action": "approve", "opinion": "拟请局长阅示，交业务科办理。"},
            )
            call(
                "POST receipts/{id}/actions 批办",
                leaders[j],
                f"{base}/actions",
                {"action": "approve", "opinion": "请业务科办理。", "departments": [sections[j].pk]},
            )
            done = call(
                "POST receipts/{id}/actions 办理完毕",
                heads[j],
                f"{base}/actions",
                {"action": "approve", "opinion": "已按要求办理。"},
            )
            assert done["status"] == "done", done["status"]
            receipts_done += 1
        if spec["progress"] and (n + 1) % spec["progress"] == 0:
            elapsed = time.perf_counter() - month_started
            print(f"{n + 1}/{n_docs} documents, {elapsed:.0f} s", file=sys.stderr, flush=True)
    month_seconds = time.perf_counter() - month_started
    after = counts()
    # The bench's own sign-ins (force_login) are not part of the month.
    written = {
        t: after[t] - before[t] for t in after if after[t] != before[t] and t != "django_session"
    }

    # PDF: cold renders of sample documents (the cache is cleared first).
    cache.clear()
    pdf: list[dict[str, Any]] = []
    samples = rng.sample(document_ids, min(spec["pdf_samples"], len(document_ids)))
    for document_id, drafter in samples:
        t0 = time.perf_counter()
        response = client(drafter).get(f"/api/v1/documents/{document_id}/layout.pdf")
        seconds = time.perf_counter() - t0
        assert response.status_code == 200, response.status_code
        data = b"".join(response.streaming_content) if response.streaming else response.content
        with pdfplumber.open(io.BytesIO(data)) as parsed:
            pages = len(parsed.pages)
        pdf.append({"pages": pages, "ms": seconds * 1000})
    calls = sum(len(v) for v in timings.values())
    return {
        "seed_seconds": round(seeded, 1),
        "documents": n_docs,
        "receipts": receipts_done,
        "month_seconds": round(month_seconds, 1),
        "rest_calls": calls,
        "calls_per_second": round(calls / month_seconds, 1),
        "per_call": {
            name: {
                "n": len(ms),
                "p50_ms": round(percentile(ms, 50) or 0, 1),
                "p95_ms": round(percentile(ms, 95) or 0, 1),
                "max_ms": round(max(ms), 1),
            }
            for name, ms in timings.items()
        },
        "rows_written": sum(written.values()),
        "rows_by_table": dict(sorted(written.items(), key=lambda kv: -kv[1])),
        "pdf": {
            "samples": len(pdf),
            "pages": sum(p["pages"] for p in pdf),
            "ms_per_page_mean": round(
                sum(p["ms"] for p in pdf) / max(1, sum(p["pages"] for p in pdf)), 1
            ),
            "ms_per_page_p95": round(
                percentile([p["ms"] / max(1, p["pages"]) for p in pdf], 95) or 0, 1
            ),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "postgres"], default="embedded")
    parser.add_argument("--scale", type=float, default=0.01, help="share of 18,000 documents")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--documents", type=int, default=DOCUMENTS)
    parser.add_argument("--pdf-samples", type=int, default=10)
    parser.add_argument("--progress", type=int, default=0, help="report every N documents")
    parser.add_argument("--database", default="", help="PostgreSQL database name (postgres)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    spec = {
        "scale": args.scale,
        "units": args.units,
        "documents": args.documents,
        "pdf_samples": args.pdf_samples,
        "progress": args.progress,
    }
    if args.inner:
        print(json.dumps(_inner(spec), ensure_ascii=False))
        return
    stack = Stack("embedded" if args.backend == "embedded" else "redis", db_name=args.database)
    try:
        stack.setup()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.documents_month",
                "--inner",
                *(f"--{k.replace('_', '-')}={v}" for k, v in spec.items()),
            ],
            env=stack.env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        result = {
            "backend": args.backend,
            "spec": spec,
            "machine": machine(),
            **json.loads(done.stdout.splitlines()[-1]),
        }
    finally:
        stack.teardown()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(write_result(f"documents_month_{args.backend}", result))


if __name__ == "__main__":
    main()
