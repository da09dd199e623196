"""Messages: send, recall, read pointers and typing."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common import ratelimit
from backend.common.errors import InvalidInput, RateLimited
from backend.directory.models import User
from push import services as push
from realtime import errors, events, reach, selectors
from realtime import event_types as wire
from realtime.event_types import dump
from realtime.models import (
    Attachment,
    Conversation,
    Membership,
    Message,
)
from realtime.recall import may_recall_any, recall_until
from realtime.services._core import (
    EventType,
    Role,
    _active_member_ids,
    _append_event,
    _append_message,
    _lock_conversation,
    _lock_conversation_of,
    _membership,
    _not_to_a_bot,
    _writable,
)
from realtime.services.attachments import attachment_purge_later

# --- messages ------------------------------------------------------------------


def message_rate_take(*, actor: User) -> None:
    """Count one send by `actor` against the shared limit; raise `send_rate_limited` past it.

    Called by the REST send and the socket `send` before `message_send`, so
    one person's sends are limited across every socket and REST call alike
    (ZT_SEND_RATE_PER_SECOND × ZT_SEND_RATE_WINDOW_SECONDS per window).
    """
    window = settings.ZT_SEND_RATE_WINDOW_SECONDS
    limit = max(1, int(settings.ZT_SEND_RATE_PER_SECOND * window))
    if not ratelimit.take(f"send:{actor.pk}", limit=limit, window=window):
        raise RateLimited.of(codes.SEND_RATE_LIMITED)


def message_send(
    *,
    actor: User,
    conversation_id: int,
    text: str = "",
    client_id: str = "",
    attachment_id: str | None = None,
    reply_to_id: int | None = None,
    mention_ids: Sequence[int] = (),
    mention_all: bool = False,
) -> tuple[Message, bool]:
    """Send a text, image or file message; return (message, created).

    Idempotent on (`actor`, `client_id`): a retry returns the original.
    """
    text = (text or "").strip("\u0000")
    if len(text) > settings.ZT_TEXT_MAX_CHARS:
        raise errors.TextTooLong(f"消息过长，最多{settings.ZT_TEXT_MAX_CHARS}字")
    if len(client_id) > 64:
        raise InvalidInput.of(codes.INVALID_CLIENT_ID)
    with transaction.atomic():
        conversation = _lock_conversation(conversation_id)
        if client_id:
            original = Message.objects.filter(sender=actor, client_id=client_id).first()
            if original is not None:
                if original.conversation_id != conversation.pk:
                    raise errors.ClientIdReused()
                return original, False
        membership = _membership(conversation, actor)
        _writable(conversation)
        _not_to_a_bot(conversation, actor)
        attachment = _attachment_for_send(actor, attachment_id)
        if attachment is None and not text.strip():
            raise errors.EmptyMessage()
        reply_to = _reply_target(actor, conversation, reply_to_id)
        if mention_all and conversation.is_group and not membership.is_admin:
            raise errors.NotGroupAdmin("只有群主或管理员可以@所有人")
        mention_ids = _valid_mentions(conversation, actor, mention_ids)
        kind = Message.Kind.TEXT
        if attachment is not None:
            kind = Message.Kind.IMAGE if attachment.kind == "image" else Message.Kind.FILE
        message = _append_message(
            conversation,
            sender=actor,
            kind=kind,
            text=text if attachment is None else "",
            attachment=attachment,
            reply_to=reply_to,
            mention_ids=mention_ids,
            mention_all=mention_all and conversation.is_group,
            client_id=client_id,
        )
        # One job per message; who hears of it is decided when it runs (realtime.reach).
        push.fanout(reach.MESSAGE_RULE, {"message_id": message.pk})
    return message, True


def _attachment_for_send(actor: User, attachment_id: str | None) -> Attachment | None:
    if not attachment_id:
        return None
    attachment = Attachment.objects.filter(token=attachment_id, uploader=actor).first()
    if attachment is None:
        raise errors.AttachmentNotFound()
    return attachment


def _reply_target(
    actor: User, conversation: Conversation, reply_to_id: int | None
) -> Message | None:
    if reply_to_id is None:
        return None
    target = (
        selectors.visible_messages(actor).filter(pk=reply_to_id, conversation=conversation).first()
    )
    if target is None:
        raise errors.MessageNotFound("引用的消息不存在")
    return target


def _valid_mentions(
    conversation: Conversation, actor: User, mention_ids: Sequence[int]
) -> list[int]:
    wanted = {uid for uid in mention_ids if uid != actor.pk}
    if not wanted:
        return []
    members = set(
        Membership.objects.filter(
            conversation=conversation, user_id__in=wanted, is_active=True
        ).values_list("user_id", flat=True)
    )
    if members != wanted:
        raise InvalidInput.of(codes.INVALID_MENTION)
    return sorted(members)


def message_recall(
    *, actor: User, message_id: int, context: RequestContext = NO_CONTEXT
) -> Message:
    """Recall: the sender within the window, group owner/admins any time."""
    with transaction.atomic():
        conversation = _lock_conversation_of(message_id)
        membership = _membership(conversation, actor)
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.is_recalled:
            return message
        if message.kind == Message.Kind.SYSTEM:
            raise errors.RecallNotAllowed("系统消息不能撤回")
        own_until = recall_until(message) if message.sender_id == actor.pk else None
        own_in_time = own_until is not None and timezone.now() <= own_until
        if not (own_in_time or may_recall_any(membership)):
            raise errors.RecallNotAllowed()
        message.recalled_at = timezone.now()
        message.recalled_by = actor
        message.save(update_fields=["recalled_at", "recalled_by"])
        if message.attachment_id is not None:
            # 剩余信息保护: its file leaves storage unless something else still shows it.
            attachment_purge_later(message.attachment_id)
        _append_event(
            conversation,
            EventType.MESSAGE_RECALLED,
            message=message,
            data={"message_id": message.pk, "seq": message.seq, "by": actor.pk},
            # Those who joined after it (and may not read it) hear nothing of it.
            audience=selectors.message_reader_ids(message),
        )
        audit_record(
            "message.recall",
            actor=actor,
            target=message,
            data={"conversation_id": conversation.pk, "seq": message.seq},
            context=context,
        )
    return message


def conversation_mark_read(*, actor: User, conversation_id: int, seq: int) -> int:
    """Move the actor's read pointer forward to `seq`; return the pointer.

    Tells the senders of the newly read messages (their receipts change) and
    the actor's other devices (their unread counts change).
    """
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .select_related("conversation")
            .filter(conversation_id=conversation_id, user=actor, is_active=True)
            .first()
        )
        if membership is None:
            raise errors.NotAMember()
        target = min(max(seq, 0), membership.conversation.last_seq)
        previous = membership.last_read_seq
        if target <= previous:
            return previous
        membership.last_read_seq = target
        membership.save(update_fields=["last_read_seq"])
        senders = set(
            Message.objects.filter(
                conversation_id=conversation_id, seq__gt=previous, seq__lte=target
            )
            .exclude(sender=None)
            .values_list("sender_id", flat=True)
            .distinct()
        )
        if membership.conversation.is_group:
            senders.update(
                Membership.objects.filter(
                    conversation_id=conversation_id,
                    is_active=True,
                    role__in=[Role.OWNER, Role.ADMIN],
                ).values_list("user_id", flat=True)
            )
        read = wire.ReadEvent(
            conversation_id=conversation_id,
            data=wire.ReadData(user_id=actor.pk, seq=target, previous_seq=previous),
        )
        events.publish(senders | {actor.pk}, dump(read))
    return target


def typing_notify(*, actor: User, conversation_id: int) -> None:
    """Tell the other members someone is typing (no row written, no position)."""
    membership = (
        Membership.objects.select_related("conversation")
        .filter(conversation_id=conversation_id, user=actor, is_active=True)
        .first()
    )
    if membership is None:
        raise errors.NotAMember()
    others = [uid for uid in _active_member_ids(membership.conversation) if uid != actor.pk]
    typing = wire.TypingEvent(
        conversation_id=conversation_id, data=wire.TypingData(user_id=actor.pk, name=actor.name)
    )
    events.publish(others, dump(typing))
