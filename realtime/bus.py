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

    def deliver(self, event: dict[str, Any], text: str) -> None: ...


class Node:
    """The sockets this process holds, by user id, and the listener feeding them."""

    def __init__(self) -> None:
        self.receivers: dict[int, set[LocalReceiver]] = defaultdict(set)
        self.channel_name: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start_lock: asyncio.Lock | None = None

    async def register(self, user_id: int, receiver: LocalReceiver) -> None:
        await self._ensure_listening()
        self.receivers[user_id].add(receiver)

    def unregister(self, user_id: int, receiver: LocalReceiver) -> None:
        receivers = self.receivers.get(user_id)
        if receivers is None:
            return
        receivers.discard(receiver)
        if not receivers:
            del self.receivers[user_id]

    def local_user_ids(self) -> list[int]:
        return list(self.receivers)

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


SOCKET_MESSAGE = "zt.direct"  # handled by the consumer's `zt_direct`


async def send_to_socket(channel_name: str, event: dict[str, Any]) -> None:
    """One event to one consumer's own channel, on any process (`events.publish_to_socket`)."""
    await _layer().send(channel_name, {"type": SOCKET_MESSAGE, "event": event})
