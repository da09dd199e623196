"""The client IP comes from trusted proxies only and is always a valid address."""

from __future__ import annotations

from typing import Any

import pytest

from backend.common.client_ip import client_ip, request_context


@pytest.mark.parametrize(
    ("trusted", "forwarded", "remote", "expected"),
    [
        # No proxy: whatever the client writes in X-Forwarded-For is ignored.
        (0, "1.2.3.4", "203.0.113.9", "203.0.113.9"),
        (0, "", "203.0.113.9", "203.0.113.9"),
        # One proxy (nginx appends the address it saw): the right-most entry.
        (1, "1.2.3.4, 198.51.100.7", "10.0.0.2", "198.51.100.7"),
        (1, "198.51.100.7", "10.0.0.2", "198.51.100.7"),
        # Two proxies (a load balancer, then nginx).
        (2, "9.9.9.9, 198.51.100.7, 10.0.0.1", "10.0.0.2", "198.51.100.7"),
        # Fewer hops than proxies: the left-most is the best known.
        (2, "", "10.0.0.2", "10.0.0.2"),
        (1, "", "10.0.0.2", "10.0.0.2"),
        # IPv6 is normalised.
        (1, "2001:DB8::0001", "10.0.0.2", "2001:db8::1"),
        # Not an IP: no address rather than a client-chosen string.
        (1, "1.2.3.4, not-an-ip", "10.0.0.2", None),
        (1, "1.2.3.4, \x00", "10.0.0.2", None),
        (0, "", "", None),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    settings: Any, trusted: int, forwarded: str, remote: str, expected: str | None
) -> None:
    settings.ZT_TRUSTED_PROXIES = trusted
    meta = {"HTTP_X_FORWARDED_FOR": forwarded, "REMOTE_ADDR": remote}
    assert client_ip(meta) == expected


def test_request_context_carries_the_validated_ip_and_agent(settings: Any) -> None:
    settings.ZT_TRUSTED_PROXIES = 0
    context = request_context(
        {"HTTP_X_FORWARDED_FOR": "evil", "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "UA/1"}
    )
    assert (context.ip, context.user_agent) == ("127.0.0.1", "UA/1")
