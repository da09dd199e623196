"""How messages, conversations and events look on the wire (REST and WebSocket).

One builder per shape, used by both surfaces so a message looks the same
whether it arrives live, on resume or from history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from realtime import cards
from realtime.models import Attachment, Conversation, ConversationEvent, Message
from realtime.recall import may_recall_any, recall_until

RECALLED_TEXT = "已撤回"
EXCERPT_CHARS = 60


def user_brief(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "name": user.name,
        "avatar": f"/api/v1/people/{user.pk}/avatar" if user.avatar else None,
        "is_bot": user.is_bot,
    }


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    base = f"/api/v1/attachments/{attachment.token}"
    return {
        "id": attachment.token,
        "kind": attachment.kind,
        "name": attachment.name,
        "mime": attachment.mime,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": f"{base}/download",
        "thumbnail_url": f"{base}/thumbnail" if attachment.kind == "image" else None,
    }


def preview_text(message: Message) -> str:
    """The one-line preview of a message (conversation list, quotes)."""
    if message.is_recalled:
        return RECALLED_TEXT
    kind = message.kind
    if kind == Message.Kind.IMAGE:
        return "[图片]"
    if kind == Message.Kind.FILE:
        name = message.attachment.name if message.attachment else ""
        return f"[文件] {name}".strip()
    if kind == Message.Kind.CARD:
        title = message.data.get("title", "")
        return f"[卡片] {title}".strip()
    return message.text[:EXCERPT_CHARS]


def message_payload(message: Message, viewer: Any = None) -> dict[str, Any]:
    """A message as clients see it. Recalled messages keep only their frame."""
    recalled = message.is_recalled
    payload: dict[str, Any] = {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "kind": message.kind,
        "sender": user_brief(message.sender),
        "text": "" if recalled else message.text,
        "data": {} if recalled else message.data,
        "attachment": None,
        "card": None,
        "reply_to": None,
        "mentions": [],
        "mention_all": message.mentions_all,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
        "recalled": recalled,
        "recalled_by": message.recalled_by_id,
        "recall_until": _iso(recall_until(message)),
    }
    if recalled:
        return payload
    if message.attachment is not None:
        payload["attachment"] = attachment_payload(message.attachment)
    if message.kind == Message.Kind.CARD:
        payload["card"] = card_payload(message, viewer)
    if message.reply_to is not None:
        quoted = message.reply_to
        payload["reply_to"] = {
            "id": quoted.pk,
            "seq": quoted.seq,
            "sender_name": quoted.sender.name if quoted.sender else "系统",
            "excerpt": preview_text(quoted),
        }
    payload["mentions"] = [m.user_id for m in message.mentions.all()]
    return payload


def card_payload(message: Message, viewer: Any) -> dict[str, Any]:
    view = (
        cards.render_for(message.card_type, message.card_object_id, viewer)
        if viewer is not None
        else None
    )
    return {
        "card_type": message.card_type,
        "object_id": message.card_object_id,
        "view": view,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def conversation_brief(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "name": conversation.name,
        "owner_id": conversation.owner_id,
        "member_count": conversation.member_count,
        "last_seq": conversation.last_seq,
        "last_pos": conversation.last_pos,
        "dissolved": conversation.dissolved_at is not None,
    }


def event_payload(event: ConversationEvent, viewer: Any = None) -> dict[str, Any]:
    """A positional event, rebuilt from current rows (resume and live alike)."""
    payload: dict[str, Any] = {
        "type": "event",
        "event": event.type,
        "conversation_id": event.conversation_id,
        "pos": event.pos,
        "data": event.data,
    }
    if event.message is not None:
        payload["message"] = message_payload(event.message, viewer)
    return payload


def conversation_item_payload(item: Any) -> dict[str, Any]:
    """A row of the conversation list (`selectors.ConversationItem`) for its viewer."""
    conversation = item.conversation
    membership = item.membership
    peer = item.peer
    return {
        **conversation_brief(conversation),
        "name": conversation.name if conversation.is_group else (peer.name if peer else "单聊"),
        "peer": user_brief(peer),
        "my_role": membership.role,
        "unread_count": item.unread_count,
        "mention_count": item.mention_count,
        "muted": membership.muted,
        "pinned": membership.pinned,
        "last_read_seq": membership.last_read_seq,
        "can_recall_any": may_recall_any(membership),
        "last_message": message_payload(item.last_message, membership.user)
        if item.last_message
        else None,
        "last_message_at": conversation.last_message_at.isoformat()
        if conversation.last_message_at
        else None,
    }
