"""Rate limits keyed on the client IP that `backend.common.client_ip` derives.

DRF's own `get_ident` believes the left-most `X-Forwarded-For` unless
`NUM_PROXIES` is set; this class uses the one helper the audit log uses. The
REST views and the admin login share it (scope `login`).
"""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import ScopedRateThrottle

from backend.common.client_ip import client_ip


class ClientIpScopedThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle` per client IP (trusted proxies only)."""

    def get_ident(self, request: Any) -> str:
        return client_ip(request.META) or "unknown"
