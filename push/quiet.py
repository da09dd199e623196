"""Quiet hours (免打扰时段): when a person's notifications wait.

Times are wall-clock in `ZT_QUIET_HOURS_TZ` (default `TIME_ZONE`, Asia/Shanghai).
A window may wrap midnight (22:00–07:00); start == end means none.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from push.models import NotificationSettings

# Kinds that never wait: 加急 is the sender's explicit "now"; a call rings now or never.
EXEMPT_KINDS = frozenset({"urgent", "call"})


def quiet_until(row: NotificationSettings, now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet window `now` falls in (aware), or None when not quiet."""
    start, end = row.quiet_start, row.quiet_end
    if start == end:
        return None
    local = now.astimezone(ZoneInfo(settings.ZT_QUIET_HOURS_TZ))
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # wraps midnight
        inside = clock >= start or clock < end
        end_day = local.date() + dt.timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return dt.datetime.combine(end_day, end, tzinfo=local.tzinfo)
