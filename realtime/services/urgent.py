"""加急 (DING): a sender makes sure everyone reads a message.

Marking a message urgent pushes every member who has not read it at once
(kind `urgent`: never held by quiet hours), rings their open app
(`message.urgent`), and, with the `sms` channel, schedules an SMS for
whoever still has not read it after `ZT_URGENT_SMS_AFTER_SECONDS` — the
read pointers decide, checked when the SMS job runs. 再次提醒 pushes the
still-unread again (and texts them once the first SMS was due).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from backend.directory.models import User
from push import services as push
from realtime import errors, events, reach
from realtime import event_types as wire
from realtime.event_types import dump
from realtime.models import Membership, Message, UrgentNotice
from realtime.payloads import preview_text, urgent_mark
from realtime.selectors import visible_messages
from realtime.services._core import _lock_conversation_of
from realtime.services.messages import message_send

CHANNELS = ("app", "sms", "ring")


def _clean_channels(channels: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(["app", *channels]))
    if any(c not in CHANNELS for c in wanted):
        raise InvalidInput.of(codes.INVALID_URGENT_CHANNEL)
    return wanted


def _message_for(message_id: int) -> Message:
    return Message.objects.select_related("sender", "attachment", "conversation").get(pk=message_id)


def _unread(message: Message, recipient_ids: Sequence[int]) -> list[int]:
    return list(
        Membership.objects.filter(
            conversation_id=message.conversation_id,
            user_id__in=list(recipient_ids),
            is_active=True,
            last_read_seq__lt=message.seq,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _readable_or_not_found(actor: User, message_id: int) -> None:
    """`message_not_found` unless `actor` may read the message (an active member, and the
    message not from before they joined in a group that hides that history): someone
    outside learns neither that the message exists nor whether it is 加急."""
    if not visible_messages(actor).filter(pk=message_id).exists():
        raise errors.MessageNotFound()


def message_urge(
    *,
    actor: User,
    message_id: int,
    channels: Iterable[str] = ("app", "sms"),
    context: RequestContext = NO_CONTEXT,
) -> UrgentNotice:
    """Mark the actor's own message 加急; idempotent (marking twice returns the first)."""
    wanted = _clean_channels(channels)
    with transaction.atomic():
        _lock_conversation_of(message_id)
        _readable_or_not_found(actor, message_id)
        message = Message.objects.select_related("sender", "attachment", "conversation").get(
            pk=message_id
        )
        conversation = message.conversation
        if message.sender_id != actor.pk:
            raise PermissionDenied.of(codes.URGENT_NOT_SENDER, "只有发送人可以加急")
        if message.is_recalled or message.kind == Message.Kind.SYSTEM:
            raise InvalidInput.of(codes.URGENT_NOT_ALLOWED)
        existing = UrgentNotice.objects.filter(message=message).first()
        if existing is not None:
            return existing
        now = timezone.now()
        recipients = list(
            Membership.objects.filter(conversation=conversation, is_active=True)
            .exclude(user=actor)
            .exclude(user__is_bot=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        notice = UrgentNotice.objects.create(
            message=message,
            sender=actor,
            channels=wanted,
            recipient_ids=recipients,
            created_at=now,
            sms_after=now + timedelta(seconds=settings.ZT_URGENT_SMS_AFTER_SECONDS)
            if "sms" in wanted
            else None,
        )
        unread = _unread(message, recipients)
        _reach(notice, message, unread, key=f"urgent:msg:{message.pk}")
        if notice.sms_after is not None:
            _text(notice, message, unread, key=f"urgent:msg:{message.pk}:sms", at=notice.sms_after)
        audit_record(
            "message.urge",
            actor=actor,
            target=message,
            data={"conversation_id": conversation.pk, "channels": wanted, "to": len(recipients)},
            context=context,
        )
    return notice


def message_send_urgent(
    *,
    actor: User,
    conversation_id: int,
    channels: Iterable[str],
    text: str = "",
    client_id: str = "",
    attachment_id: str | None = None,
    reply_to_id: int | None = None,
    mention_ids: Sequence[int] = (),
    mention_all: bool = False,
    context: RequestContext = NO_CONTEXT,
) -> tuple[Message, bool]:
    """Send a message and mark it 加急 in one transaction; returns (message, created).

    Either both happen or neither: a bad channel is refused before anything is
    stored. A retry with the same `client_id` returns the original message and
    its first `UrgentNotice` (both idempotent). The `message.new` frame is built
    before the mark exists, so it says `urgent: null`; the `message.urgent`
    event of the same commit carries the mark (docs/protocol.md).
    """
    wanted = _clean_channels(channels)
    with transaction.atomic():
        message, created = message_send(
            actor=actor,
            conversation_id=conversation_id,
            text=text,
            client_id=client_id,
            attachment_id=attachment_id,
            reply_to_id=reply_to_id,
            mention_ids=mention_ids,
            mention_all=mention_all,
        )
        notice = message_urge(actor=actor, message_id=message.pk, channels=wanted, context=context)
    message.urgent = notice
    return message, created


def message_urge_remind(
    *, actor: User, message_id: int, context: RequestContext = NO_CONTEXT
) -> list[int]:
    """再次提醒: push the recipients who still have not read it; returns their ids.

    Once the first SMS was due (and the `sms` channel chosen) they are texted
    again too. At most once per `ZT_URGENT_REMIND_INTERVAL_SECONDS`.
    """
    with transaction.atomic():
        _readable_or_not_found(actor, message_id)
        notice = UrgentNotice.objects.select_for_update().filter(message_id=message_id).first()
        if notice is None:
            raise NotFound.of(codes.NOT_URGENT)
        if notice.sender_id != actor.pk:
            raise PermissionDenied.of(codes.URGENT_NOT_SENDER)
        now = timezone.now()
        interval = timedelta(seconds=settings.ZT_URGENT_REMIND_INTERVAL_SECONDS)
        if notice.reminded_at is not None and now - notice.reminded_at < interval:
            raise RateLimited.of(codes.REMIND_TOO_OFTEN)
        message = Message.objects.select_related("sender", "attachment", "conversation").get(
            pk=message_id
        )
        unread = _unread(message, notice.recipient_ids)
        notice.remind_count += 1
        notice.reminded_at = now
        notice.save(update_fields=["remind_count", "reminded_at"])
        key = f"urgent:msg:{message.pk}:r{notice.remind_count}"
        _reach(notice, message, unread, key=key, reminder=True)
        if notice.sms_after is not None and now >= notice.sms_after:
            _text(notice, message, unread, key=f"{key}:sms", at=None)
        audit_record(
            "message.urge_remind",
            actor=actor,
            target=message,
            data={"to": len(unread), "n": notice.remind_count},
            context=context,
        )
    return unread


def _condition(message: Message) -> dict[str, int]:
    return {
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "message_id": message.pk,
    }


def _reach(
    notice: UrgentNotice,
    message: Message,
    user_ids: list[int],
    *,
    key: str,
    reminder: bool = False,
) -> None:
    """The push (at once, through quiet hours) and the in-app ring of one round."""
    sender = message.sender.name if message.sender else ""
    conversation = message.conversation
    text = preview_text(message)
    push.notify(
        user_ids,
        kind="urgent",
        title=conversation.name if conversation.is_group else sender,
        body=f"【加急】{text}",
        sender_name=sender,
        url=reach.conversation_url(conversation.pk, message.seq),
        tag=f"urgent:{message.pk}",
        dedup_key=key,
        condition=reach.UNREAD,
        condition_ref=_condition(message),
    )
    ring = wire.MessageUrgentEvent(
        conversation_id=conversation.pk,
        data=wire.UrgentData(
            message_id=message.pk,
            seq=message.seq,
            sender_id=notice.sender_id,
            sender_name=sender,
            text=text,
            ring="ring" in notice.channels,
            reminder=reminder,
            urgent=urgent_mark(notice),
        ),
    )
    events.publish(user_ids, dump(ring))


def _text(
    notice: UrgentNotice,
    message: Message,
    user_ids: list[int],
    *,
    key: str,
    at: datetime | None,
) -> None:
    """The SMS of whoever has not read it when it runs (checked then, not now)."""
    sender = message.sender.name if message.sender else ""
    conversation = message.conversation
    push.notify(
        user_ids,
        kind="urgent",
        title=conversation.name if conversation.is_group else sender,
        sender_name=sender,
        url=reach.conversation_url(conversation.pk, message.seq),
        dedup_key=key,
        push=False,
        sms_params={"sender": sender, "conversation": conversation.name or sender},
        not_before=at,
        condition=reach.UNREAD,
        condition_ref=_condition(message),
    )
