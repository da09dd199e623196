"""Janus VideoRoom rooms for calls above the mesh limit, driven over Janus's HTTP API.

How a participant is authorised (docs/operations.md, "Calls: Janus and coturn"):

- Janus's core runs with `api_secret` (only this server knows it and sends it) and
  `token_auth` in signed mode (`token_auth_secret`): a browser's every request must carry a
  token `"<expiry>,janus,janus.plugin.videoroom,room=<room>,zt=<call>.<user>.<tag>:<sig>"`
  where `sig = base64(HMAC-SHA1(ZT_JANUS_TOKEN_SECRET, everything before the colon))`.
  Janus refuses a forged or expired token before anything else happens.
- A room is created with a room `secret` (derived per call from ZT_JANUS_ADMIN_KEY, never
  sent out), `require_pvtid` (only a joined publisher may subscribe) and an empty `allowed`
  list; each participant's token is added to that list when it is issued and removed when
  the participant leaves, so a token of another call, or of someone who has left, cannot
  join. The same token string serves both checks: the client sends it with every Janus
  request and in its VideoRoom `join`. (VideoRoom's own `signed_tokens` is not used: it wants
  a second token whose realm is the plugin, and one token per participant is the contract.)
- Creating a room needs the VideoRoom plugin's `admin_key` (ZT_JANUS_ADMIN_KEY).

Every function opens a short Janus session, does its requests and destroys the session; it
does network I/O (ZT_JANUS_TIMEOUT_SECONDS each), so call it outside database transactions.
A Janus that cannot be reached raises `SfuUnavailable` (`sfu_unavailable`, 503).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from backend.common import error_catalogue as codes
from backend.common.errors import ZtError

logger = logging.getLogger(__name__)

PLUGIN = "janus.plugin.videoroom"
# janus_videoroom.c error codes this module expects (the rest are failures).
ERROR_NO_SUCH_ROOM = 426
ERROR_ROOM_EXISTS = 427
ERROR_UNAUTHORIZED = 433


class SfuUnavailable(ZtError):
    """Janus did not answer, or refused what this server asked of it."""

    entry = codes.SFU_UNAVAILABLE


class JanusError(Exception):
    """An error reply from Janus (core or VideoRoom): its numeric code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class JanusSettings:
    url: str
    api_secret: str
    token_secret: str
    admin_key: str
    token_ttl: int
    timeout: float
    bitrate: int
    publishers: int


def _settings() -> JanusSettings:
    url: str = settings.ZT_JANUS_URL
    if not url:
        raise ImproperlyConfigured("ZT_JANUS_URL is not set: there is no SFU")
    missing = [
        name
        for name in ("ZT_JANUS_API_SECRET", "ZT_JANUS_TOKEN_SECRET", "ZT_JANUS_ADMIN_KEY")
        if not getattr(settings, name)
    ]
    if missing:
        raise ImproperlyConfigured(f"ZT_JANUS_URL is set but {', '.join(missing)} is empty")
    return JanusSettings(
        url=url.rstrip("/"),
        api_secret=settings.ZT_JANUS_API_SECRET,
        token_secret=settings.ZT_JANUS_TOKEN_SECRET,
        admin_key=settings.ZT_JANUS_ADMIN_KEY,
        token_ttl=int(settings.ZT_JANUS_TOKEN_TTL_SECONDS),
        timeout=float(settings.ZT_JANUS_TIMEOUT_SECONDS),
        bitrate=int(settings.ZT_JANUS_ROOM_BITRATE),
        # The room holds every participant a call may have (calls' own limit).
        publishers=int(getattr(settings, "ZT_CALL_MAX_PARTICIPANTS", 50)),
    )


def sfu_available() -> bool:
    """Whether an SFU is configured (ZT_JANUS_URL); the embedded default has none."""
    return bool(settings.ZT_JANUS_URL)


