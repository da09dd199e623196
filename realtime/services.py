"""Every write of the messaging core.

Each service owns its transaction, its access check, its audit record and
its events (published on commit). Anything that advances a conversation's
counters takes the conversation's row lock first (`_lock_conversation`), so
`Message.seq` and `ConversationEvent.pos` stay gapless and strictly
increasing under concurrent writers on PostgreSQL; SQLite serialises writers
with IMMEDIATE transactions.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common.errors import InvalidInput
from backend.directory.models import User
from realtime import errors, events, files
from realtime.models import (
    Attachment,
    Conversation,
    ConversationEvent,
    Membership,
    Message,
    MessageMention,
    WsTicket,
)
from realtime.payloads import conversation_brief, event_payload
from realtime.tasks import attachment_make_thumbnail

GROUP_NAME_MAX = 30
Role = Membership.Role
EventType = ConversationEvent.Type


# --- internal building blocks -------------------------------------------------


def _lock_conversation(conversation_id: int) -> Conversation:
    """Lock the conversation row for the rest of the caller's transaction."""
    try:
        return Conversation.objects.select_for_update().get(pk=conversation_id)
    except Conversation.DoesNotExist:
        raise errors.ConversationNotFound() from None


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
        raise InvalidInput("系统通知无需回复", code="peer_is_bot")


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
) -> ConversationEvent:
    """Record the next positional event and publish it on commit.

    The caller holds the conversation lock. `audience` defaults to the active
    members after the change.
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
    Conversation.objects.filter(pk=conversation.pk).update(last_pos=conversation.last_pos)
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
    MessageMention.objects.bulk_create(
        MessageMention(message=message, user_id=uid, conversation=conversation, seq=message.seq)
        for uid in mention_ids
    )
    conversation.last_message_at = now
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=conversation.last_seq, last_message_at=now
    )
    if sender is not None:
        # Sending means having seen everything before: the sender's own
        # messages never count as unread for them.
        Membership.objects.filter(
            conversation=conversation, user=sender, last_read_seq__lt=message.seq
        ).update(last_read_seq=message.seq)
    _append_event(conversation, EventType.MESSAGE_NEW, message=message, audience=audience)
    return message


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
        raise InvalidInput("包含无效的人员", code="invalid_user")
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
        membership.left_pos = None
        membership.last_read_seq = conversation.last_seq
        (returning if membership.pk else fresh).append(membership)
    Membership.objects.bulk_create(fresh)
    Membership.objects.bulk_update(
        returning, ["is_active", "role", "joined_pos", "left_pos", "last_read_seq"]
    )


def _refresh_member_count(conversation: Conversation) -> None:
    conversation.member_count = Membership.objects.filter(
        conversation=conversation, is_active=True
    ).count()
    Conversation.objects.filter(pk=conversation.pk).update(member_count=conversation.member_count)


# --- conversations --------------------------------------------------------------


def direct_conversation_get_or_create(*, actor: User, other_id: int) -> Conversation:
    """The one conversation between two people, created on first use."""
    if other_id == actor.pk:
        raise errors.NotDirectPair()
    try:
        other = User.objects.get(pk=other_id, is_active=True)
    except User.DoesNotExist:
        raise errors.NotDirectPair() from None
    low, high = sorted((actor.pk, other.pk))
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, member_count=2
            )
            _join(conversation, [actor, other], Role.MEMBER)
            _append_event(
                conversation,
                EventType.MEMBER_ADDED,
                data={"user_ids": [actor.pk, other.pk], "by": actor.pk},
            )
    except IntegrityError:
        # Both people opened the chat at the same moment: the other insert won.
        return Conversation.objects.get(direct_key=key)
    return conversation


def group_create(
    *,
    actor: User,
    name: str,
    member_ids: Sequence[int],
    context: RequestContext = NO_CONTEXT,
) -> Conversation:
    name = _clean_group_name(name)
    members = _active_users([uid for uid in member_ids if uid != actor.pk])
    if len(members) + 1 > settings.ZT_GROUP_MEMBER_LIMIT:
        raise errors.GroupFull()
    if not members:
        raise InvalidInput("请至少选择一位群成员", code="group_needs_members")
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=Conversation.Kind.GROUP, name=name, owner=actor
        )
        _join(conversation, [actor], Role.OWNER)
        _join(conversation, members, Role.MEMBER)
        _refresh_member_count(conversation)
        ids = [m.pk for m in members]
        _append_event(
            conversation,
            EventType.MEMBER_ADDED,
            data={"user_ids": [actor.pk, *ids], "by": actor.pk},
        )
        _system_message(
            conversation,
            f"{actor.name} 创建了群聊「{name}」,并邀请 {_names(ids)} 加入",
            {"action": "group_created", "by": actor.pk, "user_ids": ids},
        )
        audit_record(
            "group.create",
            actor=actor,
            target=conversation,
            data={"name": name, "member_ids": ids},
            context=context,
        )
    return conversation


def _clean_group_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("群名称不能为空", code="invalid_group_name")
    if len(name) > GROUP_NAME_MAX:
        raise InvalidInput(f"群名称最多{GROUP_NAME_MAX}个字", code="invalid_group_name")
    return name


def _group_for_admin(
    actor: User, conversation_id: int, *, owner_only: bool = False
) -> tuple[Conversation, Membership]:
    """Lock a writable group the actor administers (or owns, with `owner_only`)."""
    conversation = _lock_conversation(conversation_id)
    if not conversation.is_group:
        raise InvalidInput("单聊不支持此操作", code="not_a_group")
    _writable(conversation)
    membership = _membership(conversation, actor)
    # Owner-only operations say so to a plain member too (not "owner or admin").
    if owner_only and membership.role != Role.OWNER:
        raise errors.NotGroupOwner()
    if not membership.is_admin:
        raise errors.NotGroupAdmin()
    return conversation, membership


def group_members_add(
    *,
    actor: User,
    conversation_id: int,
    user_ids: Sequence[int],
    context: RequestContext = NO_CONTEXT,
) -> Conversation:
    with transaction.atomic():
        conversation, _ = _group_for_admin(actor, conversation_id)
        already = set(_active_member_ids(conversation))
        newcomers = [u for u in _active_users(user_ids) if u.pk not in already]
        if not newcomers:
            return conversation
        if conversation.member_count + len(newcomers) > settings.ZT_GROUP_MEMBER_LIMIT:
            raise errors.GroupFull()
        _join(conversation, newcomers, Role.MEMBER)
        _refresh_member_count(conversation)
        ids = [u.pk for u in newcomers]
        _append_event(conversation, EventType.MEMBER_ADDED, data={"user_ids": ids, "by": actor.pk})
        _system_message(
            conversation,
            f"{actor.name} 邀请 {_names(ids)} 加入了群聊",
            {"action": "members_added", "by": actor.pk, "user_ids": ids},
        )
        audit_record(
            "group.members_add",
            actor=actor,
            target=conversation,
            data={"user_ids": ids},
            context=context,
        )
    return conversation


def _leave(conversation: Conversation, user_id: int, *, by: User, action: str) -> None:
    """Deactivate a membership; the removed person gets this event and nothing after."""
    audience = _active_member_ids(conversation)
    Membership.objects.filter(conversation=conversation, user_id=user_id).update(
        is_active=False, left_pos=conversation.last_pos + 1
    )
    _refresh_member_count(conversation)
    _append_event(
        conversation,
        EventType.MEMBER_REMOVED,
        data={"user_ids": [user_id], "by": by.pk, "action": action},
        audience=audience,
    )


def group_member_remove(
    *,
    actor: User,
    conversation_id: int,
    user_id: int,
    context: RequestContext = NO_CONTEXT,
) -> Conversation:
    with transaction.atomic():
        conversation, mine = _group_for_admin(actor, conversation_id)
        if user_id == actor.pk:
            raise InvalidInput("不能移除自己,请使用退出群聊", code="cannot_remove_self")
        try:
            target = Membership.objects.get(
                conversation=conversation, user_id=user_id, is_active=True
            )
        except Membership.DoesNotExist:
            raise InvalidInput("该人员不在群中", code="not_in_group") from None
        if target.role == Role.OWNER or (target.role == Role.ADMIN and mine.role != Role.OWNER):
            raise errors.NotGroupOwner("不能移除群主或其他管理员")
        _leave(conversation, user_id, by=actor, action="removed")
        _system_message(
            conversation,
            f"{actor.name} 将 {_names([user_id])} 移出了群聊",
            {"action": "member_removed", "by": actor.pk, "user_ids": [user_id]},
        )
        audit_record(
            "group.member_remove",
            actor=actor,
            target=conversation,
            data={"user_id": user_id},
            context=context,
        )
    return conversation


def group_leave(*, actor: User, conversation_id: int, context: RequestContext = NO_CONTEXT) -> None:
    with transaction.atomic():
        conversation = _lock_conversation(conversation_id)
        if not conversation.is_group:
            raise InvalidInput("单聊不能退出", code="not_a_group")
        _writable(conversation)
        membership = _membership(conversation, actor)
        if membership.role == Role.OWNER:
            raise InvalidInput("群主请先转让群主再退出", code="owner_must_transfer")
        _leave(conversation, actor.pk, by=actor, action="left")
        _system_message(
            conversation,
            f"{actor.name} 退出了群聊",
            {"action": "member_left", "by": actor.pk, "user_ids": [actor.pk]},
        )
        audit_record("group.leave", actor=actor, target=conversation, context=context)


def group_rename(
    *,
    actor: User,
    conversation_id: int,
    name: str,
    context: RequestContext = NO_CONTEXT,
) -> Conversation:
    name = _clean_group_name(name)
    with transaction.atomic():
        conversation, _ = _group_for_admin(actor, conversation_id)
        old = conversation.name
        if old == name:
            return conversation
        conversation.name = name
        conversation.save(update_fields=["name"])
        _append_event(
            conversation,
            EventType.CONVERSATION_UPDATED,
            data={"conversation": conversation_brief(conversation)},
        )
        _system_message(
            conversation,
            f"{actor.name} 将群名称修改为「{name}」",
            {"action": "renamed", "by": actor.pk, "old": old, "new": name},
        )
        audit_record(
            "group.rename",
            actor=actor,
            target=conversation,
            data={"old": old, "new": name},
            context=context,
        )
    return conversation


def group_transfer_ownership(
    *,
    actor: User,
    conversation_id: int,
    new_owner_id: int,
    context: RequestContext = NO_CONTEXT,
) -> Conversation:
    with transaction.atomic():
        conversation, mine = _group_for_admin(actor, conversation_id, owner_only=True)
        try:
            heir = Membership.objects.get(
                conversation=conversation, user_id=new_owner_id, is_active=True
            )
        except Membership.DoesNotExist:
            raise InvalidInput("新群主必须是群成员", code="not_in_group") from None
        if heir.pk == mine.pk:
            return conversation
        Membership.objects.filter(pk=mine.pk).update(role=Role.ADMIN)
        Membership.objects.filter(pk=heir.pk).update(role=Role.OWNER)
        conversation.owner_id = new_owner_id
        conversation.save(update_fields=["owner"])
        _append_event(
            conversation,
            EventType.CONVERSATION_UPDATED,
            data={"conversation": conversation_brief(conversation)},
        )
        _system_message(
            conversation,
            f"{actor.name} 将群主转让给 {_names([new_owner_id])}",
            {"action": "owner_transferred", "by": actor.pk, "user_ids": [new_owner_id]},
        )
        audit_record(
            "group.transfer_ownership",
            actor=actor,
            target=conversation,
            data={"new_owner_id": new_owner_id},
            context=context,
        )
    return conversation


def group_admin_set(
    *,
    actor: User,
    conversation_id: int,
    user_id: int,
    is_admin: bool,
    context: RequestContext = NO_CONTEXT,
) -> Conversation:
    with transaction.atomic():
        conversation, _ = _group_for_admin(actor, conversation_id, owner_only=True)
        updated = (
            Membership.objects.filter(conversation=conversation, user_id=user_id, is_active=True)
            .exclude(role=Role.OWNER)
            .update(role=Role.ADMIN if is_admin else Role.MEMBER)
        )
        if not updated:
            raise InvalidInput("该人员不在群中", code="not_in_group")
        verb = "设为管理员" if is_admin else "取消了管理员"
        _append_event(
            conversation,
            EventType.CONVERSATION_UPDATED,
            data={"conversation": conversation_brief(conversation)},
        )
        _system_message(
            conversation,
            f"{actor.name} 将 {_names([user_id])} {verb}",
            {"action": "admin_set", "by": actor.pk, "user_ids": [user_id], "is_admin": is_admin},
        )
        audit_record(
            "group.admin_set",
            actor=actor,
            target=conversation,
            data={"user_id": user_id, "is_admin": is_admin},
            context=context,
        )
    return conversation


def group_dissolve(
    *, actor: User, conversation_id: int, context: RequestContext = NO_CONTEXT
) -> None:
    with transaction.atomic():
        conversation, _ = _group_for_admin(actor, conversation_id, owner_only=True)
        _system_message(
            conversation,
            f"{actor.name} 解散了群聊",
            {"action": "dissolved", "by": actor.pk},
        )
        conversation.dissolved_at = timezone.now()
        conversation.save(update_fields=["dissolved_at"])
        _append_event(conversation, EventType.CONVERSATION_DISSOLVED, data={"by": actor.pk})
        audit_record("group.dissolve", actor=actor, target=conversation, context=context)


def membership_settings_update(
    *,
    actor: User,
    conversation_id: int,
    muted: bool | None = None,
    pinned: bool | None = None,
) -> Membership:
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(conversation_id=conversation_id, user=actor, is_active=True)
            .first()
        )
        if membership is None:
            raise errors.NotAMember()
        fields = []
        if muted is not None:
            membership.muted = muted
            fields.append("muted")
        if pinned is not None:
            membership.pinned = pinned
            fields.append("pinned")
        if fields:
            membership.save(update_fields=fields)
            events.publish(
                [actor.pk],
                {
                    "type": "event",
                    "event": "membership.updated",
                    "conversation_id": conversation_id,
                    "data": {"muted": membership.muted, "pinned": membership.pinned},
                },
            )
    return membership


# --- messages ------------------------------------------------------------------


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
        raise errors.TextTooLong(f"消息过长,最多{settings.ZT_TEXT_MAX_CHARS}字")
    if len(client_id) > 64:
        raise InvalidInput("client_id 过长", code="invalid_client_id")
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
        reply_to = _reply_target(conversation, reply_to_id)
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
    return message, True


def _attachment_for_send(actor: User, attachment_id: str | None) -> Attachment | None:
    if not attachment_id:
        return None
    attachment = Attachment.objects.filter(token=attachment_id, uploader=actor).first()
    if attachment is None:
        raise errors.AttachmentNotFound()
    return attachment


def _reply_target(conversation: Conversation, reply_to_id: int | None) -> Message | None:
    if reply_to_id is None:
        return None
    target = Message.objects.filter(pk=reply_to_id, conversation=conversation).first()
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
        raise InvalidInput("只能@本会话的成员", code="invalid_mention")
    return sorted(members)


def message_recall(
    *, actor: User, message_id: int, context: RequestContext = NO_CONTEXT
) -> Message:
    """Recall: the sender within the window, group owner/admins any time."""
    with transaction.atomic():
        conversation_id = (
            Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
        )
        if conversation_id is None:
            raise errors.MessageNotFound()
        conversation = _lock_conversation(conversation_id)
        membership = _membership(conversation, actor)
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.is_recalled:
            return message
        if message.kind == Message.Kind.SYSTEM:
            raise errors.RecallNotAllowed("系统消息不能撤回")
        window = timedelta(seconds=settings.ZT_RECALL_WINDOW_SECONDS)
        own_in_time = (
            message.sender_id == actor.pk and timezone.now() - message.created_at <= window
        )
        as_admin = conversation.is_group and membership.is_admin
        if not (own_in_time or as_admin):
            raise errors.RecallNotAllowed()
        message.recalled_at = timezone.now()
        message.recalled_by = actor
        message.save(update_fields=["recalled_at", "recalled_by"])
        _append_event(
            conversation,
            EventType.MESSAGE_RECALLED,
            message=message,
            data={"message_id": message.pk, "seq": message.seq, "by": actor.pk},
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
        events.publish(
            senders | {actor.pk},
            {
                "type": "event",
                "event": "read",
                "conversation_id": conversation_id,
                "data": {"user_id": actor.pk, "seq": target, "previous_seq": previous},
            },
        )
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
    events.publish(
        others,
        {
            "type": "event",
            "event": "typing",
            "conversation_id": conversation_id,
            "data": {"user_id": actor.pk, "name": actor.name},
        },
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


# --- attachments ---------------------------------------------------------------


def attachment_upload(
    *, actor: User, name: str, size: int, stream: IO[bytes], context: RequestContext = NO_CONTEXT
) -> Attachment:
    """Store an upload after checking what it really is; images are re-encoded.

    The thumbnail is made by the worker (enqueued in this transaction).
    """
    if size > settings.ZT_UPLOAD_MAX_BYTES:
        limit_mb = settings.ZT_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise errors.AttachmentTooLarge(f"文件过大,最大{limit_mb}MB")
    if size == 0:
        raise errors.AttachmentRejected("不能上传空文件")
    head = stream.read(8192)
    stream.seek(0)
    sniffed = files.sniff(head, stream)
    if sniffed is None:
        raise errors.AttachmentRejected()
    width = height = None
    if sniffed.kind == "image":
        data, width, height, mime = files.reencode_image(stream, sniffed.mime)
    else:
        data, mime = stream.read(), sniffed.mime
    safe_name = _safe_filename(name) or "未命名"
    with transaction.atomic():
        attachment = Attachment(
            token=secrets.token_hex(16),
            uploader=actor,
            kind=sniffed.kind,
            name=safe_name,
            mime=mime,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            width=width,
            height=height,
            created_at=timezone.now(),
        )
        attachment.file.save(attachment.token, ContentFile(data), save=False)
        attachment.save()
        if attachment.kind == "image":
            attachment_make_thumbnail.enqueue(attachment.pk)
        audit_record(
            "attachment.upload",
            actor=actor,
            target=attachment,
            data={"name": safe_name, "mime": mime, "size": len(data)},
            context=context,
        )
    return attachment


def _safe_filename(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base.strip()[:200]


def attachment_download_record(
    *, actor: User, attachment: Attachment, context: RequestContext = NO_CONTEXT
) -> None:
    """Audit a download (the selector has already checked access)."""
    audit_record(
        "attachment.download",
        actor=actor,
        target=attachment,
        data={"name": attachment.name},
        context=context,
    )


# --- tickets -------------------------------------------------------------------


def ws_ticket_issue(*, actor: User) -> WsTicket:
    lifetime = timedelta(seconds=settings.ZT_WS_TICKET_SECONDS)
    WsTicket.objects.filter(expires_at__lt=timezone.now()).delete()
    return WsTicket.objects.create(
        key=secrets.token_urlsafe(32), user=actor, expires_at=timezone.now() + lifetime
    )


def ws_ticket_redeem(*, key: str) -> User:
    """Spend a ticket: exactly one redeemer wins, even under a race."""
    ticket = (
        WsTicket.objects.select_related("user")
        .filter(key=key, expires_at__gte=timezone.now())
        .first()
    )
    if ticket is None or not ticket.user.is_active:
        raise errors.TicketInvalid()
    deleted, _ = WsTicket.objects.filter(pk=ticket.pk).delete()
    if not deleted:
        raise errors.TicketInvalid()
    return ticket.user
