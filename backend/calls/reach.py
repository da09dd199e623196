"""What calls tell `push`: a ring reaches a person's devices without a live socket.

Registered with `push.rules` in `CallsConfig.ready()`: the condition
`call.ringing`, asked again when the push delivery runs, skips a person who
is no longer rung (answered, declined, missed, the call ended) or who has a
live socket (presence online or away: the socket got `call.ringing`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from backend.calls.models import Call, CallParticipant
from push import rules
from realtime import presence

RINGING = "call.ringing"


def still_ringing(user_id: int, ref: Mapping[str, Any]) -> str | None:
    """None while the person is rung and has no live socket; else why the push is skipped."""
    rung = CallParticipant.objects.filter(
        call_id=ref["call_id"],
        user_id=user_id,
        state=CallParticipant.State.RINGING,
        ring_until__gt=timezone.now(),
        call__state__in=[Call.State.RINGING, Call.State.ONGOING],
    ).exists()
    if not rung:
        return "通话已不再呼叫本人"
    if presence.statuses([user_id])[user_id] != presence.OFFLINE:
        return "本人在线，已通过连接响铃"
    return None


def register() -> None:
    rules.condition_register(RINGING, still_ringing)
