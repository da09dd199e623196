"""Publishing events to users, after commit, and capturing them in tests.

`publish(user_ids, event)` must be called inside the transaction of the
change: the event leaves only when that transaction commits, so a client
never hears of something that rolled back (Zulip's `send_event_on_commit`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction

from realtime import bus, event_types

logger = logging.getLogger(__name__)


@dataclass
class SentEvent:
    user_ids: list[int]
    event: dict[str, Any]
    # Set for an event addressed to one socket (`publish_to_socket`), not to people.
    channel_name: str | None = None


_captures: list[list[SentEvent]] = []


def publish(user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send `event` to every socket of `user_ids` once the transaction commits."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    transaction.on_commit(lambda: _send_now(ids, event), robust=True)


def publish_control(user_ids: Iterable[int], control: dict[str, Any]) -> None:
    """Send a control message (not an event: never forwarded to a client) after commit.

    `{"control": "close", …}` tells the consumers of `user_ids` to close
    (realtime.services.sockets); it bypasses event capture and validation.
    """
    ids = sorted(set(user_ids))
    transaction.on_commit(lambda: _ring(ids, control), robust=True)


def publish_to_socket(channel_name: str, event: dict[str, Any]) -> None:
    """Send `event` to one socket (its channel-layer name), after commit.

    For what only one device may see (a call's signalling: `call.signal` goes
    to the addressed peer's socket, never to the person's other devices).
    Outside a transaction it leaves at once. Like `publish`, a failed send
    never fails the caller.
    """
    transaction.on_commit(lambda: _send_to_socket(channel_name, event), robust=True)


def _send_to_socket(channel_name: str, event: dict[str, Any]) -> None:
    for capture in _captures:
        capture.append(SentEvent([], event, channel_name))
    try:
        async_to_sync(bus.send_to_socket)(channel_name, event)
    except Exception:
        logger.exception("socket event failed: %s", event.get("event"))


def _send_now(user_ids: list[int], event: dict[str, Any]) -> None:
    for capture in _captures:
        capture.append(SentEvent(user_ids, event))
    _ring(user_ids, event)


def _ring(user_ids: list[int], event: dict[str, Any]) -> None:
    try:
        async_to_sync(bus.send_to_nodes)(user_ids, event)
    except Exception:
        # The doorbell failing must never fail the write that already
        # committed; clients converge from the database on their next resume.
        logger.exception("event publish failed: %s", event.get("event") or event.get("control"))


@contextmanager
def capture_events() -> Iterator[list[SentEvent]]:
    """Collect every event published inside the block (tests).

    Each captured event is checked against its declared model
    (`realtime.event_types`) when the block ends: a payload with a missing,
    mistyped or undeclared field fails the test that produced it.
    """
    sink: list[SentEvent] = []
    _captures.append(sink)
    try:
        yield sink
    finally:
        _captures.remove(sink)
    for sent in sink:
        event_types.validate_event(sent.event)