def browser_url() -> str:
    """The Janus WebSocket URL browsers connect to (ZT_JANUS_PUBLIC_URL)."""
    url: str = settings.ZT_JANUS_PUBLIC_URL
    if not url:
        raise ImproperlyConfigured("ZT_JANUS_URL is set but ZT_JANUS_PUBLIC_URL is empty")
    return url


def room_id(call_id: int) -> int:
    """The VideoRoom room of a call: the call's id (one Janus serves one deployment)."""
    return call_id


def _room_secret(conf: JanusSettings, call_id: int) -> str:
    return hmac.new(
        conf.admin_key.encode(), f"zt-room-secret:{call_id}".encode(), hashlib.sha256
    ).hexdigest()


def _participant_tag(conf: JanusSettings, call_id: int, user_id: int, peer_id: str) -> str:
    """The part of a token that names one participant device of one call: stable for a
    (call, user, peer), so revoking finds every token issued to it."""
    digest = hmac.new(
        conf.admin_key.encode(), f"zt-peer:{call_id}:{user_id}:{peer_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"zt={call_id}.{user_id}.{digest[:16]}"


def sign_token(secret: str, *, expiry: int, descriptors: list[str]) -> str:
    """A Janus signed token (janus.jcfg `token_auth_secret`) valid until `expiry` (unix time)
    for the VideoRoom plugin and the given descriptors (`room=<id>`, …)."""
    data = ",".join([str(expiry), "janus", PLUGIN, *descriptors])
    signature = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(signature).decode('ascii')}"


class _Session:
    """One Janus session with a VideoRoom handle, over the HTTP API."""

    def __init__(self, conf: JanusSettings, http: requests.Session) -> None:
        self.conf = conf
        self.http = http
        self.session_id = 0
        self.handle_id = 0

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": secrets.token_hex(8), "apisecret": self.conf.api_secret}
        try:
            response = self.http.post(
                f"{self.conf.url}{path}", json=body, timeout=self.conf.timeout
            )
            response.raise_for_status()
            reply: dict[str, Any] = response.json()
        except (requests.RequestException, ValueError) as error:
            logger.warning("janus %s failed: %s", body.get("janus"), error)
            raise SfuUnavailable() from error
        if reply.get("janus") == "error":
            error_body = reply.get("error") or {}
            raise JanusError(int(error_body.get("code", 0)), str(error_body.get("reason", "")))
        return reply

    def open(self) -> None:
        self.session_id = int(self._post("", {"janus": "create"})["data"]["id"])
        reply = self._post(f"/{self.session_id}", {"janus": "attach", "plugin": PLUGIN})
        self.handle_id = int(reply["data"]["id"])

    def close(self) -> None:
        if self.session_id:
            try:
                self._post(f"/{self.session_id}", {"janus": "destroy"})
            except (SfuUnavailable, JanusError) as error:
                # Janus drops an idle session by itself (session_timeout).
                logger.warning("janus session %s not destroyed: %s", self.session_id, error)

    def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """A synchronous VideoRoom request (create, destroy, allowed, exists, …): its data,
        or JanusError with VideoRoom's error code."""
        reply = self._post(
            f"/{self.session_id}/{self.handle_id}", {"janus": "message", "body": body}
        )
        data: dict[str, Any] = (reply.get("plugindata") or {}).get("data") or {}
        if "error_code" in data:
            raise JanusError(int(data["error_code"]), str(data.get("error", "")))
        return data


@contextmanager
def _videoroom() -> Iterator[_Session]:
    conf = _settings()
    with requests.Session() as http:
        session = _Session(conf, http)
        try:
            session.open()
        except JanusError as error:
            raise SfuUnavailable() from error
        try:
            yield session
        finally:
            session.close()


def _unexpected(error: JanusError) -> SfuUnavailable:
    logger.error("janus refused a request: %s", error)
    return SfuUnavailable()


