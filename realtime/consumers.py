"""The one WebSocket a device holds: `/ws/v1/`.

Thin by design: authenticate, register with this process's node, translate
frames into service calls (`realtime.socket_ops`, run in a thread), and
forward events. Every command gets exactly one `ack` or `error`; no bad frame
closes the socket unless a close code below says so.

Close codes: 4401 not authenticated (also: the login that opened the socket
ended — logout, token revoked, account deactivated), 4403 origin not allowed,
4408 the client is too slow to keep up (or keeps flooding) — reconnect and
resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from backend.common import error_catalogue as codes
from backend.common import input_guard
from backend.common.errors import InvalidInput, RateLimited, ZtError
from realtime import event_types as wire
from realtime import socket_commands, socket_ops
from realtime.bus import node
from realtime.event_types import dump
from realtime.services.sockets import CLOSE_CONTROL, credential_tag

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_ORIGIN = 4403
CLOSE_TOO_SLOW = 4408
MAX_QUEUED_EVENTS = 5000
MAX_REJECTED_IN_A_ROW = 200


class TokenBucket:
    """Per-connection flood control: `rate` commands per second, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.capacity = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class ChatConsumer(AsyncWebsocketConsumer):
    """One device's socket."""

    user: Any
    connection_id: str

    async def connect(self) -> None:
        await self.accept()
        if not self.scope.get("origin_ok", False):
            await self.close(code=CLOSE_BAD_ORIGIN)
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        # The login behind this socket (a digest): it closes when that login ends.
        session = self.scope.get("session")
        self.session_key = session.session_key if self.scope["auth_method"] == "session" else None
        self.credential = self.scope.get("credential") or credential_tag(
            session_key=self.session_key
        )
        self.connection_id = uuid.uuid4().hex
        self.positions: dict[int, int] = {}
        self.queue: asyncio.Queue[tuple[dict[str, Any], str]] = asyncio.Queue()
        self.delivery_lock = asyncio.Lock()
        self.bucket = TokenBucket(settings.ZT_WS_RATE_PER_SECOND, settings.ZT_WS_RATE_BURST)
        self.rejected_in_a_row = 0
        self.pump: asyncio.Task[None] | None = None
        self.closing = False
        await node.register(user.pk, self)
        await database_sync_to_async(socket_ops.presence)(user, self.connection_id, "online")
        await self._send(dump(wire.Hello(user_id=user.pk, server_time=time.time())))
        # What registered apps tell a fresh socket (a call still ringing for this person).
        await self._send_all(
            await database_sync_to_async(socket_commands.connected)(self._socket())
        )

    def _socket(self) -> socket_commands.Socket:
        return socket_commands.Socket(
            user=self.user, connection_id=self.connection_id, channel_name=self.channel_name
        )

    async def disconnect(self, code: int) -> None:
        user = getattr(self, "user", None)
        if user is None:
            return
        node.unregister(user.pk, self)
        if self.pump is not None:
            self.pump.cancel()
        with contextlib.suppress(Exception):
            await database_sync_to_async(socket_ops.presence)(user, self.connection_id, None)
        await database_sync_to_async(socket_commands.disconnected)(self._socket())

    async def zt_direct(self, message: dict[str, Any]) -> None:
        """An event addressed to this one socket (`realtime.events.publish_to_socket`)."""
        event = message["event"]
        self.deliver(event, json.dumps(event, ensure_ascii=False))

    # --- events from the node --------------------------------------------------

    def deliver(self, event: dict[str, Any], text: str) -> None:
        """Called by the node for each event addressed to this user (same loop)."""
        if self.closing:
            return
        if event.get("control") is not None:
            self._control(event)
            return
        if self.queue.qsize() >= MAX_QUEUED_EVENTS:
            # The client cannot keep up; it will resume from the database.
            self.closing = True
            asyncio.get_running_loop().create_task(self.close(code=CLOSE_TOO_SLOW))
            return
        self.queue.put_nowait((event, text))

    def _control(self, control: dict[str, Any]) -> None:
        """A control message from `realtime.services.sockets`: close if it is our login's end."""
        if control.get("control") != CLOSE_CONTROL:
            return
        credentials = control.get("credentials")
        if credentials is not None and self.credential not in credentials:
            return
        logger.info("closing a socket of user %s: %s", self.user.pk, control.get("reason"))
        self.closing = True
        asyncio.get_running_loop().create_task(self.close(code=CLOSE_UNAUTHENTICATED))

    async def _run_pump(self) -> None:
        while True:
            event, text = await self.queue.get()
            try:
                async with self.delivery_lock:
                    await self._forward(event, text)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("forwarding event failed for user %s", self.user.pk)

    async def _forward(self, event: dict[str, Any], text: str) -> None:
        conversation_id = event.get("conversation_id")
        pos = event.get("pos")
        if pos is None or conversation_id is None:
            await self.send(text_data=text)
            return
        last = self.positions.get(conversation_id)
        if last is None:
            frames, position = await database_sync_to_async(socket_ops.conversation_added)(
                self.user, conversation_id
            )
            await self._send_all(frames)
            if position is not None:
                self.positions[conversation_id] = position
            return
        if pos <= last:
            return  # already delivered (resume, or gap fill) — never twice
        if pos == last + 1 and not socket_ops.needs_viewer(event):
            await self.send(text_data=text)
            self._advance(conversation_id, pos, event)
            return
        # A gap (the doorbell dropped something) or a per-viewer render: the
        # database has the truth for everything in (last, pos].
        frames, position = await database_sync_to_async(socket_ops.events_after)(
            self.user, conversation_id, last, pos
        )
        await self._send_all(frames)
        self._advance(conversation_id, max(position, last), event)

    def _advance(self, conversation_id: int, pos: int, event: dict[str, Any]) -> None:
        self.positions[conversation_id] = pos
        if event.get("event") == "member.removed" and self.user.pk in event.get("data", {}).get(
            "user_ids", []
        ):
            self.positions.pop(conversation_id, None)

    # --- frames from the client -----------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        request_id = None
        try:
            frame = self._parse(text_data, bytes_data)
            request_id = frame.get("id")
            # NUL characters, integers beyond bigint and nesting beyond
            # ZT_JSON_MAX_DEPTH: an error frame naming the command's id.
            input_guard.check(frame)
            if not self.bucket.take():
                self.rejected_in_a_row += 1
                if self.rejected_in_a_row > MAX_REJECTED_IN_A_ROW:
                    self.closing = True
                    await self.close(code=CLOSE_TOO_SLOW)
                    return
                raise RateLimited()
            self.rejected_in_a_row = 0
            data = await self._dispatch(frame)
            if self.closing:
                return
            await self._send({"type": "ack", "id": request_id, "data": data})
        except ZtError as error:
            await self._send(dump(wire.Error(id=request_id, **error.as_dict())))
        except Exception:
            logger.exception("command failed for user %s", self.user.pk)
            # Built by hand: the last-resort reply must not depend on anything that could fail.
            internal = codes.INTERNAL
            await self._send(
                {
                    "type": "error",
                    "id": request_id,
                    "code": internal.code,
                    "message": internal.message,
                }
            )

    def _parse(self, text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
        raw = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        if len(raw.encode("utf-8")) > settings.ZT_WS_MAX_FRAME_BYTES:
            raise InvalidInput.of(codes.FRAME_TOO_LARGE)
        frame = input_guard.parse_json(raw)  # malformed_json, or too_deep for the decoder
        if not isinstance(frame, dict):
            raise InvalidInput.of(codes.MALFORMED_FRAME)
        request_id = frame.get("id")
        if request_id is not None and not isinstance(request_id, str | int):
            raise InvalidInput.of(codes.MALFORMED_FRAME, "id 必须是字符串")
        return frame

    async def _dispatch(self, frame: dict[str, Any]) -> dict[str, Any]:
        kind = frame.get("type")
        if kind == "ping":
            signed_in = await database_sync_to_async(socket_ops.heartbeat)(
                self.user, self.connection_id, self.session_key, self.credential
            )
            if not signed_in:  # the close doorbell was lost: the ping notices
                self.closing = True
                await self.close(code=CLOSE_UNAUTHENTICATED)
            return dump(wire.PingAck(server_time=time.time()))
        if kind == "resume":
            return await self._resume(frame)
        handler = socket_ops.COMMANDS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            # A command an app registered (realtime.socket_commands), told which socket asks.
            contributed = socket_commands.get(kind) if isinstance(kind, str) else None
            if contributed is None:
                raise InvalidInput.of(codes.UNKNOWN_TYPE)
            reply: dict[str, Any] = await database_sync_to_async(contributed)(self._socket(), frame)
            return reply
        if kind == "presence":
            return await database_sync_to_async(handler)(
                self.user, {**frame, "connection_id": self.connection_id}
            )
        result: dict[str, Any] = await database_sync_to_async(handler)(self.user, frame)
        return result

    async def _resume(self, frame: dict[str, Any]) -> dict[str, Any]:
        positions = socket_ops.parse_positions(frame.get("positions"))
        async with self.delivery_lock:
            frames, new_positions = await database_sync_to_async(socket_ops.resume)(
                self.user, positions
            )
            await self._send_all(frames)
            self.positions = new_positions
        if self.pump is None:
            self.pump = asyncio.get_running_loop().create_task(self._run_pump())
        return dump(wire.ResumeAck(positions={str(k): v for k, v in new_positions.items()}))

    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, ensure_ascii=False))

    async def _send_all(self, frames: list[dict[str, Any]]) -> None:
        for frame in frames:
            await self._send(frame)
