"""What else must end when a credential ends, without the directory importing those apps.

A login (a session, or a device's API token) can end while something still
holds it open — a WebSocket above all. The messaging core registers a hook in
its `AppConfig.ready()`:

    from backend.directory import sign_out
    sign_out.register("sockets", sockets_close_for)

and the directory's services run every hook when a person logs out, a device
is signed out, or an account is deactivated. A hook gets the user id, the
credentials that ended (`None`: every credential of the person) and a short
English reason; the services run the hooks after the surrounding
transaction commits.

A credential is named by a digest, never by its secret: `token:<sha256 of
the bearer token>` or `session:<sha256 of the session key>` — the same
digest the device list stores for a token (`DeviceSession.token_digest`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from backend.directory.models import DeviceSession


class SignOutHook(Protocol):
    def __call__(
        self,
        user_id: int,
        *,
        credentials: Sequence[str] | None = None,
        reason: str,
    ) -> None: ...


_hooks: dict[str, SignOutHook] = {}


def register(name: str, hook: SignOutHook) -> None:
    """Add (or, under the same name, replace) a hook."""
    _hooks[name] = hook


def unregister(name: str) -> None:
    _hooks.pop(name, None)


def run(user_id: int, *, credentials: Sequence[str] | None = None, reason: str) -> None:
    """Credentials of `user_id` ended (`None`: all of them); called by directory services."""
    for hook in list(_hooks.values()):
        hook(user_id, credentials=credentials, reason=reason)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_credential(token_key: str) -> str:
    """The credential name of a bearer token."""
    return "token:" + _sha256(token_key)


def session_credential(session_key: str) -> str:
    """The credential name of a browser session."""
    return "session:" + _sha256(session_key)


def device_credential(device: DeviceSession) -> str:
    """The credential name of a listed device (a token's digest is all we keep of it)."""
    if device.session_key:
        return session_credential(device.session_key)
    return "token:" + (device.token_digest or "")
