"""Building blocks every write of the messaging core shares.

Anything that advances a conversation's counters takes the conversation's row
lock first (`_lock_conversation`), so `Message.seq` and `ConversationEvent.pos`
stay gapless and strictly increasing under concurrent writers on PostgreSQL;
SQLite serialises writers with IMMEDIATE transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from realtime import errors, events
from realtime.models import (
    Attachment,
    Conversation,
    ConversationEvent,
    Membership,
    Message,
    MessageMention,
)
from realtime.payloads import event_payload

Role = Membership.Role
EventType = ConversationEvent.Type


# --- internal building blocks -------------------------------------------------


def _lock_conversation(conversation_id: int) -> Conversation:
    """Lock the conversation row for the rest of the caller's transaction."""
    try:
        return Conversation.objects.select_for_update().get(pk=conversation_id)
    except Conversation.DoesNotExist:
        raise errors.ConversationNotFound() from None


def _lock_conversation_of(message_id: int) -> Conversation:
    """Lock the conversation a message belongs to (`message_not_found` if there is none),
    before the message row itself: conversation first, the order every writer keeps."""
    conversation_id = (
        Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    )
    if conversation_id is None:
        raise errors.MessageNotFound()
    return _lock_conversation(conversation_id)


def _membership(conversation: Conversation, user: User) -> Membership:
    """The actor's active membership or `not_a_member`."""
    try:
        return Membership.objects.get(conversation=conversation, user=user, is_active=True)
    except Membership.DoesNotExist:
        raise errors.NotAMember() from None


def _not_to_a_bot(conversation: Conversation, actor: User) -> None:
    """System senders (审批助手) only send: a chat with one takes no replies."""
    if conversation.is_group:
        return
    peer_is_bot = (
        Membership.objects.filter(conversation=conversation, user__is_bot=True)
        .exclude(user=actor)
        .exists()
    )
    if peer_is_bot:
        raise InvalidInput.of(codes.PEER_IS_BOT)


def _writable(conversation: Conversation) -> None:
    if conversation.dissolved_at is not None:
        raise errors.ConversationDissolved()


def _active_member_ids(conversation: Conversation) -> list[int]:
    return list(
        Membership.objects.filter(conversation=conversation, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def _append_event(
    conversation: Conversation,
    type_: str,
    *,
    message: Message | None = None,
    data: dict[str, Any] | None = None,
    audience: Iterable[int] | None = None,
    counters: dict[str, Any] | None = None,
) -> ConversationEvent:
    """Record the next positional event and publish it on commit.

    The caller holds the conversation lock. `audience` defaults to the active
    members after the change. `counters`: more conversation columns to store
    in the same UPDATE as `last_pos` (one round trip per send, not two).
    """
    conversation.last_pos += 1
    event = ConversationEvent.objects.create(
        conversation=conversation,
        pos=conversation.last_pos,
        type=type_,
        message=message,
        data=data or {},
        created_at=timezone.now(),
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_pos=conversation.last_pos, **(counters or {})
    )
    recipients = _active_member_ids(conversation) if audience is None else audience
    events.publish(recipients, event_payload(event))
    return event


def _append_message(
    conversation: Conversation,
    *,
    sender: User | None,
    kind: str,
    text: str = "",
    data: dict[str, Any] | None = None,
    attachment: Attachment | None = None,
    reply_to: Message | None = None,
    mention_ids: Sequence[int] = (),
    mention_all: bool = False,
    client_id: str = "",
    card_type: str = "",
    card_object_id: str = "",
    audience: Iterable[int] | None = None,
) -> Message:
    """Give the message the next `seq`, store it and its event. Caller holds the lock."""
    now = timezone.now()
    conversation.last_seq += 1
    message = Message.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        sender=sender,
        kind=kind,
        text=text,
        data=data or {},
        attachment=attachment,
        reply_to=reply_to,
        mentions_all=mention_all,
        client_id=client_id,
        card_type=card_type,
        card_object_id=card_object_id,
        created_at=now,
    )
    # A message just stored is not 加急 yet: say so, so building its frame asks nothing.
    Message.urgent.related.set_cached_value(message, None)
    mentions = MessageMention.objects.bulk_create(
        MessageMention(message=message, user_id=uid, conversation=conversation, seq=message.seq)
        for uid in mention_ids
    )
    # Its mentions are the ones just stored: its frames (event and ack) need not ask.
    _prefetched(message, "mentions", mentions)
    conversation.last_message_at = now
    if sender is not None:
        # Sending means having seen everything before: the sender's own
        # messages never count as unread for them.
        Membership.objects.filter(
            conversation=conversation, user=sender, last_read_seq__lt=message.seq
        ).update(last_read_seq=message.seq)
    _append_event(
        conversation,
        EventType.MESSAGE_NEW,
        message=message,
        audience=audience,
        counters={"last_seq": conversation.last_seq, "last_message_at": now},
    )
    return message


def _prefetched(instance: Any, related_name: str, rows: list[Any]) -> None:
    """Make `instance.<related_name>.all()` return `rows` without a query (as
    `prefetch_related` would have)."""
    queryset = getattr(instance, related_name).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is None:
        cache = instance._prefetched_objects_cache = {}
    cache[related_name] = queryset


def _system_message(
    conversation: Conversation,
    text: str,
    data: dict[str, Any],
    *,
    audience: Iterable[int] | None = None,
) -> Message:
    return _append_message(
        conversation,
        sender=None,
        kind=Message.Kind.SYSTEM,
        text=text,
        data=data,
        audience=audience,
    )


def _names(user_ids: Iterable[int]) -> str:
    by_id = dict(User.objects.filter(pk__in=list(user_ids)).values_list("pk", "name"))
    return "、".join(by_id[uid] for uid in user_ids if uid in by_id)


def _active_users(user_ids: Iterable[int]) -> list[User]:
    ids = list(dict.fromkeys(user_ids))
    users = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(ids):
        raise InvalidInput.of(codes.INVALID_USER)
    return users


def _group_candidates(user_ids: Iterable[int]) -> list[User]:
    """People who may be put into a group: active, and not a system account
    (审批助手 and its kind only send cards; a group member would be a mute one)."""
    users = _active_users(user_ids)
    if any(u.is_bot for u in users):
        raise InvalidInput.of(codes.SYSTEM_ACCOUNT_NOT_MEMBER)
    return users


def _join(conversation: Conversation, users: Sequence[User], role: str) -> None:
    """Add or re-activate memberships in bulk; `joined_pos` is the next event's pos.

    A constant number of queries whatever the group size (a 2,000-member group
    is created in one insert, not 2,000 round trips).
    """
    existing = {
        m.user_id: m for m in Membership.objects.filter(conversation=conversation, user__in=users)
    }
    fresh: list[Membership] = []
    returning: list[Membership] = []
    for user in users:
        membership = existing.get(user.pk) or Membership(conversation=conversation, user=user)
        membership.is_active = True
        membership.role = role
        membership.joined_pos = conversation.last_pos + 1
        membership.joined_seq = conversation.last_seq
        membership.left_pos = None
        membership.last_read_seq = conversation.last_seq
        (returning if membership.pk else fresh).append(membership)
    Membership.objects.bulk_create(fresh)
    Membership.objects.bulk_update(
        returning, ["is_active", "role", "joined_pos", "joined_seq", "left_pos", "last_read_seq"]
    )


def _refresh_member_count(conversation: Conversation) -> None:
    conversation.member_count = Membership.objects.filter(
        conversation=conversation, is_active=True
    ).count()
    Conversation.objects.filter(pk=conversation.pk).update(member_count=conversation.member_count)
