"""What the WebSocket consumer calls, in a worker thread: frame → service → reply.

Each function parses one command's fields (bad input raises `InvalidInput`),
calls exactly one service or selector, and returns the `ack` data. Keeping
this out of the consumer keeps ORM work off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings

from backend.common import error_catalogue as codes
from backend.common import input_guard
from backend.common.errors import InvalidInput, ZtError
from backend.directory import selectors as directory_selectors
from backend.directory.models import User
from realtime import cards, selectors, services
from realtime import event_types as wire
from realtime import presence as presence_mod
from realtime.event_types import dump
from realtime.models import ConversationEvent, Message
from realtime.payloads import (
    card_updated_payload,
    card_views,
    conversation_item_model,
    event_payload,
    message_model,
)


def _int(frame: dict[str, Any], name: str) -> int:
    value = frame.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput.of(codes.INVALID_FIELD, f"字段 {name} 必须是整数")
    return value


def _str(frame: dict[str, Any], name: str, *, default: str = "", limit: int = 100_000) -> str:
    value = frame.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidInput.of(codes.INVALID_FIELD, f"字段 {name} 必须是字符串")
    if len(value) > limit:
        raise InvalidInput.of(codes.INVALID_FIELD, f"字段 {name} 过长")
    return value


def _int_list(frame: dict[str, Any], name: str) -> list[int]:
    value = frame.get(name) or []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise InvalidInput.of(codes.INVALID_FIELD, f"字段 {name} 必须是整数列表")
    return value


def parse_positions(raw: Any) -> dict[int, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput.of(codes.INVALID_FIELD, "positions 必须是对象")
    positions: dict[int, int] = {}
    for key, value in raw.items():
        try:
            conversation_id = int(key)
        except (TypeError, ValueError):
            raise InvalidInput.of(codes.INVALID_FIELD, "positions 的键必须是会话编号") from None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput.of(codes.INVALID_FIELD, "positions 的值必须是非负整数")
        positions[input_guard.check_int(conversation_id, "会话编号")] = value
    return positions


# --- commands -------------------------------------------------------------------


def send(user: User, frame: dict[str, Any]) -> dict[str, Any]:
    reply_to = frame.get("reply_to")
    if reply_to is not None and (isinstance(reply_to, bool) or not isinstance(reply_to, int)):
        raise InvalidInput.of(codes.INVALID_FIELD, "reply_to 必须是消息编号")
    fields: dict[str, Any] = {
        "actor": user,
        "conversation_id": _int(frame, "conversation_id"),
        "text": _str(frame, "text"),
        "client_id": _str(frame, "client_id", limit=64),
        "attachment_id": _str(frame, "attachment_id", limit=64) or None,
        "reply_to_id": reply_to,
        "mention_ids": _int_list(frame, "mentions"),
        "mention_all": bool(frame.get("mention_all", False)),
    }
    channels = _urgent_channels(frame)
    services.message_rate_take(actor=user)
    if channels is None:
        message, created = services.message_send(**fields)
    else:
        message, created = services.message_send_urgent(**fields, channels=channels)
    return dump(wire.SendAck(message=message_model(message, user), duplicate=not created))


def _urgent_channels(frame: dict[str, Any]) -> list[str] | None:
    """`urgent: {"channels": [...]}` on a send: the channels to 加急 it with (None = not)."""
    urgent = frame.get("urgent")
    if urgent is None:
        return None
    channels = urgent.get("channels", ["app", "sms"]) if isinstance(urgent, dict) else None
    if (
        not isinstance(channels, list)
        or len(channels) > 3
        or not all(isinstance(c, str) for c in channels)
    ):
        raise InvalidInput.of(codes.INVALID_FIELD, '字段 urgent 应为 {"channels": [...]}')
    return channels


def read(user: User, frame: dict[str, Any]) -> dict[str, Any]:
    seq = services.conversation_mark_read(
        actor=user, conversation_id=_int(frame, "conversation_id"), seq=_int(frame, "seq")
    )
    return dump(wire.ReadAck(last_read_seq=seq))


def recall(user: User, frame: dict[str, Any]) -> dict[str, Any]:
    message = services.message_recall(actor=user, message_id=_int(frame, "message_id"))
    return dump(wire.RecallAck(message=message_model(message, user)))


def typing(user: User, frame: dict[str, Any]) -> dict[str, Any]:
    services.typing_notify(actor=user, conversation_id=_int(frame, "conversation_id"))
    return dump(wire.Empty())


def presence_command(user: User, frame: dict[str, Any]) -> dict[str, Any]:
    status = frame.get("status")
    if status not in (presence_mod.ONLINE, presence_mod.AWAY):
        raise InvalidInput.of(codes.INVALID_FIELD, "status 只能是 online 或 away")
    now = presence_mod.presence_update(user.pk, frame["connection_id"], status)
    return dump(wire.PresenceAck(status=now))  # type: ignore[arg-type]  # online/away/offline


def card_action(user: User, frame: dict[str, Any]) -> dict[str, Any]:
    message = selectors.message_get(viewer=user, message_id=_int(frame, "message_id"))
    if message.kind != Message.Kind.CARD or message.is_recalled:
        raise InvalidInput.of(codes.NOT_A_CARD)
    card = cards.get(message.card_type)
    payload = {k: v for k, v in frame.items() if k not in ("type", "id", "message_id", "action")}
    view = card.act(message.card_object_id, user, _str(frame, "action", limit=64), payload)
    return dump(wire.CardActionAck(view=wire.CardView.model_validate(view)))


COMMANDS: dict[str, Callable[[User, dict[str, Any]], dict[str, Any]]] = {
    "send": send,
    "read": read,
    "recall": recall,
    "typing": typing,
    "presence": presence_command,
    "card_action": card_action,
}


# --- delivery -------------------------------------------------------------------


def socket_open(user: Any, ticket: str | None, connection_id: str) -> tuple[User | None, str]:
    """Who an accepted socket belongs to, and mark it online: (person, the credential
    that asked for its ticket) — spending the ticket if it came with one — or
    (None, "") if it is not authenticated (bad or spent ticket, no session)."""
    credential = ""
    if ticket is not None:
        try:
            spent = services.ws_ticket_spend(key=ticket)
        except ZtError:
            return None, ""
        user, credential = spent.user, spent.credential
    if user is None or not user.is_authenticated:
        return None, ""
    presence_mod.presence_update(user.pk, connection_id, presence_mod.ONLINE)
    return user, credential


def presence(user: User, connection_id: str, state: str | None) -> None:
    presence_mod.presence_update(user.pk, connection_id, state)


def heartbeat(
    user: User, connection_id: str, session_key: str | None = None, credential: str = ""
) -> bool:
    """Refresh presence; False if the socket's login has ended (deactivated, session gone,
    its device signed out or its token expired) — the close doorbell may have been lost."""
    presence_mod.refresh_connection(user.pk, connection_id)
    if not User.objects.filter(pk=user.pk, is_active=True).exists():
        return False
    if credential.startswith("token:"):
        return directory_selectors.token_live(user=user, digest=credential.removeprefix("token:"))
    if session_key is None:
        return True
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return bool(store().exists(session_key))


def needs_viewer(event: dict[str, Any]) -> bool:
    """Cards look different to each viewer (their buttons), so render per socket."""
    if event.get("event") == ConversationEvent.Type.CARD_UPDATED:
        return True
    message = event.get("message") or {}
    return bool(message.get("kind") == Message.Kind.CARD)


def _card_of(event: ConversationEvent) -> cards.CardKey:
    return (str(event.data.get("card_type", "")), str(event.data.get("object_id", "")))


def _render_all(events: list[ConversationEvent], user: User) -> list[dict[str, Any]]:
    """Frames of replayed events for one viewer, every card in them rendered in one batch.

    A card shown by several messages and `card.updated` events renders once.
    """
    updated = [e for e in events if e.type == ConversationEvent.Type.CARD_UPDATED]
    views = card_views((e.message for e in events), user)
    missing = [key for key in map(_card_of, updated) if key not in views]
    if missing:
        views |= cards.render_for_many(missing, user)
    return [
        card_updated_payload(event, views.get(_card_of(event)))
        if event.type == ConversationEvent.Type.CARD_UPDATED
        else event_payload(event, user, views)
        for event in events
    ]


def events_after(
    user: User, conversation_id: int, after: int, upto: int
) -> tuple[list[dict[str, Any]], int]:
    """Frames for (after, upto] from the database, and the position reached."""
    rows = selectors.events_between(
        viewer=user, conversation_id=conversation_id, after=after, upto=upto
    )
    frames = _render_all(rows, user)
    reached = rows[-1].pos if rows else after
    if len(rows) >= settings.ZT_RESUME_MAX_EVENTS and reached < upto:
        # Too far behind to replay in one go: the client reloads over REST.
        frames.append(_resync_frame(conversation_id))
    # Whatever is left in (reached, upto] is either replaced by that resync
    # or lies before the viewer joined (not theirs to see): skip past it.
    return frames, upto


def _resync_frame(conversation_id: int) -> dict[str, Any]:
    return dump(wire.ResyncEvent(conversation_id=conversation_id, data=wire.Empty()))


def conversation_added(user: User, conversation_id: int) -> tuple[list[dict[str, Any]], int | None]:
    try:
        item = selectors.conversation_item_get(viewer=user, conversation_id=conversation_id)
    except ZtError:  # not a member (any more): nothing to tell
        return [], None
    added = wire.ConversationAddedEvent(
        conversation_id=conversation_id,
        data=wire.ConversationAddedData(conversation=conversation_item_model(item)),
    )
    return [dump(added)], item.conversation.last_pos


def resume(user: User, positions: dict[int, int]) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Catch a reconnecting socket up: missed events in order, then state changes."""
    catchup = selectors.resume_catchup(viewer=user, positions=positions)
    frames = _render_all(catchup.events, user)
    fresh = not positions
    if not fresh:
        for conversation_id in catchup.added:
            added, _ = conversation_added(user, conversation_id)
            frames.extend(added)
    for conversation_id in catchup.resync:
        frames.append(_resync_frame(conversation_id))
    for conversation_id in catchup.removed:
        removed = wire.ConversationRemovedEvent(conversation_id=conversation_id, data=wire.Empty())
        frames.append(dump(removed))
    return frames, catchup.positions
