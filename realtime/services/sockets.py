"""Closing the open WebSockets of a credential that has ended.

A socket remembers which login opened it — a session (cookie sockets, or a
ticket issued over a session) or an API token (a ticket issued with
`Authorization: Bearer`) — as a digest, never the key itself. When that
login ends (logout, a device signed out) or the person is deactivated, the
directory's `sign_out` hooks call `sockets_close_for`, which rings every
server process through the node bus; each closes the matching sockets with
close code 4401. The doorbell can be lost (the channel layer is at most once),
so every `ping` also re-checks that the person is still active and, for a
cookie socket, that its session still exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.directory import sign_out
from realtime import events

CLOSE_CONTROL = "close"


def credential_tag(*, session_key: str | None = None, token_key: str | None = None) -> str:
    """A socket's credential as a digest: `token:<sha256>` / `session:<sha256>` ("" if none)."""
    if token_key:
        return sign_out.token_credential(token_key)
    if session_key:
        return sign_out.session_credential(session_key)
    return ""


def sockets_close_for(
    user_id: int, *, credentials: Sequence[str] | None = None, reason: str
) -> None:
    """Close (after commit) `user_id`'s open sockets with code 4401.

    With `credentials` (`sign_out` credential names): only the sockets opened
    with one of them; with `None`: every socket of the person (deactivated,
    signed out everywhere). `reason` is logged by the closing process.
    """
    control: dict[str, Any] = {
        "control": CLOSE_CONTROL,
        "credentials": None if credentials is None else list(credentials),
        "reason": reason,
    }
    events.publish_control([user_id], control)
