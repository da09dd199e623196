"""Process-level fan-out: one channel-layer message per event, not per member.

Every server process that holds WebSockets joins the channel-layer group
`NODES_GROUP` with one channel of its own and runs one listener task. An
event published to 1,000 users is a single `group_send` to that group (a
bounded number of Redis operations per server process, whatever the member
count); each process then hands it to the sockets of the addressed users it
holds, in memory.

The channel layer is at-most-once (it drops at capacity and when a process
dies): it is only the doorbell. Every event a client must not miss is a
durable `ConversationEvent` first, and consumers close gaps from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

NODES_GROUP = "zt.nodes"
# Re-join well inside the layer's group_expiry so a live process never ages out,
# while a SIGKILLed one disappears from the group on its own. Short enough that a
# Redis restarted behind our back (whose receive never failed) costs seconds of
# live fan-out, not a minute; one ZADD per process each time.
REJOIN_SECONDS = 10


class LocalReceiver(Protocol):
    """What a consumer exposes to the bus."""

    connection_id: str

    def deliver(self, event: dict[str, Any], text: str) -> None: ...


# A socket's address (`Node.socket_address`): its process's node channel, this separator (never in
# a channel-layer name), its connection id. Sockets have no channel-layer channel of their own.
ADDRESS_SEPARATOR = "#"


class Node:
    """The sockets this process holds, by user id, and the listener feeding them."""

    def __init__(self) -> None:
        self.receivers: dict[int, set[LocalReceiver]] = defaultdict(set)
        self.sockets: dict[str, LocalReceiver] = {}
        self.channel_name: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start_lock: asyncio.Lock | None = None
        self._outbox: asyncio.Queue[tuple[list[int], dict[str, Any]]] | None = None
        self._ringer: asyncio.Task[None] | None = None
        self._outbox_loop: asyncio.AbstractEventLoop | None = None

    async def register(self, user_id: int, receiver: LocalReceiver) -> None:
        await self._ensure_listening()
        self.receivers[user_id].add(receiver)
        self.sockets[receiver.connection_id] = receiver

    def unregister(self, user_id: int, receiver: LocalReceiver) -> None:
        if self.sockets.get(receiver.connection_id) is receiver:
            del self.sockets[receiver.connection_id]
        receivers = self.receivers.get(user_id)
        if receivers is None:
            return
        receivers.discard(receiver)
        if not receivers:
            del self.receivers[user_id]

    def local_user_ids(self) -> list[int]:
        return list(self.receivers)

    def socket_address(self, connection_id: str) -> str:
        """Where `send_to_socket` reaches this process's socket `connection_id` from any process."""
        return f"{self.channel_name}{ADDRESS_SEPARATOR}{connection_id}"

    def deliver_to_socket(self, connection_id: str, event: dict[str, Any]) -> bool:
        receiver = self.sockets.get(connection_id)
        if receiver is None:
            return False  # gone: what it missed is in the database (or was only for it)
        receiver.deliver(event, json.dumps(event, ensure_ascii=False))
        return True

    def dispatch(self, user_ids: Iterable[int], event: dict[str, Any]) -> int:
        """Hand `event` to every local socket of `user_ids`; return how many."""
        delivered = 0
        text: str | None = None
        for user_id in user_ids:
            for receiver in tuple(self.receivers.get(user_id, ())):
                if text is None:
                    # Encoded once per process, however many sockets get it.
                    text = json.dumps(event, ensure_ascii=False)
                receiver.deliver(event, text)
                delivered += 1
        return delivered

    def ring_from_thread(self, user_ids: list[int], event: dict[str, Any]) -> bool:
        """Queue `event` for `send_to_nodes` on this process's event loop, without waiting.

        For the database thread of a server process (services run there through
        `database_sync_to_async`): waiting for the loop (`async_to_sync`) would
        hold that one thread through every fan-out, and hang it for ever when
        the loop stops at shutdown. One task per process sends what is queued,
        in the order it was queued. False when there is no running loop to hand
        it to (a worker process, a management command, a test): the caller
        sends it itself.
        """
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return False
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            return False  # on a loop's own thread: not ours to hand over
        try:
            loop.call_soon_threadsafe(self._enqueue, user_ids, event)
        except RuntimeError:  # the loop closed in between: the doorbell is lost
            logger.warning("event not sent: the event loop has stopped")
        return True

    def _enqueue(self, user_ids: list[int], event: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        if self._outbox is None or self._outbox_loop is not loop:
            # A queue and its task belong to one loop (tests run several in turn).
            self._outbox, self._outbox_loop, self._ringer = asyncio.Queue(), loop, None
        self._outbox.put_nowait((user_ids, event))
        if self._ringer is None or self._ringer.done():
            self._ringer = loop.create_task(self._ring(self._outbox))

    async def _ring(self, outbox: asyncio.Queue[tuple[list[int], dict[str, Any]]]) -> None:
        while True:
            user_ids, event = await outbox.get()
            try:
                await send_to_nodes(user_ids, event)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The doorbell failing must never fail the write that already
                # committed; clients converge from the database on their next resume.
                logger.exception(
                    "event publish failed: %s", event.get("event") or event.get("control")
                )

    async def _ensure_listening(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        if self._start_lock is None or self._loop is not loop:
            self._start_lock = asyncio.Lock()
            self._loop = loop
        async with self._start_lock:
            if self._task is not None and not self._task.done():
                return
            layer = _layer()
            if self.channel_name is not None:
                # The previous listener died with its event loop; its channel
                # must not stay in the group as a dead letter box.
                with contextlib.suppress(Exception):
                    await layer.group_discard(NODES_GROUP, self.channel_name)
            # The default "specific." prefix matters: channels-redis serves all of a
            # process's local channels through one receive loop keyed on it; a
            # custom prefix would starve behind the consumers' own receives.
            self.channel_name = await layer.new_channel()
            await layer.group_add(NODES_GROUP, self.channel_name)
            self._task = loop.create_task(self._listen(layer, self.channel_name))

    async def _listen(self, layer: Any, channel: str) -> None:
        rejoin = asyncio.get_running_loop().create_task(self._rejoin(layer, channel))
        try:
            while True:
                try:
                    message = await layer.receive(channel)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("node listener: receive failed; retrying")
                    await asyncio.sleep(0.5)
                    # A restarted Redis has forgotten the group: join again at once
                    # rather than missing every event until the next periodic re-join.
                    with contextlib.suppress(Exception):
                        await layer.group_add(NODES_GROUP, channel)
                    continue
                if "socket" in message:
                    self.deliver_to_socket(message["socket"], message["event"])
                else:
                    self.dispatch(message.get("users", ()), message["event"])
        finally:
            rejoin.cancel()
            with contextlib.suppress(Exception):
                await layer.group_discard(NODES_GROUP, channel)

    async def _rejoin(self, layer: Any, channel: str) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            try:
                await layer.group_add(NODES_GROUP, channel)
            except Exception:
                logger.exception("node listener: re-join failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None


node = Node()


def _layer() -> Any:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS must be configured")
    return layer


async def send_to_nodes(user_ids: list[int], event: dict[str, Any]) -> None:
    await _layer().group_send(NODES_GROUP, {"type": "zt.event", "users": user_ids, "event": event})


async def send_to_socket(address: str, event: dict[str, Any]) -> None:
    """One event to one socket (`Node.socket_address`), from any process (`publish_to_socket`)."""
    channel, _, connection_id = address.rpartition(ADDRESS_SEPARATOR)
    await _layer().send(channel, {"type": "zt.event", "socket": connection_id, "event": event})
