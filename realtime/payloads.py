"""How messages, conversations and events look on the wire (REST and WebSocket).

One builder per shape, used by both surfaces so a message looks the same
whether it arrives live, on resume or from history. Each builds its model
from `realtime.event_types` (validated once, when built) and returns its
wire dict.

Cards are rendered per viewer. Where several messages are built for one
viewer (a history page, the conversation list, search results, a resume),
the caller renders their cards first in one batch (`card_views`, which calls
`realtime.cards.render_for_many`) and passes the views in; a lone message
renders its card itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from realtime import cards
from realtime import event_types as wire
from realtime.event_types import dump
from realtime.models import Attachment, Conversation, ConversationEvent, Message, UrgentNotice
from realtime.recall import may_recall_any, recall_until

RECALLED_TEXT = "已撤回"
EXCERPT_CHARS = 60


def _user_brief(user: Any) -> wire.UserBrief | None:
    if user is None:
        return None
    return wire.UserBrief(
        id=user.pk,
        name=user.name,
        avatar=f"/api/v1/people/{user.pk}/avatar" if user.avatar else None,
        is_bot=user.is_bot,
    )


def user_brief(user: Any) -> dict[str, Any] | None:
    brief = _user_brief(user)
    return None if brief is None else dump(brief)


def _attachment(attachment: Attachment) -> wire.Attachment:
    base = f"/api/v1/attachments/{attachment.token}"
    return wire.Attachment(
        id=attachment.token,
        kind=attachment.kind,  # type: ignore[arg-type]  # a TextChoices value
        name=attachment.name,
        mime=attachment.mime,
        size=attachment.size,
        width=attachment.width,
        height=attachment.height,
        url=f"{base}/download",
        thumbnail_url=f"{base}/thumbnail" if attachment.kind == "image" else None,
    )


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return dump(_attachment(attachment))


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


def _shows_card(message: Message) -> bool:
    return message.kind == Message.Kind.CARD and not message.is_recalled


def card_views(messages: Iterable[Message | None], viewer: Any) -> cards.CardViews:
    """The viewer's views of the cards among `messages`, rendered in one batch."""
    if viewer is None:
        return {}
    pairs = [(m.card_type, m.card_object_id) for m in messages if m is not None and _shows_card(m)]
    return cards.render_for_many(pairs, viewer) if pairs else {}


def message_model(
    message: Message, viewer: Any = None, views: cards.CardViews | None = None
) -> wire.Message:
    """A message as clients see it. Recalled messages keep only their frame.

    `views` are the viewer's card views rendered in batch (`card_views`);
    without them a card message renders its own card.
    """
    recalled = message.is_recalled
    live = not recalled
    quoted = message.reply_to if live else None
    return wire.Message(
        id=message.pk,
        conversation_id=message.conversation_id,
        seq=message.seq,
        kind=message.kind,  # type: ignore[arg-type]  # a TextChoices value
        sender=_user_brief(message.sender),
        text=message.text if live else "",
        data=wire.MessageData(**message.data) if live else wire.MessageData(),
        attachment=_attachment(message.attachment)
        if live and message.attachment is not None
        else None,
        card=_card(message, viewer, views) if _shows_card(message) else None,
        reply_to=wire.Quote(
            id=quoted.pk,
            seq=quoted.seq,
            sender_name=quoted.sender.name if quoted.sender else "系统",
            excerpt=preview_text(quoted),
        )
        if quoted is not None
        else None,
        mentions=[m.user_id for m in message.mentions.all()] if live else [],
        mention_all=message.mentions_all,
        client_id=message.client_id,
        created_at=message.created_at.isoformat(),
        recalled=recalled,
        recalled_by=message.recalled_by_id,
        recall_until=_iso(recall_until(message)),
        urgent=_urgent(message) if live else None,
    )


def urgent_mark(notice: UrgentNotice) -> wire.UrgentMark:
    return wire.UrgentMark(
        channels=notice.channels, by=notice.sender_id, at=notice.created_at.isoformat()
    )


