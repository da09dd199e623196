"""Reads of the messaging core that enforce visibility.

`*_get` raises when the viewer may not see the thing; `*_list` only returns
what the viewer may see. A non-member can read, search or download nothing
of a conversation. Which messages a member may read (the pre-join history
policy) is decided in one place, `visible_messages`, used by history, single
messages, search, attachment downloads, receipts and resume alike.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from backend.common import error_catalogue as codes
from backend.common.errors import NotFound, PermissionDenied
from backend.directory.models import User
from push import selectors as push_selectors
from push.models import Delivery
from realtime import errors
from realtime.models import (
    Attachment,
    Conversation,
    ConversationEvent,
    Membership,
    Message,
    MessageMention,
    UrgentNotice,
)

HISTORY_PAGE_MAX = 100
SEARCH_LIMIT = 50


def membership_get(*, viewer: User, conversation_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("conversation")
        .filter(conversation_id=conversation_id, user=viewer, is_active=True)
        .first()
    )
    if membership is None:
        if not Conversation.objects.filter(pk=conversation_id).exists():
            raise errors.ConversationNotFound()
        raise errors.NotAMember()
    return membership


def visible_messages(
    viewer: User, *, base: QuerySet[Message] | None = None, including_left: bool = False
) -> QuerySet[Message]:
    """THE pre-join history rule: the messages `viewer` may read.

    A member reads a conversation's messages sent after they (last) joined
    (`seq > Membership.joined_seq`); the earlier ones only when the group
    shares its history with new members
    (`Conversation.history_visible_to_new_members`, off by default). Only an
    active membership counts, unless `including_left` (resume up to
    `left_pos`, which the caller bounds).
    """
    member = Membership.objects.filter(conversation=OuterRef("conversation"), user=viewer)
    if not including_left:
        member = member.filter(is_active=True)
    member = member.filter(_reads(OuterRef("seq")))
    return (Message.objects.all() if base is None else base).filter(Exists(member))


def _reads(seq: Any) -> Q:
    """On `Membership`: the member may read the message numbered `seq`."""
    return Q(conversation__history_visible_to_new_members=True) | Q(joined_seq__lt=seq)


def message_reader_ids(message: Message) -> list[int]:
    """The active members who may read `message` (the audience of news about it)."""
    return list(
        Membership.objects.filter(conversation_id=message.conversation_id, is_active=True)
        .filter(_reads(message.seq))
        .values_list("user_id", flat=True)
    )


def _message_qs() -> QuerySet[Message]:
    return Message.objects.select_related(
        "sender", "attachment", "urgent", "reply_to", "reply_to__sender", "reply_to__attachment"
    ).prefetch_related("mentions")


def _with_counts(memberships: QuerySet[Membership], viewer: User) -> QuerySet[Membership]:
    """Annotate unread and @me counts in the same query as the list."""
    explicit = (
        MessageMention.objects.filter(
            user=viewer,
            conversation=OuterRef("conversation"),
            seq__gt=OuterRef("last_read_seq"),
            message__recalled_at__isnull=True,
        )
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    to_all = (
        Message.objects.filter(
            conversation=OuterRef("conversation"),
            mentions_all=True,
            seq__gt=OuterRef("last_read_seq"),
            recalled_at__isnull=True,
        )
        .exclude(sender=viewer)
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return memberships.annotate(
        mention_explicit=Coalesce(Subquery(explicit, output_field=IntegerField()), 0),
        mention_all_count=Coalesce(Subquery(to_all, output_field=IntegerField()), 0),
    )


@dataclass
class ConversationItem:
    """One row of the conversation list, for one viewer."""

    membership: Membership
    conversation: Conversation
    peer: User | None
    last_message: Message | None
    unread_count: int
    mention_count: int


def conversation_list(*, viewer: User, limit: int = 500) -> list[ConversationItem]:
    """My conversations, pinned first, then by last activity."""
    memberships = list(
        _with_counts(
            Membership.objects.filter(user=viewer, is_active=True)
            .select_related("conversation", "user")
            # Conversations without messages last on every database (PostgreSQL
            # sorts NULL first in descending order, SQLite last).
            .order_by(
                "-pinned",
                F("conversation__last_message_at").desc(nulls_last=True),
                "-conversation_id",
            ),
            viewer,
        )[:limit]
    )
    return _items(viewer, memberships)


def conversation_item_get(*, viewer: User, conversation_id: int) -> ConversationItem:
    membership_get(viewer=viewer, conversation_id=conversation_id)
    memberships = list(
        _with_counts(
            Membership.objects.filter(
                user=viewer, is_active=True, conversation_id=conversation_id
            ).select_related("conversation", "user"),
            viewer,
        )
    )
    return _items(viewer, memberships)[0]


def _items(viewer: User, memberships: list[Membership]) -> list[ConversationItem]:
    conversations = [m.conversation for m in memberships]
    last_ids = Q(pk__in=[])
    for c in conversations:
        if c.last_seq:
            last_ids |= Q(conversation_id=c.pk, seq=c.last_seq)
    last_messages = {m.conversation_id: m for m in _message_qs().filter(last_ids)}
    direct_ids = [c.pk for c in conversations if not c.is_group]
    peers = {
        m.conversation_id: m.user
        for m in Membership.objects.filter(conversation_id__in=direct_ids)
        .exclude(user=viewer)
        .select_related("user")
    }
    items = []
    for membership in memberships:
        conversation = membership.conversation
        annotated: Any = membership
        items.append(
            ConversationItem(
                membership=membership,
                conversation=conversation,
                peer=peers.get(conversation.pk),
                last_message=last_messages.get(conversation.pk),
                unread_count=max(conversation.last_seq - membership.last_read_seq, 0),
                mention_count=annotated.mention_explicit + annotated.mention_all_count,
            )
        )
    return items


def member_list(*, viewer: User, conversation_id: int) -> list[Membership]:
    membership_get(viewer=viewer, conversation_id=conversation_id)
    return list(
        Membership.objects.filter(conversation_id=conversation_id, is_active=True)
        .select_related("user")
        # Owner, then admins, then members (the role strings do not sort that way).
        .annotate(
            rank=Case(
                When(role=Membership.Role.OWNER, then=Value(0)),
                When(role=Membership.Role.ADMIN, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("rank", "joined_at", "id")
    )


def message_history(
    *, viewer: User, conversation_id: int, before_seq: int | None = None, limit: int = 50
) -> tuple[list[Message], bool]:
    """A page of messages, oldest first, ending just before `before_seq`."""
    membership_get(viewer=viewer, conversation_id=conversation_id)
    limit = max(1, min(limit, HISTORY_PAGE_MAX))
    qs = visible_messages(viewer, base=_message_qs()).filter(conversation_id=conversation_id)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    page = list(qs.order_by("-seq")[: limit + 1])
    has_more = len(page) > limit
    return list(reversed(page[:limit])), has_more


def message_get(*, viewer: User, message_id: int) -> Message:
    conversation_id = (
        Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    )
    if conversation_id is None:
        raise errors.MessageNotFound()
    membership_get(viewer=viewer, conversation_id=conversation_id)
    message = visible_messages(viewer, base=_message_qs()).filter(pk=message_id).first()
    if message is None:  # sent before the viewer joined, and the group keeps it
        raise errors.MessageNotFound()
    return message


def message_search(
    *, viewer: User, query: str, conversation_id: int | None = None
) -> list[Message]:
    """Substring search (works for Chinese, which has no word breaks) in my conversations."""
    query = query.strip()
    if not query:
        return []
    qs = visible_messages(viewer, base=_message_qs()).filter(recalled_at__isnull=True)
    if conversation_id is not None:
        membership_get(viewer=viewer, conversation_id=conversation_id)
        qs = qs.filter(conversation_id=conversation_id)
    qs = qs.filter(Q(text__icontains=query) | Q(attachment__name__icontains=query))
    return list(qs.exclude(kind=Message.Kind.SYSTEM).order_by("-created_at", "-id")[:SEARCH_LIMIT])


# --- read receipts ---------------------------------------------------------------


def _may_see_receipts(membership: Membership, message: Message, viewer: User) -> bool:
    return message.sender_id == viewer.pk or (
        membership.conversation.is_group and membership.is_admin
    )


@dataclass
class Receipts:
    read: list[User]
    unread: list[User]


def message_receipts(*, viewer: User, message_id: int) -> Receipts:
    """Who of the current members has / has not read a message (sender excluded)."""
    message = message_get(viewer=viewer, message_id=message_id)
    membership = membership_get(viewer=viewer, conversation_id=message.conversation_id)
    if not _may_see_receipts(membership, message, viewer):
        raise errors.PermissionDenied("只有发送者和群管理员可以查看已读情况")
    members = (
        Membership.objects.filter(conversation_id=message.conversation_id, is_active=True)
        .exclude(user_id=message.sender_id or 0)
        .select_related("user")
        .order_by("user__name_pinyin", "user_id")
    )
    read = [m.user for m in members if m.last_read_seq >= message.seq]
    unread = [m.user for m in members if m.last_read_seq < message.seq]
    return Receipts(read=read, unread=unread)


def receipt_counts(
    *, viewer: User, conversation_id: int, seqs: list[int]
) -> dict[int, tuple[int, int]]:
    """{seq: (read, unread)} for the viewer's own messages (all, for admins).

    One query for the messages, one for the read pointers; the counts are
    computed by bisecting the sorted pointers: O(members + seqs·log members).
    """
    membership = membership_get(viewer=viewer, conversation_id=conversation_id)
    messages = visible_messages(viewer).filter(conversation_id=conversation_id, seq__in=seqs[:500])
    if not (membership.conversation.is_group and membership.is_admin):
        messages = messages.filter(sender=viewer)
    pointers = dict(
        Membership.objects.filter(conversation_id=conversation_id, is_active=True).values_list(
            "user_id", "last_read_seq"
        )
    )
    ordered = sorted(pointers.values())
    counts: dict[int, tuple[int, int]] = {}
    for seq, sender_id in messages.values_list("seq", "sender_id"):
        read = len(ordered) - bisect.bisect_left(ordered, seq)
        total = len(ordered)
        if sender_id in pointers:
            total -= 1
            if pointers[sender_id] >= seq:
                read -= 1
        counts[seq] = (read, total - read)
    return counts


# --- attachments -----------------------------------------------------------------


def attachment_get(*, viewer: User, token: str) -> Attachment:
    """An attachment the viewer uploaded, or one in a message the viewer may read now."""
    attachment = Attachment.objects.filter(token=token).first()
    if attachment is None or not attachment.file:  # none, or purged from storage
        raise errors.AttachmentNotFound()
    if attachment.uploader_id == viewer.pk:
        return attachment
    visible = (
        visible_messages(viewer).filter(attachment=attachment, recalled_at__isnull=True).exists()
    )
    if not visible:
        raise errors.AttachmentNotFound()
    return attachment


def attachment_by_token(*, token: str) -> Attachment:
    """An attachment whose viewing the caller has already authorised (a domain app's rule)."""
    attachment = Attachment.objects.filter(token=token).first()
    if attachment is None or not attachment.file:
        raise errors.AttachmentNotFound()
    return attachment


# --- resume ----------------------------------------------------------------------


@dataclass
class Catchup:
    """What a reconnecting socket must be told, in order."""

    events: list[ConversationEvent]
    added: list[int]  # conversations the client does not know yet
    removed: list[int]  # conversations the client knows but is no longer in
    resync: list[int]  # conversations too far behind to replay
    positions: dict[int, int]  # where the client stands after all of it


def events_between(
    *, viewer: User, conversation_id: int, after: int, upto: int | None = None
) -> list[ConversationEvent]:
    """Positional events of one conversation in (after, upto] the viewer may see."""
    membership = Membership.objects.filter(conversation_id=conversation_id, user=viewer).first()
    if membership is None:
        return []
    low = max(after, membership.joined_pos - 1)
    high = upto
    if not membership.is_active and membership.left_pos is not None:
        high = membership.left_pos if high is None else min(high, membership.left_pos)
    qs = ConversationEvent.objects.filter(conversation_id=conversation_id, pos__gt=low).filter(
        # A later event about an earlier message (a recall, a card update) is
        # replayed only when the message itself is the viewer's to read.
        Q(message__isnull=True)
        | Q(message__in=visible_messages(viewer, including_left=True).values("pk"))
    )
    if high is not None:
        qs = qs.filter(pos__lte=high)
    return list(
        qs.select_related(
            "message",
            "message__sender",
            "message__attachment",
            "message__urgent",
            "message__reply_to",
            "message__reply_to__sender",
        )
        .prefetch_related("message__mentions")
        .order_by("pos")[: settings.ZT_RESUME_MAX_EVENTS]
    )


def resume_catchup(*, viewer: User, positions: dict[int, int]) -> Catchup:
    """Everything missed since `positions`, bounded; too far behind means resync."""
    memberships = {
        m.conversation_id: m
        for m in Membership.objects.filter(
            Q(is_active=True) | Q(conversation_id__in=list(positions)), user=viewer
        ).select_related("conversation")
    }
    catchup = Catchup(events=[], added=[], removed=[], resync=[], positions={})
    budget = settings.ZT_RESUME_MAX_EVENTS
    for conversation_id, membership in sorted(memberships.items()):
        current = membership.conversation.last_pos
        if conversation_id not in positions:
            if membership.is_active:
                catchup.added.append(conversation_id)
                catchup.positions[conversation_id] = current
            continue
        known = positions[conversation_id]
        if not membership.is_active:
            end = membership.left_pos or known
            if known < end and end - known <= budget:
                missed = events_between(viewer=viewer, conversation_id=conversation_id, after=known)
                catchup.events.extend(missed)
                budget -= len(missed)
            catchup.removed.append(conversation_id)
            continue
        if known >= current:
            catchup.positions[conversation_id] = current
            continue
        if current - known > budget:
            catchup.resync.append(conversation_id)
        else:
            missed = events_between(
                viewer=viewer, conversation_id=conversation_id, after=known, upto=current
            )
            catchup.events.extend(missed)
            budget -= len(missed)
        catchup.positions[conversation_id] = current
    for conversation_id in positions:
        if conversation_id not in memberships:
            catchup.removed.append(conversation_id)
    return catchup


@dataclass(frozen=True)
class UrgentRecipient:
    user: User
    read: bool
    deliveries: list[Delivery]


@dataclass(frozen=True)
class UrgentStatus:
    notice: UrgentNotice
    recipients: list[UrgentRecipient]


def urgent_status(*, viewer: User, message_id: int) -> UrgentStatus:
    """Per recipient of a 加急 message: read or not (the read pointers) and how each was
    reached (push's delivery log). Only the sender may see it."""
    # Someone who may not read the message gets the answer for a missing one:
    # whether it exists, or is 加急, is not theirs to learn.
    if not visible_messages(viewer).filter(pk=message_id).exists():
        raise errors.MessageNotFound()
    notice = UrgentNotice.objects.select_related("message").filter(message_id=message_id).first()
    if notice is None:
        raise NotFound.of(codes.NOT_URGENT)
    if notice.sender_id != viewer.pk:
        raise PermissionDenied.of(codes.URGENT_NOT_SENDER)
    seq = notice.message.seq
    pointers = dict(
        Membership.objects.filter(
            conversation_id=notice.message.conversation_id, user_id__in=notice.recipient_ids
        ).values_list("user_id", "last_read_seq")
    )
    people = User.objects.in_bulk(notice.recipient_ids)
    log = push_selectors.deliveries_under_key(
        user_ids=notice.recipient_ids, key=f"urgent:msg:{message_id}"
    )
    rows = [
        UrgentRecipient(
            user=people[user_id],
            read=pointers.get(user_id, 0) >= seq,
            deliveries=log.get(user_id, []),
        )
        for user_id in notice.recipient_ids
        if user_id in people
    ]
    rows.sort(key=lambda r: (r.read, r.user.name_pinyin, r.user.pk))
    return UrgentStatus(notice=notice, recipients=rows)
