"""One-time tickets that open a WebSocket."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backend.directory.models import User
from realtime import errors
from realtime.models import (
    WsTicket,
)

# --- tickets -------------------------------------------------------------------


def ws_ticket_issue(*, actor: User, credential: str = "") -> WsTicket:
    """A ticket for `actor`; `credential` (`credential_tag`) is the login that asked for it.

    The socket it opens closes when that login ends (`sockets_close_for`).
    """
    lifetime = timedelta(seconds=settings.ZT_WS_TICKET_SECONDS)
    WsTicket.objects.filter(expires_at__lt=timezone.now()).delete()
    return WsTicket.objects.create(
        key=secrets.token_urlsafe(32),
        user=actor,
        expires_at=timezone.now() + lifetime,
        credential=credential,
    )


def ws_ticket_redeem(*, key: str) -> User:
    """Spend a ticket and return its person (see `ws_ticket_spend`)."""
    return ws_ticket_spend(key=key).user


def ws_ticket_spend(*, key: str) -> WsTicket:
    """Spend a ticket: exactly one redeemer wins, even under a race."""
    ticket = (
        WsTicket.objects.select_related("user")
        .filter(key=key, expires_at__gte=timezone.now())
        .first()
    )
    if ticket is None or not ticket.user.is_active:
        raise errors.TicketInvalid()
    deleted, _ = WsTicket.objects.filter(pk=ticket.pk).delete()
    if not deleted:
        raise errors.TicketInvalid()
    return ticket
