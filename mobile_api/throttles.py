"""Rate limits keyed on the client IP that `backend.common.client_ip` derives.

DRF's own `get_ident` believes the left-most `X-Forwarded-For` unless
`NUM_PROXIES` is set; these classes use the one helper the audit log uses.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

from backend.common.client_ip import client_ip


class ClientIpScopedThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle` per client IP (trusted proxies only)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request.META) or "unknown"
