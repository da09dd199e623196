"""The call commands of the WebSocket (registered with `realtime.socket_commands`).

Each parses one frame (bad input: `invalid_field`, nothing changes), calls
one service with the socket that sent it, and returns the `ack` data
(docs/calls.md "WebSocket commands").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings

from backend.calls import selectors, services
from backend.common import error_catalogue as codes
from backend.common import input_guard
from backend.common.errors import InvalidInput
from realtime import event_types as wire
from realtime.event_types import dump
from realtime.socket_commands import Socket

SIGNAL_KINDS = ("offer", "answer", "ice", "bye")
# The keys each kind's `data` may carry (RTCSessionDescriptionInit, RTCIceCandidateInit).
SIGNAL_KEYS: dict[str, frozenset[str]] = {
    "offer": frozenset({"sdp", "type"}),
    "answer": frozenset({"sdp", "type"}),
    "ice": frozenset({"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}),
    "bye": frozenset(),
}


def _call_id(frame: dict[str, Any]) -> int:
    value = frame.get("call_id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput.of(codes.INVALID_FIELD, "字段 call_id 必须是整数")
    return input_guard.check_int(value, "call_id")


def _bool(frame: dict[str, Any], name: str) -> bool:
    value = frame.get(name)
    if not isinstance(value, bool):
        raise InvalidInput.of(codes.INVALID_FIELD, f"字段 {name} 必须是布尔值")
    return value


def _peer_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 32:
        raise InvalidInput.of(codes.INVALID_FIELD, f"字段 {name} 必须是通话端编号")
    return value


def call_join(socket: Socket, frame: dict[str, Any]) -> dict[str, Any]:
    raw_peer = frame.get("peer_id")
    peer_id = None if raw_peer is None else _peer_id(raw_peer, "peer_id")
    joined = services.peer_join(
        actor=socket.user,
        call_id=_call_id(frame),
        channel_name=socket.channel_name,
        connection_id=socket.connection_id,
        peer_id=peer_id,
    )
    ack: dict[str, Any] = {
        "call": selectors.call_model(joined.call),
        "peer_id": joined.peer_id,
        "ice_servers": joined.ice_servers,
    }
    if joined.sfu is not None:
        ack["sfu"] = joined.sfu
    return dump(wire.CallJoinAck(**ack))


def call_leave(socket: Socket, frame: dict[str, Any]) -> dict[str, Any]:
    services.peer_leave(
        actor=socket.user, call_id=_call_id(frame), channel_name=socket.channel_name
    )
    return dump(wire.Empty())


def _signal_data(kind: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInput.of(codes.INVALID_FIELD, "字段 data 必须是对象")
    extra = set(data) - SIGNAL_KEYS[kind]
    if extra:
        raise InvalidInput.of(
            codes.INVALID_FIELD, f"字段 data 含有未知的键：{'、'.join(sorted(extra))}"
        )
    size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    if size > settings.ZT_CALL_SIGNAL_MAX_BYTES:
        raise InvalidInput.of(codes.INVALID_FIELD, "字段 data 过大")
    if kind in ("offer", "answer"):
        if not isinstance(data.get("sdp"), str) or data.get("type") not in (kind, None):
            raise InvalidInput.of(codes.INVALID_FIELD, "字段 data 应为 {sdp, type}")
    elif kind == "ice":
        if not isinstance(data.get("candidate"), str):
            raise InvalidInput.of(codes.INVALID_FIELD, "字段 data.candidate 必须是字符串")
        line = data.get("sdpMLineIndex")
        mid = data.get("sdpMid")
        if line is not None and (isinstance(line, bool) or not isinstance(line, int)):
            raise InvalidInput.of(codes.INVALID_FIELD, "字段 data.sdpMLineIndex 必须是整数")
        if mid is not None and not isinstance(mid, str):
            raise InvalidInput.of(codes.INVALID_FIELD, "字段 data.sdpMid 必须是字符串")
    return data


def call_signal(socket: Socket, frame: dict[str, Any]) -> dict[str, Any]:
    kind = frame.get("kind")
    if kind not in SIGNAL_KINDS:
        raise InvalidInput.of(codes.INVALID_FIELD, "字段 kind 只能是 offer、answer、ice 或 bye")
    services.signal_relay(
        actor=socket.user,
        call_id=_call_id(frame),
        channel_name=socket.channel_name,
        to=_peer_id(frame.get("to"), "to"),
        kind=kind,
        data=_signal_data(kind, frame.get("data", {})),
    )
    return dump(wire.Empty())


def call_media(socket: Socket, frame: dict[str, Any]) -> dict[str, Any]:
    services.peer_media(
        actor=socket.user,
        call_id=_call_id(frame),
        channel_name=socket.channel_name,
        muted=_bool(frame, "muted"),
        camera=_bool(frame, "camera"),
        screen=_bool(frame, "screen"),
    )
    return dump(wire.Empty())


COMMANDS: dict[str, Callable[[Socket, dict[str, Any]], dict[str, Any]]] = {
    "call_join": call_join,
    "call_leave": call_leave,
    "call_signal": call_signal,
    "call_media": call_media,
}


def ringing_frames(socket: Socket) -> list[dict[str, Any]]:
    """A fresh socket of someone still rung gets `call.ringing` again (until the ring expires)."""
    calls = selectors.ringing_calls_for(user_id=socket.user.pk)
    if not calls:
        return []
    models = selectors.call_models(calls)
    return [
        dump(
            wire.CallRingingEvent(
                conversation_id=call.conversation_id, data=wire.CallData(call=models[call.pk])
            )
        )
        for call in calls
    ]


def socket_closed(socket: Socket) -> None:
    services.socket_closed(channel_name=socket.channel_name)
