"""Real server processes and real WebSocket clients for the integration suite."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not answer within {timeout}s")


@dataclass
class Server:
    """One daphne process."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/v1/"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_server(
    name: str,
    env: dict[str, str],
    log_dir: Path,
    extra_args: Iterable[str] = (),
    *,
    port: int | None = None,
    cwd: Path = ROOT,
    timeout: float = 120.0,  # Django's imports take long on a busy shared machine
) -> Server:
    """Start daphne on `port` (a free one by default), logging to `log_dir`; return once
    it answers (or raise with the log's tail)."""
    port = port or free_port()
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "backend.asgi:application",
            ],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, port, proc, log_path)
    try:
        wait_for_port(port, proc, timeout)
    except RuntimeError:
        server.kill()
        raise RuntimeError(f"{name} failed to start:\n{server.log()[-4000:]}") from None
    return server


def run_manage(env: dict[str, str], *args: str, cwd: Path = ROOT) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def seed(
    env: dict[str, str],
    spec: dict[str, Any],
    module: str = "tests.integration.seed",
    args: Iterable[str] = (),
    cwd: Path = ROOT,
) -> dict[str, Any]:
    """Run a seeding module against `env`'s database: spec on stdin, JSON back
    (the module's side is `seed_main`)."""
    result = subprocess.run(
        [PYTHON, "-m", module, *args],
        cwd=cwd,
        env=env,
        input=json.dumps(spec),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seed failed:\n{result.stderr[-4000:]}")
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def seed_main(run: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """The subprocess side of `seed`: set Django up, `run` the JSON spec read from stdin,
    print the JSON result."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    json.dump(run(json.loads(sys.stdin.read())), sys.stdout)


_mobiles = itertools.count(1)


def people(prefix: str, count: int) -> list[dict[str, str]]:
    """`count` users with unique mobiles within the run's database."""
    base = os.getpid() % 1000
    out = []
    for i in range(count):
        n = next(_mobiles)
        out.append({"key": f"{prefix}{i}", "mobile": f"139{base:03d}{n:05d}", "name": f"测试{n}"})
    return out


def http_json(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - local server
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def login(server: Server, mobile: str, password: str) -> str:
    reply = http_json(
        "POST", f"{server.http}/api/v1/auth/token", {"mobile": mobile, "password": password}
    )
    token: str = reply["token"]
    return token


def ticket(server: Server, token: str) -> str:
    reply = http_json("POST", f"{server.http}/api/v1/auth/ws-ticket", token=token)
    key: str = reply["ticket"]
    return key


def history(server: Server, token: str, conversation_id: int) -> list[dict[str, Any]]:
    """The whole message history over REST, oldest first."""
    messages: list[dict[str, Any]] = []
    before: int | None = None
    while True:
        query = "?limit=100" + (f"&before_seq={before}" if before is not None else "")
        url = f"{server.http}/api/v1/conversations/{conversation_id}/messages{query}"
        page = http_json("GET", url, token=token)
        messages = page["messages"] + messages
        if not page["has_more"] or not page["messages"]:
            return messages
        before = page["messages"][0]["seq"]


@dataclass
class Client:
    """One WebSocket with a reader task: every frame lands in `frames` and a queue."""

    user_id: int
    ws: Any
    frames: list[dict[str, Any]] = field(default_factory=list)
    signal: asyncio.Event = field(default_factory=asyncio.Event)
    positions: dict[str, int] = field(default_factory=dict)
    reader: asyncio.Task[None] | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def connect(cls, server: Server, ticket_key: str, user_id: int) -> Client:
        ws = await websockets.connect(f"{server.ws}?ticket={ticket_key}", max_size=2**22)
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello", hello
        assert hello["user_id"] == user_id
        client = cls(user_id=user_id, ws=ws)
        client.reader = asyncio.get_running_loop().create_task(client._read())
        return client

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("type") == "event" and frame.get("pos") is not None:
                    self.positions[str(frame["conversation_id"])] = frame["pos"]
                self.frames.append(frame)
                self._wake()
        except (websockets.ConnectionClosed, OSError):
            pass
        finally:
            self.closed.set()
            self._wake()

    def _wake(self) -> None:
        self.signal.set()
        self.signal = asyncio.Event()

    async def wait_until(self, predicate: Any, timeout: float, what: str) -> Any:
        """Wait until `predicate()` is truthy (checked after every frame)."""
        deadline = time.monotonic() + timeout
        while True:
            signal = self.signal
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed.is_set():
                raise AssertionError(f"user {self.user_id}: timed out waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)

    async def command(self, frame: dict[str, Any], timeout: float = 15) -> dict[str, Any]:
        """Send a command; return its ack (failing on an error reply)."""
        request_id = f"c{next(self._ids)}"  # type: ignore[call-overload]
        await self.ws.send(json.dumps({**frame, "id": request_id}, ensure_ascii=False))

        def reply() -> dict[str, Any] | None:
            for candidate in reversed(self.frames):
                if candidate.get("id") == request_id and candidate["type"] in ("ack", "error"):
                    return candidate
            return None

        found: dict[str, Any] = await self.wait_until(reply, timeout, f"reply to {frame['type']}")
        assert found["type"] == "ack", found
        return found

    async def resume(self, positions: dict[str, int] | None = None) -> dict[str, Any]:
        ack = await self.command({"type": "resume", "positions": positions or {}})
        self.positions.update(ack["data"]["positions"])
        return ack

    async def send_text(self, conversation_id: int, text: str, client_id: str) -> dict[str, Any]:
        ack = await self.command(
            {
                "type": "send",
                "conversation_id": conversation_id,
                "client_id": client_id,
                "text": text,
            }
        )
        message: dict[str, Any] = ack["data"]["message"]
        return message

    def messages(self, conversation_id: int) -> list[dict[str, Any]]:
        """message.new events of one conversation received so far, in arrival order."""
        return [
            f
            for f in self.frames
            if f.get("type") == "event"
            and f.get("event") == "message.new"
            and f.get("conversation_id") == conversation_id
        ]

    async def wait_messages(self, conversation_id: int, count: int, timeout: float = 30) -> None:
        try:
            await self.wait_until(
                lambda: len(self.messages(conversation_id)) >= count, timeout, f"{count} messages"
            )
        except AssertionError:
            got = len(self.messages(conversation_id))
            raise AssertionError(f"user {self.user_id}: {got}/{count} messages") from None

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.reader, 5)
