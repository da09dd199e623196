"""The integration harness: a dedicated PostgreSQL database, a private Redis
prefix and real daphne processes, torn down at the end of the session.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL. Without them the suite is
skipped, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.integration import harness, media_servers
from tests.integration.seed import PASSWORD

__all__ = ["PASSWORD", "Cluster"]


def _require_services() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    problem = None
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        problem = "DATABASE_URL must point at PostgreSQL"
    elif not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problem = "REDIS_URL must point at Redis"
    if problem:
        message = f"integration suite needs real services: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return database_url, redis_url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _psycopg_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


@dataclass
class Cluster:
    env: dict[str, str]
    database_url: str
    log_dir: Path
    servers: list[harness.Server] = field(default_factory=list)

    def spawn(self, name: str) -> harness.Server:
        server = harness.start_server(name, self.env, self.log_dir)
        self.servers.append(server)
        return server

    def seed(self, spec: dict[str, Any]) -> dict[str, Any]:
        return harness.seed(self.env, spec)

    def db_seqs(self, conversation_id: int) -> list[int]:
        import psycopg

        with psycopg.connect(_psycopg_url(self.database_url)) as conn:
            rows = conn.execute(
                "SELECT seq FROM realtime_message WHERE conversation_id = %s ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return [row[0] for row in rows]


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    database_url, redis_url = _require_services()
    import psycopg
    import redis

    run_id = secrets.token_hex(4)
    db_name = f"zt_it_{run_id}"
    prefix = f"zt_it_{run_id}"
    admin_url = _psycopg_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    run_url = _with_database(database_url, db_name)
    log_dir = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    env = {
        **os.environ,
        "DATABASE_URL": run_url,
        "REDIS_URL": redis_url,
        "ZT_CHANNEL_PREFIX": prefix,
        "ZT_CACHE_PREFIX": prefix,
        "ZT_FAST_PASSWORD_HASHER": "1",
        "ZT_WS_ALLOWED_ORIGINS": "*",
        "DJANGO_ALLOWED_HOSTS": "*",
        "ZT_LOGIN_RATE": "10000/min",
        "ZT_MEDIA_ROOT": str(log_dir / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    cluster = Cluster(env=env, database_url=run_url, log_dir=log_dir)
    try:
        harness.run_manage(env, "migrate", "--noinput")
        cluster.spawn("node1")
        cluster.spawn("node2")
        yield cluster
    finally:
        for server in cluster.servers:
            server.stop()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def nodes(cluster: Cluster) -> Iterator[tuple[harness.Server, harness.Server]]:
    """The two long-lived servers; fails the test if a server logged a traceback."""
    first, second = cluster.servers[0], cluster.servers[1]
    for server in (first, second):
        assert server.proc.poll() is None, f"{server.name} died:\n{server.log()[-4000:]}"
    offsets = {server.name: len(server.log()) for server in cluster.servers}
    yield first, second
    for server in cluster.servers:
        if server.proc.returncode is not None and server.proc.returncode < 0:
            continue  # killed on purpose
        new = server.log()[offsets.get(server.name, 0) :]
        assert "Traceback" not in new, f"{server.name} logged an error:\n{new[-6000:]}"


# --- media servers for calls (tests/integration/media_servers.py) -------------------------


@pytest.fixture(scope="session")
def janus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[media_servers.Janus]:
    """A private janus (VideoRoom, HTTP + WebSocket on loopback, random secrets)."""
    server = media_servers.start_janus(tmp_path_factory.mktemp("janus"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def janus(janus_server: media_servers.Janus, settings: Any) -> Iterator[media_servers.Janus]:
    """The session's janus, with the Django settings (ZT_JANUS_*) pointing at it; fails the
    test if janus died."""
    assert janus_server.proc.poll() is None, f"janus died:\n{janus_server.log()[-4000:]}"
    for name, value in janus_server.settings().items():
        setattr(settings, name, value)
    yield janus_server
    assert janus_server.proc.poll() is None, f"janus died:\n{janus_server.log()[-4000:]}"


@pytest.fixture(scope="session")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[media_servers.Coturn]:
    """A private turnserver (use-auth-secret, private peer ranges denied but 127.0.0.1)."""
    server = media_servers.start_coturn(tmp_path_factory.mktemp("coturn"))
    try:
        yield server
    finally:
        server.stop()
