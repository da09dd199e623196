"""Card messages: deliver live cards to people or into a conversation, announce changes.

A card app delivers through `card_send_to_people` (its system account's 1:1
chat with each person, 审批助手-style) and `card_post` (a person shares the
card into a conversation they are in); `card_message_send` is the primitive
both use.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from backend.directory import services as directory
from backend.directory.models import User
from realtime.models import (
    Message,
)
from realtime.services._core import (
    EventType,
    _append_event,
    _append_message,
    _lock_conversation,
    _membership,
    _writable,
)
from realtime.services.groups import direct_conversation_get_or_create

# --- cards -----------------------------------------------------------------------


def card_message_send(
    *,
    conversation_id: int,
    card_type: str,
    object_id: str,
    title: str,
    sender: User | None = None,
    sender_label: str = "",
) -> Message:
    """Put a live card into a conversation (called by domain apps' services)."""
    with transaction.atomic():
        conversation = _lock_conversation(conversation_id)
        _writable(conversation)
        if sender is not None:
            _membership(conversation, sender)
        return _append_message(
            conversation,
            sender=sender,
            kind=Message.Kind.CARD,
            data={"title": title, "sender_label": sender_label},
            card_type=card_type,
            card_object_id=str(object_id),
        )


def card_send_to_people(
    *, account: str, user_ids: Iterable[int], card_type: str, object_id: str, title: str
) -> list[Message]:
    """A fresh card from the system account `account` (`directory.system_accounts`) in
    each person's 1:1 conversation with it, created on first use.

    Fresh, not an edit of an earlier copy, so it shows as unread and rings;
    `title` says why this copy was sent (「张三的请假申请，待您审批」). A person
    listed twice gets one card. Call inside the domain change's transaction.
    """
    people = list(dict.fromkeys(user_ids))
    if not people:
        return []
    bot = directory.system_account_get(account)
    sent = []
    for user_id in people:
        conversation = direct_conversation_get_or_create(actor=bot, other_id=user_id)
        sent.append(
            card_message_send(
                conversation_id=conversation.pk,
                card_type=card_type,
                object_id=object_id,
                title=title,
                sender=bot,
                sender_label=bot.name,
            )
        )
    return sent


def card_post(
    *, actor: User, conversation_id: int, card_type: str, object_id: str, title: str
) -> Message:
    """The actor shares a card into a conversation they are an active member of."""
    return card_message_send(
        conversation_id=conversation_id,
        card_type=card_type,
        object_id=object_id,
        title=title,
        sender=actor,
    )


def card_updated(*, card_type: str, object_id: str) -> None:
    """One `card.updated` event in every conversation that shows this card.

    Call inside the domain change's transaction: the events leave on commit.
    """
    with transaction.atomic():  # a savepoint inside the caller's transaction
        conversation_ids = sorted(
            set(
                Message.objects.filter(
                    card_type=card_type, card_object_id=str(object_id)
                ).values_list("conversation_id", flat=True)
            )
        )
        # Locks are taken in id order, so two card updates never deadlock.
        for conversation_id in conversation_ids:
            conversation = _lock_conversation(conversation_id)
            _append_event(
                conversation,
                EventType.CARD_UPDATED,
                data={"card_type": card_type, "object_id": str(object_id)},
            )
