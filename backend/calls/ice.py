"""The media side a call needs, as the calls services see it: ICE servers and the SFU.

A thin seam over `backend.calls.media` (`turn`: STUN from ZT_STUN_URLS and coturn
REST credentials per user per call; `janus`: VideoRoom rooms and per-participant
tokens). Without ZT_JANUS_URL there is no SFU: a call stays within the mesh limit
and a larger one is refused with `call_too_large`/`call_full`, whose messages say
that a meeting above the limit needs the media server.
"""

from __future__ import annotations

from typing import Any

from backend.calls.media import janus, turn


def ice_servers_for(user_id: int, call_id: int) -> list[dict[str, Any]]:
    """The ICE servers one participant uses for one call (TURN credentials are per user/call)."""
    return turn.ice_servers_for(user_id, call_id)


def sfu_available() -> bool:
    return janus.sfu_available()


def room_ensure(call_id: int) -> int:
    return janus.room_ensure(call_id)


def room_destroy(call_id: int) -> None:
    janus.room_destroy(call_id)


def participant_token(call_id: int, user_id: int, peer_id: str) -> str:
    return janus.participant_token(call_id, user_id, peer_id)


def participant_revoke(call_id: int, user_id: int, peer_id: str) -> None:
    janus.participant_revoke(call_id, user_id, peer_id)


def browser_url() -> str:
    return janus.browser_url()
