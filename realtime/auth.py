"""Who is on the other end of a WebSocket: session cookie or a single-use ticket.

Cookie authentication is only accepted from an allowed Origin (a cookie rides
along with any page's request, so the Origin is the CSRF guard). A ticket is
proof in itself (obtained over authenticated REST and spent on use), so
native clients without an Origin may use it; a browser sending a foreign
Origin is refused either way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.auth import AuthMiddleware
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host


def _header(scope: dict[str, Any], wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin1"))
    return None


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """No Origin (a native client), a listed origin, or the page's own origin.

    Same-origin is judged as Django's CSRF check does: the Origin's host:port
    is the request's Host, and that Host is one we serve (ALLOWED_HOSTS). A
    page on another site cannot forge either header.
    """
    if origin is None:
        return True
    allowed = settings.ZT_WS_ALLOWED_ORIGINS
    if origin in allowed or "*" in allowed:
        return True
    if host is None or not validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS):
        return False
    return urlsplit(origin).netloc == host


class TicketOrSessionAuth(BaseMiddleware):
    """Puts `user`, `auth_method`, `origin_ok` (and `ticket`, still to spend) into the scope."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        origin = _header(scope, b"origin")
        scope["origin_ok"] = origin_allowed(origin, _header(scope, b"host"))
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        ticket = (query.get("ticket") or [""])[0]
        if ticket:
            # Spent by the consumer after the handshake, in the one database call
            # that also marks the socket online (`socket_ops.socket_open`): the
            # handshake never waits for the database thread, which a reconnect
            # storm keeps busy past daphne's 5 s handshake timeout.
            scope["user"] = AnonymousUser()
            scope["ticket"] = ticket
            scope["auth_method"] = "ticket"
        elif origin is not None and scope["origin_ok"]:
            scope["auth_method"] = "session"
            return await self.inner(scope, receive, send)
        else:
            scope["user"] = AnonymousUser()
            scope["auth_method"] = "none"
        return await self.inner(scope, receive, send)


def ws_auth_stack(inner: Any) -> Any:
    """Session + cookie middlewares wrap the ticket check; inner is the router."""
    return CookieMiddleware(SessionMiddleware(TicketOrSessionAuth(_SessionUser(inner))))


class _SessionUser(AuthMiddleware):
    """Channels' session auth, only for sockets that chose the session method."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("auth_method") != "session":
            return await self.inner(scope, receive, send)
        return await super().__call__(scope, receive, send)
