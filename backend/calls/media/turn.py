"""ICE servers for one participant of one call: STUN from settings, TURN with coturn's
REST-API credentials (`use-auth-secret` / `static-auth-secret` in turnserver.conf).

The credential is `username = "<expiry unix time>:<user id>"` and
`credential = base64(HMAC-SHA1(ZT_TURN_SECRET, username))`; coturn recomputes the HMAC
and refuses an allocation once the expiry has passed, so a leaked credential is worth
ZT_TURN_TTL_SECONDS at most and no per-user state lives in coturn.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def turn_credential(user_id: int, *, secret: str, expiry: int) -> tuple[str, str]:
    """The (username, credential) pair coturn's use-auth-secret scheme accepts until `expiry`."""
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers_for(user_id: int, call_id: int) -> list[dict[str, Any]]:
    """The RTCIceServer list for `user_id` in call `call_id` (the `IceServer` objects of
    docs/calls.md): one entry with every STUN url, one with every TURN url and fresh
    credentials. Empty when neither is configured (loopback / one LAN needs none).

    `call_id` does not enter the credential (coturn checks only the HMAC and the expiry);
    it is taken so that a credential is issued per call join and can be logged with it.
    """
    servers: list[dict[str, Any]] = []
    stun_urls = list(settings.ZT_STUN_URLS)
    if stun_urls:
        servers.append({"urls": stun_urls})
    turn_urls = list(settings.ZT_TURN_URLS)
    if turn_urls:
        secret: str = settings.ZT_TURN_SECRET
        if not secret:
            raise ImproperlyConfigured("ZT_TURN_URLS is set but ZT_TURN_SECRET is empty")
        expiry = int(time.time()) + int(settings.ZT_TURN_TTL_SECONDS)
        username, credential = turn_credential(user_id, secret=secret, expiry=expiry)
        servers.append({"urls": turn_urls, "username": username, "credential": credential})
    return servers
