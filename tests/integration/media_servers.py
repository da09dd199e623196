"""Private Janus (VideoRoom SFU) and coturn (TURN) processes for the calls tests and bench.

Each gets its own configuration in a temporary directory, free loopback ports and random
secrets, so nothing of /etc/janus or /etc/turnserver.conf is used and parallel runs do not
meet. CI installs both Debian packages (.ci/run); a developer machine without them skips
(`require_binary`), CI fails instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import free_port

JANUS_LIB = Path("/usr/lib/x86_64-linux-gnu/janus")


def require_binary(name: str, package: str) -> str:
    """The path of `name`; a skip without it (a failure in CI, which installs `package`)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: apt-get install {package})"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def _free_udp_range(size: int) -> tuple[int, int]:
    """A block of `size` UDP ports that are free now (RTP / relay ports)."""
    for _ in range(50):
        low = random.randrange(20000, 60000 - size, 2)
        with contextlib.ExitStack() as stack:
            try:
                for port in (low, low + size // 2, low + size - 1):
                    sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                    sock.bind(("0.0.0.0", port))  # noqa: S104 - probing the host's ports
            except OSError:
                continue
        return low, low + size - 1
    raise RuntimeError("no free UDP port range")


def _wait_tcp(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open within {timeout}s:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@dataclass
class Janus:
    """A running janus: its HTTP API (the server's way in), its WebSocket API (the
    browser's), and the secrets the Django settings must carry."""

    proc: subprocess.Popen[bytes]
    http_port: int
    ws_port: int
    api_secret: str
    token_secret: str
    admin_key: str
    log_path: Path
    admin_port: int = 0
    admin_secret: str = ""

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/janus"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    def admin(self, path: str = "", **body: Any) -> dict[str, Any]:
        """A request to janus's Admin API (loopback; its own secret, unknown to 政通)."""
        message = {**body, "transaction": secrets.token_hex(6), "admin_secret": self.admin_secret}
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.admin_port}/admin{path}",
            data=json.dumps(message).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            reply: dict[str, Any] = json.loads(response.read())
        if reply.get("janus") != "success":
            raise RuntimeError(f"janus admin {body}: {reply}")
        return reply

    def packets_out(self) -> int:
        """RTP packets janus has sent on every PeerConnection so far (Admin API stats)."""
        total = 0
        for session in self.admin(janus="list_sessions").get("sessions", []):
            try:
                handles = self.admin(f"/{session}", janus="list_handles").get("handles", [])
                for handle in handles:
                    info = self.admin(f"/{session}/{handle}", janus="handle_info")["info"]
                    media = info.get("webrtc", {}).get("media", {})
                    total += sum(int(m["stats"]["out"]["packets"]) for m in media.values())
            except RuntimeError:
                continue  # a session or handle that went away meanwhile
        return total

    def settings(self) -> dict[str, str]:
        """ZT_JANUS_* for this server (Django settings names = environment names)."""
        return {
            "ZT_JANUS_URL": self.http_url,
            "ZT_JANUS_PUBLIC_URL": self.ws_url,
            "ZT_JANUS_API_SECRET": self.api_secret,
            "ZT_JANUS_TOKEN_SECRET": self.token_secret,
            "ZT_JANUS_ADMIN_KEY": self.admin_key,
        }

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        _stop(self.proc)


def _janus_plugins_to_disable() -> str:
    plugins = sorted(p.name for p in (JANUS_LIB / "plugins").glob("libjanus_*.so"))
    return ",".join(p for p in plugins if p != "libjanus_videoroom.so")


def start_janus(work_dir: Path, *, rtp_ports: int = 2000, debug_level: int = 3) -> Janus:
    """janus with only the VideoRoom plugin and the HTTP + WebSocket transports on loopback,
    api_secret + signed-token auth + a VideoRoom admin_key (all random), no default room,
    libnice debugging off, its own RTP port range; the Admin API on loopback too (its own
    random secret: the bench reads packet counters from it)."""
    binary = require_binary("janus", "janus")
    conf = work_dir / "janus-conf"
    conf.mkdir(parents=True, exist_ok=True)
    http_port, ws_port = free_port(), free_port()
    rtp_low, rtp_high = _free_udp_range(rtp_ports)
    api_secret, token_secret = secrets.token_hex(16), secrets.token_hex(16)
    admin_key, admin_secret = secrets.token_hex(16), secrets.token_hex(16)
    admin_port = free_port()
    (conf / "janus.jcfg").write_text(
        f"""general: {{
    configs_folder = "{conf}"
    plugins_folder = "{JANUS_LIB / "plugins"}"
    transports_folder = "{JANUS_LIB / "transports"}"
    events_folder = "{JANUS_LIB / "events"}"
    loggers_folder = "{JANUS_LIB / "loggers"}"
    debug_level = {debug_level}
    server_name = "zt-test"
    session_timeout = 60
    api_secret = "{api_secret}"
    token_auth = true
    token_auth_secret = "{token_secret}"
    admin_secret = "{admin_secret}"
}}
certificates: {{}}
media: {{
    rtp_port_range = "{rtp_low}-{rtp_high}"
}}
nat: {{
    nice_debug = false
    ice_ignore_list = "vmnet"
}}
plugins: {{
    disable = "{_janus_plugins_to_disable()}"
}}
transports: {{
    disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so"
}}
loggers: {{
    disable = "libjanus_jsonlog.so"
}}
events: {{
    broadcast = false
}}
"""
    )
    (conf / "janus.transport.http.jcfg").write_text(
        f"""general: {{
    json = "plain"
    base_path = "/janus"
    http = true
    port = {http_port}
    ip = "127.0.0.1"
    https = false
}}
admin: {{
    admin_base_path = "/admin"
    admin_http = true
    admin_ip = "127.0.0.1"
    admin_port = {admin_port}
}}
"""
    )
    (conf / "janus.transport.websockets.jcfg").write_text(
        f"""general: {{
    json = "plain"
    ws = true
    ws_port = {ws_port}
    ws_ip = "127.0.0.1"
    wss = false
}}
admin: {{
    admin_ws = false
}}
"""
    )
    (conf / "janus.plugin.videoroom.jcfg").write_text(
        f"""general: {{
    admin_key = "{admin_key}"
    lock_rtp_forward = true
}}
"""
    )
    log_path = work_dir / f"janus-{http_port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [binary, "-o", "--configs-folder", str(conf), "--config", str(conf / "janus.jcfg")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_tcp(http_port, proc, log_path)
        _wait_tcp(ws_port, proc, log_path)
    except RuntimeError:
        _stop(proc)
        raise
    return Janus(
        proc,
        http_port,
        ws_port,
        api_secret,
        token_secret,
        admin_key,
        log_path,
        admin_port=admin_port,
        admin_secret=admin_secret,
    )


# RFC 1918, loopback, link-local, CGNAT, multicast… : a relay must not reach them.
PRIVATE_RANGES = (
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.168.0.0-192.168.255.255",
    "224.0.0.0-255.255.255.255",
)


@dataclass
class Coturn:
    """A running turnserver with use-auth-secret on a loopback UDP port."""

    proc: subprocess.Popen[bytes]
    port: int
    secret: str
    realm: str
    log_path: Path

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        _stop(self.proc)


def start_coturn(work_dir: Path, *, allowed_peer: str = "127.0.0.1") -> Coturn:
    """turnserver with use-auth-secret (random static-auth-secret), a free listening port,
    its own relay port range, no TLS/DTLS, no CLI, every private range a denied peer except
    `allowed_peer` (the test's loopback echo)."""
    binary = require_binary("turnserver", "coturn")
    work_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    relay_low, relay_high = _free_udp_range(200)
    secret = secrets.token_hex(16)
    realm = "zt.test"
    log_path = work_dir / f"turnserver-{port}.log"
    lines = [
        f"listening-port={port}",
        "listening-ip=127.0.0.1",
        "relay-ip=127.0.0.1",
        f"min-port={relay_low}",
        f"max-port={relay_high}",
        "use-auth-secret",
        f"static-auth-secret={secret}",
        f"realm={realm}",
        "fingerprint",
        "no-tls",
        "no-dtls",
        "no-tcp-relay",
        "no-cli",
        "no-multicast-peers",
        # Loopback peers are off by default; this allows the range so that the
        # allowed-peer-ip below can pick the one address the test uses.
        "allow-loopback-peers",
        *(f"denied-peer-ip={r}" for r in PRIVATE_RANGES),
        f"allowed-peer-ip={allowed_peer}",
        f"log-file={log_path}",
        "simple-log",
        f"pidfile={work_dir / f'turnserver-{port}.pid'}",
        f"userdb={work_dir / f'turndb-{port}'}",
    ]
    config = work_dir / f"turnserver-{port}.conf"
    config.write_text("\n".join(lines) + "\n")
    console = work_dir / f"turnserver-{port}.out"
    with console.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "-c", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    # turnserver listens on UDP (and TCP) on the same port.
    try:
        _wait_tcp(port, proc, console)
    except RuntimeError:
        _stop(proc)
        raise
    return Coturn(proc, port, secret, realm, log_path)
