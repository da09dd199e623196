"""What else must end when a credential ends, without the directory importing those apps.

A login (a session, or a device's API token) can end while something still
holds it open — a WebSocket above all. The messaging core registers a hook in
its `AppConfig.ready()`:

    from backend.directory import sign_out
    sign_out.register("sockets", sockets_close_for)

and the directory's services run every hook when a person logs out, a token
is revoked, or an account is deactivated. A hook gets the user id, the
session key or token key that ended (neither: every credential of the
person) and a short English reason; it must act only after the surrounding
transaction commits.
"""

from __future__ import annotations

from typing import Protocol


class SignOutHook(Protocol):
    def __call__(
        self,
        user_id: int,
        *,
        token_key: str | None = None,
        session_key: str | None = None,
        reason: str,
    ) -> None: ...


_hooks: dict[str, SignOutHook] = {}


def register(name: str, hook: SignOutHook) -> None:
    """Add (or, under the same name, replace) a hook."""
    _hooks[name] = hook


def unregister(name: str) -> None:
    _hooks.pop(name, None)


def run(
    user_id: int, *, token_key: str | None = None, session_key: str | None = None, reason: str
) -> None:
    """A credential of `user_id` ended (neither key: all of them); called by directory services."""
    for hook in list(_hooks.values()):
        hook(user_id, token_key=token_key, session_key=session_key, reason=reason)
