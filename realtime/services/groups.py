"""Conversations: direct chats and groups, their members, names, owners and settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from realtime import errors, events
from realtime import event_types as wire
from realtime.event_types import dump
from realtime.models import (
    Conversation,
    Membership,
)
from realtime.payloads import conversation_brief
from realtime.services._core import (
    EventType,
    Role,
    _active_member_ids,
    _append_event,
    _group_candidates,
    _join,
    _lock_conversation,
    _membership,
    _names,
    _refresh_member_count,
    _system_message,
    _writable,
)

GROUP_NAME_MAX = 30

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
    members = _group_candidates([uid for uid in member_ids if uid != actor.pk])
    if len(members) + 1 > settings.ZT_GROUP_MEMBER_LIMIT:
        raise errors.GroupFull()
    if not members:
        raise InvalidInput.of(codes.GROUP_NEEDS_MEMBERS)
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
        _announce(
            conversation,
            actor,
            f"{actor.name} 创建了群聊「{name}」，并邀请 {_names(ids)} 加入",
            "group_created",
            extra={"user_ids": ids},
            audit="group.create",
            audit_data={"name": name, "member_ids": ids},
            context=context,
        )
    return conversation


def _clean_group_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput.of(codes.INVALID_GROUP_NAME)
    if len(name) > GROUP_NAME_MAX:
        raise InvalidInput.of(codes.INVALID_GROUP_NAME, f"群名称最多{GROUP_NAME_MAX}个字")
    return name


def _announce(
    conversation: Conversation,
    actor: User,
    text: str,
    action: str,
    *,
    audit: str,
    context: RequestContext,
    extra: dict[str, Any] | None = None,
    audit_data: dict[str, Any] | None = None,
) -> None:
    """Tell the group what `actor` changed (a system message carrying `action`, `by` and
    `extra`) and keep the change in the audit trail, inside the caller's transaction."""
    _system_message(conversation, text, {"action": action, "by": actor.pk, **(extra or {})})
    audit_record(audit, actor=actor, target=conversation, data=audit_data, context=context)


def _announce_updated(conversation: Conversation) -> None:
    """The group's name, owner or roles changed: every member's list item is stale."""
    _append_event(
        conversation,
        EventType.CONVERSATION_UPDATED,
        data={"conversation": conversation_brief(conversation)},
    )


