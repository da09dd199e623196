"""Web push over the wire: the lock-screen payload and one encrypted POST.

Sending uses pywebpush's `WebPusher` (RFC 8291 `aes128gcm` encryption, RFC
8030 headers) with a VAPID JWT signed by `push.vapid`. The outcome is
classified here so the delivery job only decides what to do next.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pywebpush import WebPusher

from push import vapid
from push.kinds import kind_of
from push.models import LockScreen, Notification, PushSubscription

APP_NAME = "政通"
HIDDEN_BODY = "您有一条新消息"


def payload_for(notification: Notification, lock_screen: str) -> dict[str, Any]:
    """What the service worker receives, cut down to what the lock screen may show.

    Only `title` and `body` carry content; `url` and `tag` let the service
    worker open the right screen and group per conversation.
    """
    kind = kind_of(notification.kind)
    who = notification.sender_name or notification.title
    if notification.count > 1:
        title, body = _coalesced(notification, lock_screen)
    elif lock_screen == LockScreen.FULL:
        title, body = who, notification.body or notification.title
        if notification.sender_name and notification.title != notification.sender_name:
            title = f"{notification.sender_name}({notification.title})"
    elif lock_screen == LockScreen.SENDER:
        title, body = who, kind.generic_body
    else:
        title, body = APP_NAME, HIDDEN_BODY
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": title,
        "body": body,
        "url": notification.url,
        "tag": notification.tag or f"n{notification.pk}",
        "urgent": notification.kind == "urgent",
        "ts": int(notification.created_at.timestamp() * 1000),
    }


def _coalesced(notification: Notification, lock_screen: str) -> tuple[str, str]:
    """Several messages of one conversation in one push: "N条新消息" and the newest."""
    many = f"{notification.count}条新消息"
    if lock_screen == LockScreen.FULL:
        newest = notification.body or notification.title
        if notification.sender_name and notification.sender_name != notification.title:
            newest = f"{notification.sender_name}: {newest}"
        return notification.title, f"{many} · {newest}"
    if lock_screen == LockScreen.SENDER:
        return notification.title, many
    return APP_NAME, f"您有{many}"


def topic_for(tag: str) -> str:
    """RFC 8030 Topic: at most 32 characters of the base64url alphabet."""
    digest = hashlib.sha256(tag.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:32]


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # 201/202: the push service has it
    GONE = "gone"  # 404/410: the subscription is dead, delete it
    TRANSIENT = "transient"  # 429/5xx/network: try again later
    REJECTED = "rejected"  # any other 4xx: our request is wrong, do not retry


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    status: int | None
    detail: str
    retry_after: int | None = None
    location: str = ""


def send(
    subscription: PushSubscription,
    data: dict[str, Any],
    *,
    urgency: str,
    ttl: int,
    topic: str = "",
    session: requests.Session | None = None,
) -> PushResult:
    keys = vapid.keys()
    parts = urlsplit(subscription.endpoint)
    claims: dict[str, str | int] = {
        "sub": keys.subject,
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + settings.ZT_VAPID_JWT_SECONDS,
    }
    headers: dict[str, str | int | float] = dict(vapid.signer(keys.private_key).sign(claims))
    headers["Urgency"] = urgency
    if topic:
        headers["Topic"] = topic
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        response = WebPusher(info, requests_session=session).send(
            body,
            headers,
            ttl=ttl,
            content_encoding="aes128gcm",
            timeout=settings.ZT_PUSH_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        return PushResult(Outcome.TRANSIENT, None, f"network: {type(error).__name__}")
    return classify(response)


def classify(response: Any) -> PushResult:
    status = int(response.status_code)
    text = (response.text or "")[:200]
    if status in (200, 201, 202):
        return PushResult(
            Outcome.ACCEPTED, status, "", location=response.headers.get("Location", "")
        )
    if status in (404, 410):
        return PushResult(Outcome.GONE, status, text)
    if status == 429 or status >= 500:
        retry_after = response.headers.get("Retry-After", "")
        seconds = int(retry_after) if retry_after.isdigit() else None
        return PushResult(Outcome.TRANSIENT, status, text, retry_after=seconds)
    return PushResult(Outcome.REJECTED, status, text)