def _urgent(message: Message) -> wire.UrgentMark | None:
    """The 加急 mark. Lists load it with the message (`select_related("urgent")`,
    realtime.selectors); a message loaded alone asks once."""
    try:
        notice = message.urgent
    except UrgentNotice.DoesNotExist:
        return None
    return urgent_mark(notice)


def message_payload(message: Message, viewer: Any = None) -> dict[str, Any]:
    return dump(message_model(message, viewer))


def message_payloads(messages: list[Message], viewer: Any) -> list[dict[str, Any]]:
    """Many messages for one viewer (a history page, search results): cards in one batch."""
    views = card_views(messages, viewer)
    return [dump(message_model(m, viewer, views)) for m in messages]


def _card(message: Message, viewer: Any, views: cards.CardViews | None = None) -> wire.Card:
    key = (message.card_type, message.card_object_id)
    if viewer is None:
        view = None
    elif views is not None:
        view = views.get(key)
    else:
        view = cards.render_for(*key, viewer)
    return wire.Card(
        card_type=message.card_type,
        object_id=message.card_object_id,
        view=wire.CardView.model_validate(view) if view is not None else None,
    )


def card_payload(message: Message, viewer: Any) -> dict[str, Any]:
    return dump(_card(message, viewer))


def _conversation_brief(conversation: Conversation) -> wire.ConversationBrief:
    return wire.ConversationBrief(
        id=conversation.pk,
        kind=conversation.kind,  # type: ignore[arg-type]  # a TextChoices value
        name=conversation.name,
        owner_id=conversation.owner_id,
        member_count=conversation.member_count,
        last_seq=conversation.last_seq,
        last_pos=conversation.last_pos,
        dissolved=conversation.dissolved_at is not None,
        history_visible_to_new_members=conversation.history_visible_to_new_members,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def conversation_brief(conversation: Conversation) -> dict[str, Any]:
    return dump(_conversation_brief(conversation))


def event_payload(
    event: ConversationEvent, viewer: Any = None, views: cards.CardViews | None = None
) -> dict[str, Any]:
    """A positional event, rebuilt from current rows (resume and live alike).

    `views`: the viewer's card views rendered in batch, as for `message_model`.
    """
    model = wire.POSITIONAL_EVENTS[event.type]
    fields: dict[str, Any] = {
        "conversation_id": event.conversation_id,
        "pos": event.pos,
        "data": event.data,
    }
    if event.message is not None:
        fields["message"] = message_model(event.message, viewer, views)
    return dump(model.model_validate(fields))


def card_updated_payload(event: ConversationEvent, view: Any) -> dict[str, Any]:
    """`card.updated` with the card rendered for one viewer."""
    return dump(
        wire.CardUpdatedEvent(
            conversation_id=event.conversation_id,
            pos=event.pos,
            data=wire.CardUpdatedData(**event.data, view=view),
        )
    )


def conversation_item_model(
    item: Any, views: cards.CardViews | None = None
) -> wire.ConversationItem:
    conversation = item.conversation
    membership = item.membership
    peer = item.peer
    name = conversation.name if conversation.is_group else (peer.name if peer else "单聊")
    brief = {**dict(_conversation_brief(conversation)), "name": name}
    return wire.ConversationItem(
        **brief,
        peer=_user_brief(peer),
        my_role=membership.role,
        unread_count=item.unread_count,
        mention_count=item.mention_count,
        muted=membership.muted,
        pinned=membership.pinned,
        last_read_seq=membership.last_read_seq,
        can_recall_any=may_recall_any(membership),
        last_message=message_model(item.last_message, membership.user, views)
        if item.last_message
        else None,
        last_message_at=conversation.last_message_at.isoformat()
        if conversation.last_message_at
        else None,
    )


def conversation_item_payload(item: Any) -> dict[str, Any]:
    """A row of the conversation list (`selectors.ConversationItem`) for its viewer."""
    return dump(conversation_item_model(item))


def conversation_item_payloads(items: list[Any], viewer: Any) -> list[dict[str, Any]]:
    """The conversation list for one viewer: the last messages' cards in one batch."""
    views = card_views((item.last_message for item in items), viewer)
    return [dump(conversation_item_model(item, views)) for item in items]