def _group_for_admin(
    actor: User, conversation_id: int, *, owner_only: bool = False
) -> tuple[Conversation, Membership]:
    """Lock a writable group the actor administers (or owns, with `owner_only`)."""
    conversation = _lock_conversation(conversation_id)
    if not conversation.is_group:
        raise InvalidInput.of(codes.NOT_A_GROUP)
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
        newcomers = [u for u in _group_candidates(user_ids) if u.pk not in already]
        if not newcomers:
            return conversation
        if conversation.member_count + len(newcomers) > settings.ZT_GROUP_MEMBER_LIMIT:
            raise errors.GroupFull()
        _join(conversation, newcomers, Role.MEMBER)
        _refresh_member_count(conversation)
        ids = [u.pk for u in newcomers]
        _append_event(conversation, EventType.MEMBER_ADDED, data={"user_ids": ids, "by": actor.pk})
        _announce(
            conversation,
            actor,
            f"{actor.name} 邀请 {_names(ids)} 加入了群聊",
            "members_added",
            extra={"user_ids": ids},
            audit="group.members_add",
            audit_data={"user_ids": ids},
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
            raise InvalidInput.of(codes.CANNOT_REMOVE_SELF)
        try:
            target = Membership.objects.get(
                conversation=conversation, user_id=user_id, is_active=True
            )
        except Membership.DoesNotExist:
            raise InvalidInput.of(codes.NOT_IN_GROUP) from None
        if target.role == Role.OWNER or (target.role == Role.ADMIN and mine.role != Role.OWNER):
            raise errors.NotGroupOwner("不能移除群主或其他管理员")
        _leave(conversation, user_id, by=actor, action="removed")
        _announce(
            conversation,
            actor,
            f"{actor.name} 将 {_names([user_id])} 移出了群聊",
            "member_removed",
            extra={"user_ids": [user_id]},
            audit="group.member_remove",
            audit_data={"user_id": user_id},
            context=context,
        )
    return conversation


def group_leave(*, actor: User, conversation_id: int, context: RequestContext = NO_CONTEXT) -> None:
    with transaction.atomic():
        conversation = _lock_conversation(conversation_id)
        if not conversation.is_group:
            raise InvalidInput.of(codes.NOT_A_GROUP, "单聊不能退出")
        _writable(conversation)
        membership = _membership(conversation, actor)
        if membership.role == Role.OWNER:
            raise InvalidInput.of(codes.OWNER_MUST_TRANSFER)
        _leave(conversation, actor.pk, by=actor, action="left")
        _announce(
            conversation,
            actor,
            f"{actor.name} 退出了群聊",
            "member_left",
            extra={"user_ids": [actor.pk]},
            audit="group.leave",
            context=context,
        )


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
        _announce_updated(conversation)
        _announce(
            conversation,
            actor,
            f"{actor.name} 将群名称修改为「{name}」",
            "renamed",
            extra={"old": old, "new": name},
            audit="group.rename",
            audit_data={"old": old, "new": name},
            context=context,
        )
    return conversation


def group_history_visibility_set(
    *,
    actor: User,
    conversation_id: int,
    visible: bool,
    context: RequestContext = NO_CONTEXT,
) -> Conversation:
    """Share (or stop sharing) the group's earlier history with members who join later.

    Owner and admins only. It applies at once to everyone: with it on, every
    member reads the whole history; off (the default), each reads what was
    sent after they joined (`realtime.selectors.visible_messages`).
    """
    with transaction.atomic():
        conversation, _ = _group_for_admin(actor, conversation_id)
        if conversation.history_visible_to_new_members == visible:
            return conversation
        conversation.history_visible_to_new_members = visible
        conversation.save(update_fields=["history_visible_to_new_members"])
        _append_event(
            conversation,
            EventType.CONVERSATION_UPDATED,
            data={"conversation": conversation_brief(conversation)},
        )
        verb = "开启" if visible else "关闭"
        _system_message(
            conversation,
            f"{actor.name} {verb}了「新成员可查看入群前的聊天记录」",
            {"action": "history_visibility_set", "by": actor.pk, "visible": visible},
        )
        audit_record(
            "group.history_visibility_set",
            actor=actor,
            target=conversation,
            data={"visible": visible},
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
            raise InvalidInput.of(codes.NOT_IN_GROUP, "新群主必须是群成员") from None
        if heir.pk == mine.pk:
            return conversation
        Membership.objects.filter(pk=mine.pk).update(role=Role.ADMIN)
        Membership.objects.filter(pk=heir.pk).update(role=Role.OWNER)
        conversation.owner_id = new_owner_id
        conversation.save(update_fields=["owner"])
        _announce_updated(conversation)
        _announce(
            conversation,
            actor,
            f"{actor.name} 将群主转让给 {_names([new_owner_id])}",
            "owner_transferred",
            extra={"user_ids": [new_owner_id]},
            audit="group.transfer_ownership",
            audit_data={"new_owner_id": new_owner_id},
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
            raise InvalidInput.of(codes.NOT_IN_GROUP)
        verb = "设为管理员" if is_admin else "取消了管理员"
        _announce_updated(conversation)
        _announce(
            conversation,
            actor,
            f"{actor.name} 将 {_names([user_id])} {verb}",
            "admin_set",
            extra={"user_ids": [user_id], "is_admin": is_admin},
            audit="group.admin_set",
            audit_data={"user_id": user_id, "is_admin": is_admin},
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
            updated = wire.MembershipUpdatedEvent(
                conversation_id=conversation_id,
                data=wire.MembershipUpdatedData(muted=membership.muted, pinned=membership.pinned),
            )
            events.publish([actor.pk], dump(updated))
    return membership
