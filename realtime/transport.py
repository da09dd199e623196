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

`install()` (from `backend.asgi`) makes daphne build this protocol.
"""

from __future__ import annotations

import logging
import time
from typing import Any

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
            backlog.bytes_while_paused += size
            if backlog.too_much():
                self.too_slow = True
                logger.warning(
                    "closing a WebSocket that does not read (%s): %d bytes waiting",
                    self.client_addr,
                    backlog.bytes_while_paused,
                )
                self.sendClose(code=CLOSE_TOO_SLOW)
                return
        super().serverSend(content, binary)


def install() -> None:
    """Make daphne build `BoundedWebSocketProtocol` for every WebSocket."""
    ws_protocol.WebSocketFactory.protocol = BoundedWebSocketProtocol
