"""What each kind of notification means for delivery.

One row per kind: the web push `Urgency` (RFC 8030 §5.3), how long the push
service keeps it for an offline device (`TTL`), whether repeats collapse
through `Topic` (a later push replaces a not-yet-delivered earlier one with the
same tag), the lock-screen text used when the person hides detail, and which
person setting switches its SMS off. A new rule adds a row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Urgency(StrEnum):
    VERY_LOW = "very-low"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True)
class Kind:
    urgency: Urgency
    ttl_seconds: int
    collapse: bool
    generic_body: str
    sms_setting: str | None = None  # a NotificationSettings boolean field


HOUR = 3600
KINDS: dict[str, Kind] = {
    # A chat message: later ones from the same conversation replace it.
    "message": Kind(Urgency.NORMAL, 24 * HOUR, True, "发来一条新消息"),
    "mention": Kind(Urgency.HIGH, 24 * HOUR, False, "在群聊中提到了您"),
    "todo": Kind(Urgency.HIGH, 3 * 24 * HOUR, False, "您有一项新待办"),
    "urgent": Kind(Urgency.HIGH, 24 * HOUR, False, "发来一条加急消息", sms_setting="sms_urgent"),
    "deadline": Kind(
        Urgency.NORMAL, 12 * HOUR, False, "您有事项即将到期", sms_setting="sms_deadlines"
    ),
    "overdue": Kind(
        Urgency.NORMAL, 3 * 24 * HOUR, False, "有事项已超期", sms_setting="sms_deadlines"
    ),
    "system": Kind(Urgency.LOW, 24 * HOUR, False, "您有一条新通知"),
    # An incoming call (backend.calls): useless once the ring is over (45 s), so it expires.
    "call": Kind(Urgency.HIGH, 60, True, "邀请您通话"),
}


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown notification kind {name!r}; add it to push.kinds") from None
