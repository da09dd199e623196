"""The seams through which higher layers plug their knowledge into the delivery rules.

`push` sits below every app (it imports only directory, audit and common), yet
some rules need what only an app knows: who should hear of a chat message,
whether a person has read it or has a visible tab open, whether a task is
still waiting. An app registers here in its `AppConfig.ready()`:

- a **fan-out** (`fanout_register`): turns one stored reference (a message
  id) into one `Notice` per person, run by the worker
  (`push.services.fanout`), so the change that causes it pays one insert;
- a **condition** (`condition_register`): asked at delivery time, once per
  person; it returns why the notification is no longer needed ("已读",
  "已办结") or None to deliver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """What a fan-out decides for one person; push turns it into a notification."""

    user_id: int
    kind: str
    title: str
    body: str = ""
    sender_name: str = ""
    url: str = ""
    tag: str = ""
    # Notices with the same key for the same person merge while still pending
    # (one "N条新消息" per conversation); `coalesce_seq` orders them.
    coalesce_key: str = ""
    coalesce_seq: int = 0
    condition: str = ""
    condition_ref: Mapping[str, Any] = field(default_factory=dict)


Fanout = Callable[[Mapping[str, Any]], list[Notice]]
# (user_id, ref) -> the reason it is no longer needed, or None to deliver
Condition = Callable[[int, Mapping[str, Any]], str | None]

_fanouts: dict[str, Fanout] = {}
_conditions: dict[str, Condition] = {}


def fanout_register(name: str, fanout: Fanout) -> None:
    _fanouts[name] = fanout


def condition_register(name: str, condition: Condition) -> None:
    _conditions[name] = condition


def expand(name: str, ref: Mapping[str, Any]) -> list[Notice]:
    try:
        fanout = _fanouts[name]
    except KeyError:
        raise ValueError(f"no fan-out registered as {name!r}") from None
    return fanout(ref)


def not_needed(name: str, user_id: int, ref: Mapping[str, Any]) -> str | None:
    """Why a notification under condition `name` should not go out now (None = send it).

    An unknown condition (an app removed) delivers rather than silently drops.
    """
    if not name:
        return None
    condition = _conditions.get(name)
    if condition is None:
        logger.warning("no condition registered as %r; delivering", name)
        return None
    return condition(user_id, ref)
