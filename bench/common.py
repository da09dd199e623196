"""Shared pieces of the benchmarks: a private server stack and /proc readings."""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.harness import Server, run_manage, seed, start_server  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")


def raise_nofile(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total = next(line for line in meminfo if line.startswith("MemTotal"))
    return {
        "cpus": os.cpu_count(),
        "mem_total": total.split(":", 1)[1].strip(),
        "python": platform.python_version(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def _with_database(url: str, name: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme or parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@dataclass
class Stack:
    """A private database + channel prefix and the daphne processes on it."""

    backend: str  # "embedded" (SQLite + in-memory layer) or "redis" (PostgreSQL + Redis)
    env: dict[str, str] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="zt-bench-")))
    # PostgreSQL: the private database's name (created, then dropped); random when empty.
    db_name: str = ""
    _db_name: str = ""
    _admin_url: str = ""
    _prefix: str = ""
    # The tree the servers (and migrations and seed) run from: BENCH_SERVER_ROOT
    # (e.g. a `git worktree` of an older commit, for a before/after pair).
    root: Path = field(default_factory=lambda: Path(os.environ.get("BENCH_SERVER_ROOT", ROOT)))

    def setup(self, extra_env: dict[str, str] | None = None) -> None:
        run_id = secrets.token_hex(4)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            {
                "ZT_FAST_PASSWORD_HASHER": "1",
                "ZT_WS_ALLOWED_ORIGINS": "*",
                "DJANGO_ALLOWED_HOSTS": "*",
                "ZT_WS_TICKET_SECONDS": "7200",
                "ZT_LOGIN_RATE": "100000/min",
                "ZT_MEDIA_ROOT": str(self.work / "media"),
                "ZT_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.backend == "embedded":
            env["DATABASE_URL"] = f"sqlite:///{self.work / 'bench.sqlite3'}"
        else:
            import psycopg

            database_url = os.environ.get(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"
            )
            self._db_name = self.db_name or f"zt_bench_{run_id}"
            self._admin_url = _with_database(
                database_url, urlsplit(database_url).path.lstrip("/"), "postgresql"
            )
            with psycopg.connect(self._admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self._db_name}"')
            env["DATABASE_URL"] = _with_database(database_url, self._db_name)
            env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
            self._prefix = f"{self._db_name}_{run_id}"
            env["ZT_CHANNEL_PREFIX"] = self._prefix
            env["ZT_CACHE_PREFIX"] = self._prefix
        env.update(extra_env or {})
        self.env = env
        run_manage(env, "migrate", "--noinput", cwd=self.root)

    def seed(self, spec: dict[str, Any]) -> dict[str, Any]:
        return seed(self.env, spec, module="bench.seed", cwd=self.root)

    def start(self, count: int, cpus: set[int] | None = None) -> list[Server]:
        """`count` daphne processes; `cpus`: pin them there (`sched_setaffinity`)."""
        for i in range(count):
            # No access log: at 10,000 sockets it would be a benchmark of its own.
            server = start_server(
                f"{self.backend}{i + 1}",
                self.env,
                self.work,
                ("--access-log", "/dev/null"),
                cwd=self.root,
                timeout=180,  # a busy shared machine starts Django slowly
            )
            if cpus is not None:
                os.sched_setaffinity(server.proc.pid, cpus)
            self.servers.append(server)
        return self.servers

    def server_errors(self) -> dict[str, int]:
        return {s.name: s.log().count("Traceback") for s in self.servers}

    def teardown(self) -> None:
        for server in self.servers:
            server.stop()
        if self._db_name:
            import psycopg

            with psycopg.connect(self._admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._db_name}" WITH (FORCE)')
        if self._prefix:
            import redis

            client = redis.Redis.from_url(self.env["REDIS_URL"])
            keys = list(client.scan_iter(f"{self._prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
            client.close()


def frozen_pwa(work: Path, attempts: int = 20) -> Path:
    """A private copy of the built PWA (`pwa/dist`) for the server under test.

    Served via ZT_PWA_DIST, so a rebuild while the benchmark runs (which
    empties `dist/` and writes new hashed names) cannot break the pages. A
    copy taken halfway through a rebuild is retried.
    """
    source = ROOT / "pwa" / "dist"
    target = work / "pwa-dist"
    for _ in range(attempts):
        if (source / "index.html").exists():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
            html = (target / "index.html").read_text()
            wanted = re.findall(r'(?:src|href)="/(assets/[^"]+)"', html)
            if wanted and all((target / name).exists() for name in wanted):
                return target
        time.sleep(1)
    raise SystemExit("pwa/dist is missing or incomplete: cd pwa && npm run build")


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
