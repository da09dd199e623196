"""Socket commands contributed by domain apps (like the card registry, for frames).

The messaging core never imports a domain app. An app that needs its own
WebSocket commands (the calls app: `call_join`, `call_signal`, …) registers
them in its `AppConfig.ready()`:

    from realtime import socket_commands
    socket_commands.register("call_join", call_join)
    socket_commands.on_connect(ringing_frames)
    socket_commands.on_disconnect(peers_detach)

A handler runs in a worker thread like the core's commands
(`realtime.socket_ops`): it parses the frame (bad input raises `InvalidInput`),
calls one service and returns the `ack` data, a dumped model of
`realtime.event_types`. Unlike the core's commands it is told which socket
sent the frame (`Socket`), so an app can address a later event to that one
socket alone (`realtime.events.publish_to_socket`) rather than to every
device of the person.

`on_connect` hooks return frames (dumped events) sent to the new socket right
after `hello`; `on_disconnect` hooks are told a socket closed. A failing hook
is logged and never breaks the socket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Socket:
    """One device's WebSocket as a handler sees it."""

    user: Any  # backend.directory.models.User
    connection_id: str
    # The channel-layer name of this socket: `publish_to_socket` reaches it on
    # whichever server process holds it.
    channel_name: str


Handler = Callable[[Socket, dict[str, Any]], dict[str, Any]]
ConnectHook = Callable[[Socket], list[dict[str, Any]]]
DisconnectHook = Callable[[Socket], None]

_commands: dict[str, Handler] = {}
_connect_hooks: list[ConnectHook] = []
_disconnect_hooks: list[DisconnectHook] = []

# The core's own commands (realtime.socket_ops.COMMANDS and the consumer's).
RESERVED = frozenset(
    {"ping", "resume", "send", "read", "recall", "typing", "presence", "card_action"}
)


def register(name: str, handler: Handler) -> None:
    """Add the command `name` (a frame `{"type": name, …}`); names are unique."""
    if name in RESERVED:
        raise ValueError(f"socket command {name!r} belongs to the messaging core")
    existing = _commands.get(name)
    if existing is not None and existing is not handler:
        raise ValueError(f"socket command {name!r} is registered twice")
    _commands[name] = handler


def get(name: str) -> Handler | None:
    return _commands.get(name)


def on_connect(hook: ConnectHook) -> None:
    if hook not in _connect_hooks:
        _connect_hooks.append(hook)


def on_disconnect(hook: DisconnectHook) -> None:
    if hook not in _disconnect_hooks:
        _disconnect_hooks.append(hook)


def connected(socket: Socket) -> list[dict[str, Any]]:
    """Frames the registered apps want sent to a socket that just opened."""
    frames: list[dict[str, Any]] = []
    for hook in _connect_hooks:
        try:
            frames.extend(hook(socket))
        except Exception:
            logger.exception("socket connect hook %s failed", getattr(hook, "__name__", hook))
    return frames


def disconnected(socket: Socket) -> None:
    """Tell the registered apps that a socket closed."""
    for hook in _disconnect_hooks:
        try:
            hook(socket)
        except Exception:
            logger.exception("socket disconnect hook %s failed", getattr(hook, "__name__", hook))
