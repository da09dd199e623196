"""A bound on what the server buffers for one WebSocket that does not read.

Daphne writes every outgoing frame straight into the Twisted transport, which
buffers without limit when the client stops reading (the TCP window closes):
a client that sends commands and never reads the replies grows the server's
memory for ever. This subclass of daphne's protocol registers itself as the
transport's streaming producer, so Twisted tells it when its buffer passes
`bufferSize` (64 KB) and when it drains. While paused it counts the bytes
still handed to the transport. Past `ZT_WS_MAX_BUFFERED_BYTES` (which must
exceed the largest burst a healthy client gets at once: a full `resume`
reply), or when the buffer has not drained for `ZT_WS_STALL_SECONDS` while
more keeps coming, it sends no more, starts a close with code 4408 (too slow
— reconnect and `resume`), and autobahn's close-handshake timeout drops the
connection if the client does not read even that. Nothing is lost: every
event is in the database and the reconnecting client resumes from its
positions.

Inbound needs nothing here: daphne already tells autobahn the largest
message it accepts (1 MB, `daphne --websocket-max-message-size`), refused
from the frame header with close code 1009 before it is read; frames between
`ZT_WS_MAX_FRAME_BYTES` and that bound reach the consumer, which answers
`frame_too_large` and keeps the socket.

`install()` (from `backend.asgi`) makes daphne build this protocol and puts
it in the socket's scope as `zt_transport`, so the consumer can write an
event's frame straight to it (`send_prepared`): one event reaching 1,000
sockets of a process is encoded to JSON once, framed once (autobahn's
`PreparedMessage`) and written 1,000 times, without a task switch or the
ASGI send chain per socket.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from autobahn.websocket.protocol import PreparedMessage
from daphne import server as daphne_server
from daphne import ws_protocol
from django.conf import settings
from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

logger = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 4408


@implementer(IPushProducer)
class _Backlog:
    """What Twisted tells a producer: its write buffer is full (paused) or drained."""

    def __init__(self) -> None:
        self.paused = False
        self.paused_at = 0.0
        self.bytes_while_paused = 0

    def pauseProducing(self) -> None:  # noqa: N802 (Twisted's interface)
        if not self.paused:
            self.paused_at = time.monotonic()
        self.paused = True

    def resumeProducing(self) -> None:  # noqa: N802
        self.paused = False
        self.bytes_while_paused = 0

    def too_much(self) -> bool:
        """Over the byte bound, or stalled (not drained for ZT_WS_STALL_SECONDS)."""
        if self.bytes_while_paused > settings.ZT_WS_MAX_BUFFERED_BYTES:
            return True
        return time.monotonic() - self.paused_at > settings.ZT_WS_STALL_SECONDS

    def stopProducing(self) -> None:  # noqa: N802
        self.paused = True


class BoundedWebSocketProtocol(ws_protocol.WebSocketProtocol):
    """daphne's WebSocket protocol with a bounded write buffer."""

    backlog: _Backlog | None = None
    too_slow = False

    def onOpen(self) -> None:  # noqa: N802 (autobahn's interface)
        super().onOpen()
        self.backlog = _Backlog()
        # The HTTP channel that upgraded to this socket is still the
        # transport's producer; the socket's own writes are what count now.
        self.transport.unregisterProducer()
        self.transport.registerProducer(self.backlog, True)

    def serverSend(self, content: Any, binary: bool = False) -> None:  # noqa: N802
        if self.too_slow:
            return
        backlog = self.backlog
        if backlog is not None and backlog.paused:
            size = len(content) if binary else len(content.encode("utf-8"))
            if self._over_bound(backlog, size):
                return
        super().serverSend(content, binary)

    def send_prepared(self, message: PreparedMessage) -> bool:
        """Write a prepared text frame now; False if this socket takes no more frames."""
        if self.too_slow or self.state != self.STATE_OPEN:
            return False
        backlog = self.backlog
        if (
            backlog is not None
            and backlog.paused
            and self._over_bound(backlog, len(message.payloadHybi))
        ):
            return False
        self.sendPreparedMessage(message)
        return True

    def _over_bound(self, backlog: _Backlog, size: int) -> bool:
        """Count `size` more bytes while paused; past the bound, start the 4408 close."""
        backlog.bytes_while_paused += size
        if not backlog.too_much():
            return False
        self.too_slow = True
        logger.warning(
            "closing a WebSocket that does not read (%s): %d bytes waiting",
            self.client_addr,
            backlog.bytes_while_paused,
        )
        self.sendClose(code=CLOSE_TOO_SLOW)
        return True


_prepared: tuple[str, PreparedMessage] | None = None


def prepare(text: str) -> PreparedMessage:
    """The unmasked text frame of `text`, built once for consecutive calls with the same str.

    The node bus hands the same `str` object to every local socket of an
    event, so this frames an event once per process.
    """
    global _prepared
    cached = _prepared
    if cached is not None and cached[0] is text:
        return cached[1]
    message = PreparedMessage(text.encode("utf-8"), False, False, True)
    _prepared = (text, message)
    return message


def install() -> None:
    """Make daphne build `BoundedWebSocketProtocol` for every WebSocket, and hand
    each socket's protocol to its application as `scope["zt_transport"]`."""
    ws_protocol.WebSocketFactory.protocol = BoundedWebSocketProtocol
    create = daphne_server.Server.create_application
    if getattr(create, "zt_transport", False):
        return

    def create_application(server: Any, protocol: Any, scope: dict[str, Any]) -> Any:
        if isinstance(protocol, BoundedWebSocketProtocol):
            scope["zt_transport"] = protocol
        return create(server, protocol, scope)

    create_application.zt_transport = True  # type: ignore[attr-defined]
    daphne_server.Server.create_application = create_application
