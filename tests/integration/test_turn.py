"""TURN credentials (backend.calls.media.turn) against a real coturn with use-auth-secret:
an expired or foreign credential gets 401 on Allocate, a fresh one relays to a loopback
echo, and the relay refuses private peers (denied-peer-ip)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint

from backend.calls.media.turn import ice_servers_for
from tests.integration.media_servers import Coturn

pytestmark = pytest.mark.integration


class Inbox(asyncio.DatagramProtocol):
    """What arrives through the relay, and what the relay reports as failed."""

    def __init__(self) -> None:
        self.datagrams: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()
        self.errors: asyncio.Queue[Exception] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.datagrams.put_nowait((data, addr))

    def error_received(self, exc: Exception) -> None:
        self.errors.put_nowait(exc)


class Echo(asyncio.DatagramProtocol):
    """A loopback UDP echo that remembers who sent to it."""

    def __init__(self) -> None:
        self.senders: list[tuple[str, int]] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.senders.append(addr)
        assert self.transport is not None
        self.transport.sendto(b"echo:" + data, addr)


def configure(settings: Any, coturn: Coturn, *, secret: str | None = None, ttl: int = 600) -> None:
    settings.ZT_STUN_URLS = [f"stun:127.0.0.1:{coturn.port}"]
    settings.ZT_TURN_URLS = [coturn.url]
    settings.ZT_TURN_SECRET = coturn.secret if secret is None else secret
    settings.ZT_TURN_TTL_SECONDS = ttl


def turn_entry(user_id: int, call_id: int) -> dict[str, Any]:
    servers = ice_servers_for(user_id, call_id)
    turn = [s for s in servers if s["urls"][0].startswith("turn:")]
    assert len(turn) == 1
    return turn[0]


def server_address(url: str) -> tuple[str, int]:
    host, port = urlsplit(url).path.split(":")
    return host, int(port)


async def allocate(entry: dict[str, Any]) -> tuple[Any, Inbox]:
    return await create_turn_endpoint(
        Inbox,
        server_address(entry["urls"][0]),
        entry["username"],
        entry["credential"],
    )


def test_ice_servers_are_stun_and_turn_with_a_coturn_rest_credential(settings: Any) -> None:
    settings.ZT_STUN_URLS = ["stun:turn.example.gov.cn:3478"]
    settings.ZT_TURN_URLS = ["turn:turn.example.gov.cn:3478?transport=udp"]
    settings.ZT_TURN_SECRET = "s3cret"
    settings.ZT_TURN_TTL_SECONDS = 600
    before = int(time.time())
    stun_entry, turn = ice_servers_for(42, 7)
    assert stun_entry == {"urls": ["stun:turn.example.gov.cn:3478"]}
    assert turn["urls"] == ["turn:turn.example.gov.cn:3478?transport=udp"]
    expiry, user = turn["username"].split(":")
    assert user == "42"
    assert before + 600 <= int(expiry) <= int(time.time()) + 600
    expected = hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()


def test_no_ice_servers_configured_means_none(settings: Any) -> None:
    settings.ZT_STUN_URLS = []
    settings.ZT_TURN_URLS = []
    assert ice_servers_for(1, 1) == []


async def test_a_valid_credential_relays_to_a_loopback_peer(settings: Any, coturn: Coturn) -> None:
    configure(settings, coturn)
    loop = asyncio.get_running_loop()
    echo_transport, echo = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    echo_addr = echo_transport.get_extra_info("sockname")
    relay, inbox = await allocate(turn_entry(5, 9))
    try:
        relayed = relay.get_extra_info("sockname")
        assert relayed[0] == "127.0.0.1"
        relay.sendto(b"hello through coturn", echo_addr)
        data, sender = await asyncio.wait_for(inbox.datagrams.get(), 10)
        assert data == b"echo:hello through coturn"
        assert sender == echo_addr
        # The echo saw the relay's address, not the client's own socket.
        assert echo.senders == [tuple(relayed)]
    finally:
        relay.close()
        echo_transport.close()


async def test_an_expired_credential_is_refused_with_401(settings: Any, coturn: Coturn) -> None:
    configure(settings, coturn, ttl=-60)
    entry = turn_entry(5, 9)
    assert int(entry["username"].split(":")[0]) < time.time()
    with pytest.raises(stun.TransactionFailed) as refused:
        await allocate(entry)
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


async def test_a_credential_signed_with_another_secret_is_refused_with_401(
    settings: Any, coturn: Coturn
) -> None:
    configure(settings, coturn, secret="not-the-servers-secret")
    with pytest.raises(stun.TransactionFailed) as refused:
        await allocate(turn_entry(5, 9))
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


async def test_the_relay_refuses_a_private_address(settings: Any, coturn: Coturn) -> None:
    """denied-peer-ip: a TURN user cannot reach the operator's internal network."""
    configure(settings, coturn)
    relay, inbox = await allocate(turn_entry(5, 9))
    try:
        relay.sendto(b"knock", ("10.1.2.3", 5432))
        error = await asyncio.wait_for(inbox.errors.get(), 10)
        assert isinstance(error, stun.TransactionFailed)
        assert error.response.attributes["ERROR-CODE"][0] == 403
        assert inbox.datagrams.empty()
    finally:
        relay.close()
