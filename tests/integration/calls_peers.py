"""aiortc participants of a call, driven through the real WebSocket (tests and bench/calls.py).

A `Phone` holds one socket (`harness.Client`) and one RTCPeerConnection per
other peer of the mesh. It answers the offers that reach it as `call.signal`,
offers to the peers it is told to (the later joiner offers: docs/calls.md),
and sends every local ICE candidate as its own `ice` signal as well as inside
the SDP. Its track plays a tone, so "audio arrived" means sound, not silence.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import math
import time
from collections import defaultdict
from typing import Any

from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from tests.integration.harness import Client

SAMPLE_RATE = 48000


class Tone(AudioStreamTrack):
    """A sine tone at `frequency` Hz (20 ms s16 mono frames, paced like a microphone)."""

    def __init__(self, frequency: float) -> None:
        super().__init__()
        self.frequency = frequency
        self.sample = 0

    async def recv(self) -> Any:
        frame = await super().recv()  # silence with the right timing
        count = frame.samples
        step = 2 * math.pi * self.frequency / SAMPLE_RATE
        samples = array.array(
            "h", (int(8000 * math.sin(step * (self.sample + i))) for i in range(count))
        )
        self.sample += count
        frame.planes[0].update(samples.tobytes())
        return frame


def rms(frame: Any) -> float:
    samples = array.array("h", bytes(frame.planes[0]))
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


async def ask(client: Client, frame: dict[str, Any], timeout: float = 15) -> dict[str, Any]:
    """Send a command; return its reply, ack or error."""
    request_id = f"q{time.monotonic_ns()}"
    await client.ws.send(json.dumps({**frame, "id": request_id}))

    def reply() -> dict[str, Any] | None:
        for candidate in reversed(client.frames):
            if candidate.get("id") == request_id and candidate["type"] in ("ack", "error"):
                return candidate
        return None

    found: dict[str, Any] = await client.wait_until(reply, timeout, f"reply to {frame['type']}")
    return found


def sdp_candidates(sdp: str) -> list[dict[str, Any]]:
    """The ICE candidates written in an SDP, as RTCIceCandidateInit dicts."""
    found: list[dict[str, Any]] = []
    index, mid = -1, None
    for line in sdp.splitlines():
        if line.startswith("m="):
            index, mid = index + 1, None
        elif line.startswith("a=mid:"):
            mid = line.removeprefix("a=mid:")
        elif line.startswith("a=candidate:"):
            found.append(
                {"candidate": line.removeprefix("a="), "sdpMid": mid, "sdpMLineIndex": index}
            )
    return found


class Phone:
    """One participant's device: a socket and a mesh of peer connections."""

    def __init__(self, name: str, client: Client, frequency: float) -> None:
        self.name = name
        self.client = client
        self.frequency = frequency
        self.call_id = 0
        self.peer_id = ""
        self.ice_servers: list[RTCIceServer] = []
        self.pcs: dict[str, RTCPeerConnection] = {}
        self.levels: dict[str, list[float]] = defaultdict(list)
        self.messages: list[tuple[str, str]] = []
        self.signals: list[dict[str, Any]] = []
        self.seen = 0
        self.failures: list[BaseException] = []
        self.tasks: list[asyncio.Task[Any]] = []
        self.tasks.append(asyncio.get_running_loop().create_task(self._pump()))

    async def join(self, call_id: int, peer_id: str | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "call_join", "call_id": call_id}
        if peer_id:
            frame["peer_id"] = peer_id
        ack = await self.client.command(frame)
        self.call_id = call_id
        self.peer_id = ack["data"]["peer_id"]
        self.ice_servers = [
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in ack["data"]["ice_servers"]
        ]
        return ack

    def _pc(self, remote: str) -> RTCPeerConnection:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice_servers))
        self.pcs[remote] = pc
        pc.addTrack(Tone(self.frequency))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self.tasks.append(asyncio.get_running_loop().create_task(self._listen(remote, track)))

        @pc.on("datachannel")
        def on_channel(channel: RTCDataChannel) -> None:
            self._watch(remote, channel)

        return pc

    def _watch(self, remote: str, channel: RTCDataChannel) -> None:
        @channel.on("message")
        def on_message(message: Any) -> None:
            self.messages.append((remote, str(message)))
            if str(message).startswith("ping:"):
                channel.send(f"pong:{self.name}")

    async def _listen(self, remote: str, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                self.levels[remote].append(rms(frame))

    async def _signal(self, to: str, kind: str, data: dict[str, Any]) -> None:
        await self.client.command(
            {"type": "call_signal", "call_id": self.call_id, "to": to, "kind": kind, "data": data}
        )

    async def _send_description(self, to: str, pc: RTCPeerConnection) -> None:
        local = pc.localDescription
        await self._signal(to, local.type, {"sdp": local.sdp, "type": local.type})
        for candidate in sdp_candidates(local.sdp):  # trickled too, as a browser does
            await self._signal(to, "ice", candidate)

    async def offer(self, remote: str) -> None:
        """As the later joiner: open a connection to `remote` with a data channel."""
        pc = self._pc(remote)
        channel = pc.createDataChannel("chat")
        self._watch(remote, channel)

        @channel.on("open")
        def on_open() -> None:
            channel.send(f"ping:{self.name}")

        await pc.setLocalDescription(await pc.createOffer())
        await self._send_description(remote, pc)

    async def _pump(self) -> None:
        try:
            while True:
                await self.client.wait_until(
                    lambda: len(self.client.frames) > self.seen, 3600, "frames"
                )
                while self.seen < len(self.client.frames):
                    frame = self.client.frames[self.seen]
                    self.seen += 1
                    if frame.get("type") == "event" and frame.get("event") == "call.signal":
                        self.signals.append(frame["data"])
                        if frame["data"]["call_id"] != self.call_id:
                            continue  # a late signal of an earlier call
                        try:
                            await self._on_signal(frame["data"])
                        except Exception as error:  # reported by connected_to
                            self.failures.append(error)
        except AssertionError:
            return  # the socket closed

    async def _on_signal(self, data: dict[str, Any]) -> None:
        remote, kind, body = data["from"], data["kind"], data["data"]
        if kind == "offer":
            pc = self._pc(remote)
            await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            await self._send_description(remote, pc)
        elif kind == "answer" and remote in self.pcs:
            await self.pcs[remote].setRemoteDescription(
                RTCSessionDescription(body["sdp"], "answer")
            )
        elif kind == "ice" and remote in self.pcs:
            candidate = candidate_from_sdp(body["candidate"].removeprefix("candidate:"))
            candidate.sdpMid = body.get("sdpMid")
            candidate.sdpMLineIndex = body.get("sdpMLineIndex")
            await self.pcs[remote].addIceCandidate(candidate)
        elif kind == "bye" and remote in self.pcs:
            await self.pcs.pop(remote).close()

    async def connected_to(self, remotes: list[str], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.failures:
                raise self.failures[0]
            if all(r in self.pcs and self.pcs[r].connectionState == "connected" for r in remotes):
                return
            await asyncio.sleep(0.05)
        states = {r: self.pcs[r].connectionState if r in self.pcs else None for r in remotes}
        raise AssertionError(f"{self.name}: not connected to every peer: {states}")

    async def hears(self, remotes: list[str], frames: int = 25, timeout: float = 30) -> None:
        """At least `frames` audio frames with sound (the tone) from each of `remotes`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(sum(1 for v in self.levels[r] if v > 500) >= frames for r in remotes):
                return
            await asyncio.sleep(0.05)
        counts = {r: (len(self.levels[r]), max(self.levels[r], default=0)) for r in remotes}
        raise AssertionError(f"{self.name}: too little sound: {counts}")

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for pc in list(self.pcs.values()):
            await pc.close()
        self.pcs.clear()
        await self.client.close()
