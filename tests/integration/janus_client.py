"""A small typed Janus client over the WebSocket API (what a browser speaks to
ZT_JANUS_PUBLIC_URL), with aiortc participants of a VideoRoom: one publisher
PeerConnection and one multistream subscriber PeerConnection each.

Used by tests/integration/test_sfu.py and bench/sfu.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av
import websockets
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

PLUGIN = "janus.plugin.videoroom"


class JanusRefused(Exception):
    """An error from Janus: a core error (403 unauthorized, …) or a VideoRoom one
    (433 unauthorized, 426 no such room, …)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass
class Reply:
    data: dict[str, Any]
    jsep: dict[str, Any] | None


class JanusSession:
    """One Janus session on one WebSocket; every request carries the participant's token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.session_id = 0
        self._ws: Any = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self) -> None:
        self._ws = await websockets.connect(
            self.url, subprotocols=[websockets.Subprotocol("janus-protocol")], max_size=None
        )
        self._tasks.append(asyncio.create_task(self._read()))
        reply = await self._send({"janus": "create"})
        self.session_id = int(reply["data"]["id"])
        self._tasks.append(asyncio.create_task(self._keepalive()))

    async def close(self) -> None:
        if self._ws is not None and self.session_id:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._send({"janus": "destroy"}), 5)
        for task in self._tasks:
            task.cancel()
        if self._ws is not None:
            await self._ws.close()

    async def _read(self) -> None:
        async for raw in self._ws:
            message: dict[str, Any] = json.loads(raw)
            kind = message.get("janus")
            transaction = message.get("transaction")
            if kind == "ack" and transaction in self._pending:
                continue  # an asynchronous request: its answer comes as an event
            if transaction and transaction in self._pending:
                self._pending.pop(transaction).set_result(message)
                continue
            handle = int(message.get("sender", 0))
            self._events.setdefault(handle, asyncio.Queue()).put_nowait(message)

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(25)
            with contextlib.suppress(JanusRefused):
                await self._send({"janus": "keepalive", "session_id": self.session_id})

    async def _send(self, body: dict[str, Any], timeout: float = 20) -> dict[str, Any]:
        transaction = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = future
        message = {**body, "transaction": transaction, "token": self.token}
        if self.session_id and "session_id" not in message and body["janus"] != "create":
            message["session_id"] = self.session_id
        await self._ws.send(json.dumps(message))
        try:
            reply = await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(transaction, None)
        if reply.get("janus") == "error":
            error = reply.get("error", {})
            raise JanusRefused(int(error.get("code", 0)), str(error.get("reason", "")))
        return reply

    async def attach(self) -> int:
        reply = await self._send({"janus": "attach", "plugin": PLUGIN})
        handle = int(reply["data"]["id"])
        self._events.setdefault(handle, asyncio.Queue())
        return handle

    async def message(
        self, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> Reply:
        """A VideoRoom request; its answer (sync "success" or async "event")."""
        request: dict[str, Any] = {"janus": "message", "handle_id": handle, "body": body}
        if jsep is not None:
            request["jsep"] = jsep
        reply = await self._send(request)
        data: dict[str, Any] = reply.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise JanusRefused(int(data["error_code"]), str(data.get("error", "")))
        return Reply(data, reply.get("jsep"))

    def events(self, handle: int) -> asyncio.Queue[dict[str, Any]]:
        return self._events.setdefault(handle, asyncio.Queue())


class TinyVideoTrack(VideoStreamTrack):
    """160×120 frames at 30 fps: cheap to encode, still real VP8 through the SFU."""

    kind = "video"

    def __init__(self, shade: int) -> None:
        super().__init__()
        self.shade = shade

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(width=160, height=120, format="yuv420p")
        for plane in frame.planes:
            plane.update(bytes([self.shade]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = time_base if time_base else fractions.Fraction(1, 90000)
        return frame


@dataclass
class Participant:
    """An aiortc participant of one VideoRoom room: publishes, then subscribes to others."""

    url: str
    room: int
    token: str
    display: str
    video: bool = True
    # The microphone: aiortc's 20 ms frames of silence unless a bench brings its own.
    audio_source: Callable[[], MediaStreamTrack] = AudioStreamTrack
    session: JanusSession | None = None
    publisher_id: int = 0
    private_id: int = 0
    publisher_pc: RTCPeerConnection | None = None
    subscriber_pcs: list[RTCPeerConnection] = field(default_factory=list)
    # frames received per (feed id, kind)
    frames: Counter[tuple[int, str]] = field(default_factory=Counter)
    _consumers: list[asyncio.Task[None]] = field(default_factory=list)
    _publisher_handle: int = 0

    async def join(self) -> None:
        """Session + publisher handle + join the room (raises JanusRefused when refused)."""
        self.session = JanusSession(self.url, self.token)
        await self.session.open()
        self._publisher_handle = await self.session.attach()
        reply = await self.session.message(
            self._publisher_handle,
            {
                "request": "join",
                "ptype": "publisher",
                "room": self.room,
                "display": self.display,
                "token": self.token,
            },
        )
        if reply.data.get("videoroom") != "joined":
            raise AssertionError(f"unexpected join reply {reply.data}")
        self.publisher_id = int(reply.data["id"])
        self.private_id = int(reply.data["private_id"])

    async def publish(self) -> None:
        assert self.session is not None
        pc = RTCPeerConnection()
        self.publisher_pc = pc
        pc.addTrack(self.audio_source())
        if self.video:
            pc.addTrack(TinyVideoTrack(shade=(self.publisher_id * 37) % 200 + 30))
        await pc.setLocalDescription(await pc.createOffer())
        local = pc.localDescription
        reply = await self.session.message(
            self._publisher_handle,
            {"request": "publish", "audio": True, "video": self.video},
            jsep={"type": local.type, "sdp": local.sdp},
        )
        assert reply.jsep is not None, reply.data
        await pc.setRemoteDescription(RTCSessionDescription(**reply.jsep))

    async def subscribe(self, feeds: list[int], *, one_connection_per_feed: bool = False) -> None:
        """Receive every stream of `feeds`: in one multistream PeerConnection (what a browser
        does), or one PeerConnection per feed. aiortc decodes only one of several video
        tracks in one PeerConnection (aiortc issue #382), so video subscriptions use the
        latter; audio-only ones may use the former."""
        if one_connection_per_feed:
            await asyncio.gather(*(self._subscribe([feed]) for feed in feeds))
        else:
            await self._subscribe(feeds)

    async def _subscribe(self, feeds: list[int]) -> None:
        assert self.session is not None
        handle = await self.session.attach()
        reply = await self.session.message(
            handle,
            {
                "request": "join",
                "ptype": "subscriber",
                "room": self.room,
                "private_id": self.private_id,
                "streams": [{"feed": feed} for feed in feeds],
                "token": self.token,
            },
        )
        assert reply.jsep is not None, reply.data
        mid_feed: dict[str, tuple[int, str]] = {}
        for stream in reply.data.get("streams", []):
            if stream.get("active", True) and "feed_id" in stream:
                mid_feed[str(stream["mid"])] = (int(stream["feed_id"]), stream["type"])
        pc = RTCPeerConnection()
        self.subscriber_pcs.append(pc)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._consumers.append(asyncio.create_task(self._consume(pc, track, mid_feed)))

        await pc.setRemoteDescription(RTCSessionDescription(**reply.jsep))
        await pc.setLocalDescription(await pc.createAnswer())
        local = pc.localDescription
        await self.session.message(
            handle, {"request": "start"}, jsep={"type": local.type, "sdp": local.sdp}
        )

    async def _consume(
        self,
        pc: RTCPeerConnection,
        track: MediaStreamTrack,
        mid_feed: dict[str, tuple[int, str]],
    ) -> None:
        mid = next(
            (t.mid for t in pc.getTransceivers() if t.receiver.track is track),
            None,
        )
        key = mid_feed.get(str(mid), (0, track.kind))
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                await track.recv()
                self.frames[key] += 1

    async def publishing(self) -> list[int]:
        """The room's publishers with media up (me included), from a listparticipants."""
        assert self.session is not None
        reply = await self.session.message(
            self._publisher_handle, {"request": "listparticipants", "room": self.room}
        )
        return [int(p["id"]) for p in reply.data.get("participants", []) if p.get("publisher")]

    async def publishers_seen(self) -> list[int]:
        """The other publishers of the room."""
        return [feed for feed in await self.publishing() if feed != self.publisher_id]

    async def close(self) -> None:
        for task in self._consumers:
            task.cancel()
        for pc in [self.publisher_pc, *self.subscriber_pcs]:
            if pc is not None:
                await pc.close()
        if self.session is not None:
            await self.session.close()
