"""Who is on the other end: the client IP, from a configured count of trusted proxies.

`X-Forwarded-For` is written by whoever sends the request. Only the entries
that our own proxies appended can be believed: with `ZT_TRUSTED_PROXIES = N`
(the number of reverse proxies in front of daphne, default 0) the hops are the
header's entries followed by `REMOTE_ADDR`, the right-most N of them are our
proxies, and the one before those is the client. Anything a client prepends is
ignored. The result is always a valid IP (`ipaddress`) or None, never a
client-chosen string: login throttles, lockout and the audit log all use it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from backend.audit.services import RequestContext


def client_ip(meta: Mapping[str, Any]) -> str | None:
    """The client's address from a request's META (or an ASGI scope turned into one)."""
    trusted = max(0, int(getattr(settings, "ZT_TRUSTED_PROXIES", 0)))
    hops: list[str] = []
    if trusted:
        forwarded = str(meta.get("HTTP_X_FORWARDED_FOR", "") or "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    hops.append(str(meta.get("REMOTE_ADDR", "") or ""))
    # Fewer hops than proxies: every hop is one of ours, the left-most is the best known.
    candidate = hops[-(trusted + 1)] if len(hops) > trusted else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def request_context(meta: Mapping[str, Any]) -> RequestContext:
    """The audit context (validated client IP, user agent) of a request."""
    return RequestContext(ip=client_ip(meta), user_agent=str(meta.get("HTTP_USER_AGENT", "")))
