"""Presence: online / away / offline, several devices per person.

Held in the cache (Redis in production, shared by every server process; the
local-memory cache on the embedded single process). Each connection writes
its own entry with an expiry refreshed by the client's heartbeat, so a
SIGKILLed process's sockets fade out on their own instead of staying
"online" forever.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache

from backend.directory.models import Position
from realtime import event_types as wire
from realtime import events
from realtime.event_types import dump

ENTRY_TTL = 90  # seconds; the client pings every 25 s
ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def _key(user_id: int) -> str:
    return f"presence:{user_id}"


def _live(entries: dict[str, tuple[str, float]]) -> dict[str, tuple[str, float]]:
    now = time.time()
    return {conn: entry for conn, entry in entries.items() if entry[1] > now}


def status_of(entries: dict[str, tuple[str, float]]) -> str:
    states = {state for state, _ in _live(entries).values()}
    if ONLINE in states:
        return ONLINE
    if AWAY in states:
        return AWAY
    return OFFLINE


def set_connection(user_id: int, connection_id: str, state: str | None) -> tuple[str, str]:
    """Record (or with state=None, drop) one connection; return (before, after) status."""
    entries: dict[str, tuple[str, float]] = cache.get(_key(user_id)) or {}
    before = status_of(entries)
    entries = _live(entries)
    if state is None:
        entries.pop(connection_id, None)
    else:
        entries[connection_id] = (state, time.time() + ENTRY_TTL)
    cache.set(_key(user_id), entries, ENTRY_TTL)
    return before, status_of(entries)


def refresh_connection(user_id: int, connection_id: str) -> None:
    """Extend a connection's entry on heartbeat, keeping its state (online/away).

    The person's status cannot change here (the entry only gets a later
    expiry), so nobody is told anything.
    """
    entries: dict[str, tuple[str, float]] = _live(cache.get(_key(user_id)) or {})
    state = entries.get(connection_id, (ONLINE, 0.0))[0]
    entries[connection_id] = (state, time.time() + ENTRY_TTL)
    cache.set(_key(user_id), entries, ENTRY_TTL)


def statuses(user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(user_ids)
    found = cache.get_many([_key(uid) for uid in ids])
    return {uid: status_of(found.get(_key(uid)) or {}) for uid in ids}


def colleague_ids(user_id: int) -> list[int]:
    """People who share a department with `user_id` (they see the change live)."""
    departments = Position.objects.filter(user_id=user_id).values("department_id")
    return list(
        Position.objects.filter(department_id__in=departments)
        .exclude(user_id=user_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


def presence_update(user_id: int, connection_id: str, state: str | None) -> str:
    """Apply a connection's state and tell colleagues if the person's status changed."""
    before, after = set_connection(user_id, connection_id, state)
    if before != after:
        changed = wire.PresenceEvent(data=wire.PresenceData(user_id=user_id, status=after))  # type: ignore[arg-type]
        events.publish([user_id, *colleague_ids(user_id)], dump(changed))
    return after
