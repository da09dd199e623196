"""A per-key rate limit shared by every server process (the Django cache: Redis in production).

Fixed windows counted with `cache.incr` (atomic in Redis and in the local
memory cache): at most `limit` hits per `window` seconds for one key. Used
where a limit must hold across sockets, REST calls and processes alike —
e.g. one person's message sends (`realtime.services.message_rate_take`).
"""

from __future__ import annotations

import time

from django.core.cache import cache


def take(key: str, *, limit: int, window: int) -> bool:
    """Count one hit for `key`; False when this window already had `limit` hits."""
    bucket = f"zt:rate:{key}:{int(time.time() // window)}"
    cache.add(bucket, 0, timeout=window + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # the bucket expired between add and incr
        cache.add(bucket, 1, timeout=window + 1)
        count = 1
    return count <= limit
