"""Faults survived (#11, "Tested, not assumed"): Redis restarted mid-traffic, PostgreSQL
restarted mid-traffic, a node stopped with SIGTERM.

These restart their services, so they never touch the shared PostgreSQL or
Redis: the module starts a private PostgreSQL cluster (initdb + pg_ctl in a
temporary folder, a free port) and a private redis-server, and two daphne
nodes on them. Clients behave as the PWA does: a command that fails or a
socket that closes is retried with the same `client_id` after reconnecting
and resuming from the positions already seen. Nothing acknowledged may be
lost, nothing may be stored twice, and the server must recover by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration import harness
from tests.integration.harness import Client, Server
from tests.integration.seed import PASSWORD

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*args: str) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@dataclass
class Stack:
    """A private PostgreSQL + Redis and the daphne nodes on them."""

    root: Path
    pg_port: int
    redis_port: int
    env: dict[str, str]
    redis: subprocess.Popen[bytes] | None = None
    servers: list[Server] = field(default_factory=list)

    @property
    def pg_data(self) -> Path:
        return self.root / "pg"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.pg_data),
                "-l",
                str(self.root / "pg.log"),
                "-w",
                "-t",
                "60",
                *args,
            ),
            check=True,
            capture_output=True,
        )

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        harness.wait_for_port(self.redis_port, self.redis)

    def stop_redis(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(10)

    def spawn(self, name: str) -> Server:
        server = harness.start_server(name, self.env, self.root)
        self.servers.append(server)
        return server

    def db_seqs(self, conversation_id: int) -> list[int]:
        import psycopg

        url = f"postgresql://postgres@127.0.0.1:{self.pg_port}/zt_faults"
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT seq FROM realtime_message WHERE conversation_id = %s ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return [row[0] for row in rows]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if not (PG_BIN / "initdb").exists() or shutil.which("redis-server") is None:
        message = "fault tests need PostgreSQL 15 binaries and redis-server"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="zt-faults-"))
    shutil.chown(root, "postgres") if os.geteuid() == 0 else None
    stack = Stack(
        root=root,
        pg_port=harness.free_port(),
        redis_port=harness.free_port(),
        env={},
    )
    subprocess.run(
        _as_postgres(
            str(PG_BIN / "initdb"), "-D", str(stack.pg_data), "-A", "trust", "-U", "postgres"
        ),
        check=True,
        capture_output=True,
    )
    with (stack.pg_data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {stack.pg_port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{root}'\nfsync = off\n"
        )
    try:
        stack.pg_ctl("start")
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(stack.pg_port), "zt_faults"
            ),
            check=True,
            capture_output=True,
        )
        stack.start_redis()
        stack.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{stack.pg_port}/zt_faults",
            "REDIS_URL": f"redis://127.0.0.1:{stack.redis_port}/0",
            "ZT_FAST_PASSWORD_HASHER": "1",
            "ZT_WS_ALLOWED_ORIGINS": "*",
            "DJANGO_ALLOWED_HOSTS": "*",
            "ZT_LOGIN_RATE": "10000/min",
            "ZT_MEDIA_ROOT": str(root / "media"),
            "PYTHONUNBUFFERED": "1",
        }
        harness.run_manage(stack.env, "migrate", "--noinput")
        stack.spawn("node1")
        stack.spawn("node2")
        yield stack
    finally:
        for server in stack.servers:
            server.stop()
        stack.stop_redis()
        with contextlib.suppress(subprocess.CalledProcessError):
            stack.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Person:
    """A person's client as the PWA behaves: reconnects, resumes, retries by client_id."""

    user: dict[str, Any]
    server: Server
    token: str = ""
    client: Client | None = None
    positions: dict[str, int] = field(default_factory=dict)
    seen: dict[int, int] = field(default_factory=dict)  # seq -> message id, all sockets

    async def connect(self, server: Server | None = None) -> None:
        self.server = server or self.server
        deadline = time.monotonic() + 60
        while True:
            try:
                if not self.token:
                    self.token = await asyncio.to_thread(
                        harness.login, self.server, self.user["mobile"], PASSWORD
                    )
                key = await asyncio.to_thread(harness.ticket, self.server, self.token)
                self.client = await Client.connect(self.server, key, self.user["id"])
                await self.client.resume(dict(self.positions))
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    def collect(self, conversation_id: int) -> None:
        if self.client is None:
            return
        for frame in self.client.messages(conversation_id):
            self.seen[frame["message"]["seq"]] = frame["message"]["id"]
        self.positions.update(self.client.positions)

    async def send(self, conversation_id: int, text: str, client_id: str) -> dict[str, Any]:
        """Retry until acknowledged (same client_id: stored once), reconnecting as needed."""
        deadline = time.monotonic() + 90
        while True:
            try:
                assert self.client is not None and not self.client.closed.is_set()
                return await self.client.send_text(conversation_id, text, client_id)
            except (AssertionError, OSError, Exception):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
                if self.client is None or self.client.closed.is_set():
                    self.collect(conversation_id)
                    with contextlib.suppress(Exception):
                        await self.client.close() if self.client else None
                    await self.connect()

    async def wait_all(self, conversation_id: int, seqs: list[int], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.collect(conversation_id)
            if set(seqs) <= set(self.seen):
                return
            if self.client is None or self.client.closed.is_set():
                await self.connect()
            else:
                await asyncio.sleep(0.3)
        missing = sorted(set(seqs) - set(self.seen))
        raise AssertionError(
            f"user {self.user['id']} never received seqs {missing[:20]}; "
            f"{self.server.name} log:\n{self.server.log()[-3000:]}"
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


async def _pair(stack: Stack, tag: str) -> tuple[Person, Person, int]:
    spec_users = harness.people(tag, 2)
    seeded = harness.seed(
        stack.env,
        {"users": spec_users, "directs": [{"key": "d", "users": [f"{tag}0", f"{tag}1"]}]},
    )
    users = seeded["users"]
    sender = Person(users[f"{tag}0"], stack.servers[0])
    reader = Person(users[f"{tag}1"], stack.servers[1])
    await sender.connect()
    await reader.connect()
    return sender, reader, seeded["conversations"]["d"]


async def _traffic_through(
    stack: Stack, tag: str, fault: Any, total: int = 40, at: int = 15
) -> None:
    """Send `total` messages, calling `fault()` after the `at`-th ack; check the outcome."""
    sender, reader, conversation_id = await _pair(stack, tag)
    acked: list[int] = []
    try:
        for i in range(total):
            message = await sender.send(conversation_id, f"故障中 {i}", f"{tag}-{i}")
            acked.append(message["seq"])
            if i + 1 == at:
                await asyncio.to_thread(fault)
            await asyncio.sleep(0.02)
        # Every acknowledged message is stored exactly once, in one gapless order …
        assert acked == list(range(1, total + 1))
        assert stack.db_seqs(conversation_id) == list(range(1, total + 1))
        # … and reaches the other person (live, by gap fill, or by resume).
        await reader.wait_all(conversation_id, acked)
        # The servers recovered by themselves: a fresh login and send work on both.
        for server in stack.servers[:2]:
            assert server.proc.poll() is None, server.log()[-4000:]
            token = await asyncio.to_thread(harness.login, server, sender.user["mobile"], PASSWORD)
            assert token
    finally:
        await sender.close()
        await reader.close()


async def test_redis_restarted_mid_traffic(stack: Stack) -> None:
    def restart_redis() -> None:
        stack.stop_redis()
        time.sleep(1.0)
        stack.start_redis()

    await _traffic_through(stack, "r", restart_redis)


async def test_postgresql_restarted_mid_traffic(stack: Stack) -> None:
    def restart_postgresql() -> None:
        stack.pg_ctl("restart", "-m", "fast")

    await _traffic_through(stack, "p", restart_postgresql)


async def test_a_node_under_sigterm_drains_and_exits(stack: Stack) -> None:
    victim = stack.spawn("victim")
    sender, reader, conversation_id = await _pair(stack, "s")
    await reader.close()
    await reader.connect(victim)
    acked: list[int] = []
    try:
        for i in range(10):
            acked.append((await sender.send(conversation_id, f"停机前 {i}", f"s-{i}"))["seq"])
        await reader.wait_all(conversation_id, acked)
        victim.proc.send_signal(signal.SIGTERM)
        returncode = await asyncio.to_thread(victim.proc.wait, 30)
        assert returncode == 0, f"exit {returncode}:\n{victim.log()[-4000:]}"
        assert reader.client is not None
        await asyncio.wait_for(reader.client.closed.wait(), 10)
        for i in range(10, 20):
            acked.append((await sender.send(conversation_id, f"停机后 {i}", f"s-{i}"))["seq"])
        # The client moves to a surviving node and resumes without gaps.
        reader.collect(conversation_id)
        await reader.connect(stack.servers[1])
        await reader.wait_all(conversation_id, acked)
        assert sorted(reader.seen) == list(range(1, 21))
        assert "Traceback" not in victim.log(), victim.log()[-4000:]
    finally:
        await sender.close()
        await reader.close()


def seqs_of(frames: list[dict[str, Any]]) -> list[int]:
    return [frame["message"]["seq"] for frame in frames]


async def test_a_node_under_sigterm_under_load_exits_and_loses_nothing(
    stack: Stack,
) -> None:
    """SIGTERM while 80 sockets on the node receive a steady stream (#14): the node
    exits 0 (no database thread left waiting on the stopped loop; a hang fails at 60 s),
    and every reader, moved to the surviving node, ends with every acked message once.
    How fast it drains (the 10 s target) is measured in bench/, not asserted here."""
    victim = stack.spawn("busy")
    survivor = stack.servers[1]
    tag = "t"
    people = harness.people(tag, 81)
    seeded = harness.seed(
        stack.env,
        {
            "users": people,
            "groups": [
                {
                    "key": "g",
                    "owner": f"{tag}0",
                    "name": "停机压测群",
                    "members": [p["key"] for p in people[1:]],
                }
            ],
            "tokens": True,
        },
    )
    users = seeded["users"]
    conversation_id = seeded["conversations"]["g"]
    sender = Person(users[f"{tag}0"], stack.servers[0], token=users[f"{tag}0"]["token"])
    readers = [Person(users[p["key"]], victim, token=users[p["key"]]["token"]) for p in people[1:]]
    await sender.connect()
    await asyncio.gather(*(reader.connect() for reader in readers))
    acked: list[int] = []
    total, at = 120, 40
    started = 0.0
    try:
        exit_seconds: float | None = None
        for i in range(total):
            acked.append((await sender.send(conversation_id, f"压测 {i}", f"{tag}-{i}"))["seq"])
            if i + 1 == at:
                # Mid-stream, with deliveries still in flight to the victim's sockets.
                victim.proc.send_signal(signal.SIGTERM)
                started = time.monotonic()
            if i + 1 > at and exit_seconds is None and victim.proc.poll() is not None:
                exit_seconds = time.monotonic() - started
            await asyncio.sleep(0.01)
        if exit_seconds is None:
            returncode = await asyncio.to_thread(victim.proc.wait, 60)
            exit_seconds = time.monotonic() - started
        returncode = victim.proc.returncode
        assert returncode == 0, f"exit {returncode}:\n{victim.log()[-4000:]}"
        assert exit_seconds <= 60, f"took {exit_seconds:.1f} s to exit:\n{victim.log()[-4000:]}"
        # Seq 1 is the group's "created" system message.
        assert acked == list(range(2, total + 2))
        # Every reader reconnects to the survivor, resumes and has everything once.
        before: dict[int, list[int]] = {}
        for reader in readers:
            assert reader.client is not None
            before[reader.user["id"]] = seqs_of(reader.client.messages(conversation_id))
            reader.collect(conversation_id)
            reader.server = survivor
        await asyncio.gather(*(reader.wait_all(conversation_id, acked) for reader in readers))
        for reader in readers:
            assert reader.client is not None
            after = seqs_of(reader.client.messages(conversation_id))
            # Live on the victim, then the rest by resume on the survivor: in order, once.
            assert before[reader.user["id"]] + after == acked
        assert stack.db_seqs(conversation_id) == [1, *acked]
        log = victim.log()
        assert "Traceback" not in log, log[-4000:]
        assert "took too long to shut down" not in log, log[-4000:]
    finally:
        await sender.close()
        await asyncio.gather(*(reader.close() for reader in readers), return_exceptions=True)
