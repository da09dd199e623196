"""Card messages: put a live card into a conversation and announce its changes."""

from __future__ import annotations

from django.db import transaction

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