def _create_room(session: _Session, call_id: int) -> int:
    conf = session.conf
    room = room_id(call_id)
    try:
        session.request(
            {
                "request": "create",
                "admin_key": conf.admin_key,
                "room": room,
                "permanent": False,
                "description": f"zt-call-{call_id}",
                "secret": _room_secret(conf, call_id),
                "is_private": True,
                "allowed": [],
                "require_pvtid": True,
                "publishers": conf.publishers,
                "bitrate": conf.bitrate,
                "fir_freq": 10,
                "audiocodec": "opus",
                "videocodec": "vp8,h264",
                "notify_joining": True,
                # "who is talking": talking / stopped-talking events to the room.
                "audiolevel_ext": True,
                "audiolevel_event": True,
                "audio_active_packets": 100,
                "audio_level_average": 25,
            }
        )
    except JanusError as error:
        if error.code != ERROR_ROOM_EXISTS:
            raise _unexpected(error) from error
    return room


def room_ensure(call_id: int) -> int:
    """Create the call's room if it does not exist yet; its id. Idempotent."""
    with _videoroom() as session:
        return _create_room(session, call_id)


def room_exists(call_id: int) -> bool:
    """Whether the call's room exists on Janus."""
    with _videoroom() as session:
        try:
            data = session.request({"request": "exists", "room": room_id(call_id)})
        except JanusError as error:
            raise _unexpected(error) from error
        return bool(data.get("exists"))


def room_destroy(call_id: int) -> None:
    """Destroy the call's room: Janus hangs up every participant still in it and the tokens
    issued for it join nothing any more. Idempotent (a missing room is fine)."""
    conf = _settings()
    with _videoroom() as session:
        try:
            session.request(
                {
                    "request": "destroy",
                    "room": room_id(call_id),
                    "secret": _room_secret(conf, call_id),
                    "permanent": False,
                }
            )
        except JanusError as error:
            if error.code != ERROR_NO_SUCH_ROOM:
                raise _unexpected(error) from error


def _allowed(session: _Session, call_id: int, action: str, tokens: list[str]) -> list[str]:
    data = session.request(
        {
            "request": "allowed",
            "room": room_id(call_id),
            "secret": _room_secret(session.conf, call_id),
            "action": action,
            "allowed": tokens,
        }
    )
    return [str(token) for token in data.get("allowed", [])]


def participant_token(call_id: int, user_id: int, peer_id: str) -> str:
    """A fresh token for one participant device (`peer_id`) of the call: signed for the
    call's room, valid ZT_JANUS_TOKEN_TTL_SECONDS, and added to the room's allowed list
    (the room is created first if needed). Goes to that device only (`Sfu.token`)."""
    conf = _settings()
    room = room_id(call_id)
    token = sign_token(
        conf.token_secret,
        expiry=int(time.time()) + conf.token_ttl,
        descriptors=[f"room={room}", _participant_tag(conf, call_id, user_id, peer_id)],
    )
    with _videoroom() as session:
        try:
            _allowed(session, call_id, "add", [token])
        except JanusError as error:
            if error.code != ERROR_NO_SUCH_ROOM:
                raise _unexpected(error) from error
            _create_room(session, call_id)
            try:
                _allowed(session, call_id, "add", [token])
            except JanusError as again:
                raise _unexpected(again) from again
    return token


def participant_revoke(call_id: int, user_id: int, peer_id: str) -> None:
    """Take every token issued to this participant device off the room's allowed list (it
    left, or was removed): it can no longer join or rejoin. Idempotent; a missing room is
    fine. Media already flowing stops when the client leaves or the room is destroyed."""
    conf = _settings()
    tag = _participant_tag(conf, call_id, user_id, peer_id)
    with _videoroom() as session:
        try:
            # "add" of nothing answers with the complete list.
            current = _allowed(session, call_id, "add", [])
            mine = [token for token in current if tag in token.split(":", 1)[0].split(",")]
            if mine:
                _allowed(session, call_id, "remove", mine)
        except JanusError as error:
            if error.code != ERROR_NO_SUCH_ROOM:
                raise _unexpected(error) from error
