"""The media side a call needs: ICE servers (STUN/TURN) and the SFU (Janus VideoRoom).

The real implementations live in `backend.calls.media` (`turn`: coturn REST
credentials per user per call; `janus`: rooms, per-participant tokens). Until
that package is installed this module answers on its own: the STUN list of
`ZT_CALL_STUN_URLS`, no TURN, and no SFU — so a call stays within the mesh
limit and a larger one is refused with `call_too_large`/`call_full`, which
say that a meeting above the limit needs the media server.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from django.conf import settings


def _media(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"backend.calls.media.{name}")
    except ModuleNotFoundError:
        return None


def ice_servers_for(user_id: int, call_id: int) -> list[dict[str, Any]]:
    """The ICE servers one participant uses for one call (TURN credentials are per user/call)."""
    turn = _media("turn")
    if turn is not None:
        servers: list[dict[str, Any]] = turn.ice_servers_for(user_id, call_id)
        return servers
    urls = list(settings.ZT_CALL_STUN_URLS)
    return [{"urls": urls}] if urls else []


def sfu_available() -> bool:
    janus = _media("janus")
    return bool(janus is not None and janus.sfu_available())


def room_ensure(call_id: int) -> int:
    janus = _media("janus")
    if janus is None:
        raise RuntimeError("no SFU configured")
    return int(janus.room_ensure(call_id))


def room_destroy(call_id: int) -> None:
    janus = _media("janus")
    if janus is not None:
        janus.room_destroy(call_id)


def participant_token(call_id: int, user_id: int, peer_id: str) -> str:
    janus = _media("janus")
    if janus is None:
        raise RuntimeError("no SFU configured")
    return str(janus.participant_token(call_id, user_id, peer_id))


def browser_url() -> str:
    janus = _media("janus")
    if janus is None:
        raise RuntimeError("no SFU configured")
    return str(janus.browser_url())
