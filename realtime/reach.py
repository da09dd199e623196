"""What the messaging core tells `push` about people who are not looking.

Registered with `push.rules` in `RealtimeConfig.ready()`:

- fan-out `chat.message`: one chat message → a notice per member who should
  hear of it (not the sender, not bots, not who already read it; a muted
  conversation only for @me / @所有人), coalesced per conversation;
- condition `chat.unseen`: at delivery time, skip a person who has a visible
  tab open (presence `online`) or has read up to the message;
- condition `chat.unread`: skip a person who has read it (加急 SMS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from push import rules
from push.rules import Notice
from realtime import presence
from realtime.models import Membership, Message, MessageMention, UrgentNotice
from realtime.payloads import preview_text

MESSAGE_RULE = "chat.message"
UNSEEN = "chat.unseen"
UNREAD = "chat.unread"


def conversation_url(conversation_id: int, seq: int | None = None) -> str:
    return f"/chats/{conversation_id}" + (f"?seq={seq}" if seq else "")


def message_notices(ref: Mapping[str, Any]) -> list[Notice]:
    """The people to tell of one message, read when the fan-out job runs."""
    message = (
        Message.objects.select_related("conversation", "sender", "attachment")
        .filter(pk=ref["message_id"])
        .first()
    )
    if message is None or message.sender is None or message.is_recalled:
        return []
    conversation = message.conversation
    if conversation.dissolved_at is not None:
        return []
    mentioned = set(
        MessageMention.objects.filter(message=message).values_list("user_id", flat=True)
    )
    members = (
        Membership.objects.filter(
            conversation=conversation, is_active=True, last_read_seq__lt=message.seq
        )
        .exclude(user=message.sender)
        .exclude(user__is_bot=True)
        .values_list("user_id", "muted")
    )
    sender = message.sender.name
    title = conversation.name if conversation.is_group else sender
    text = preview_text(message)
    ref_for_delivery = {"conversation_id": conversation.pk, "seq": message.seq}
    notices = []
    for user_id, muted in members:
        to_me = message.mentions_all or user_id in mentioned
        if muted and not to_me:
            continue  # 免打扰: only @我 / @所有人 get through
        notices.append(
            Notice(
                user_id=user_id,
                kind="mention" if to_me else "message",
                title=title,
                body=f"[有人@我] {text}" if to_me and conversation.is_group else text,
                sender_name=sender,
                url=conversation_url(conversation.pk, message.seq),
                tag=f"conv:{conversation.pk}",
                coalesce_key=f"conv:{conversation.pk}",
                coalesce_seq=message.seq,
                condition=UNSEEN,
                condition_ref=ref_for_delivery,
            )
        )
    return notices


def unread(user_id: int, ref: Mapping[str, Any]) -> str | None:
    """None while the person is still a member who has not read up to `seq`."""
    pointer = (
        Membership.objects.filter(
            conversation_id=ref["conversation_id"], user_id=user_id, is_active=True
        )
        .values_list("last_read_seq", flat=True)
        .first()
    )
    if pointer is None:
        return "已不在该会话中"
    if pointer >= int(ref["seq"]):
        return "已读"
    message_id = ref.get("message_id")
    if message_id and Message.objects.filter(pk=message_id, recalled_at__isnull=False).exists():
        return "消息已撤回"
    return None


def unseen(user_id: int, ref: Mapping[str, Any]) -> str | None:
    """Also skip a person looking at the app now (a visible tab: presence `online`).

    A hidden tab reports `away`: its socket is live but nobody sees it, so the
    push goes and the service worker shows it.
    """
    if presence.statuses([user_id])[user_id] == presence.ONLINE:
        return "本人正在使用政通"
    reason = unread(user_id, ref)
    if reason is None and _urged(ref):
        # The newest message was marked 加急: its own push already went.
        return "已通过加急提醒"
    return reason


def _urged(ref: Mapping[str, Any]) -> bool:
    return UrgentNotice.objects.filter(
        message__conversation_id=ref["conversation_id"], message__seq=ref["seq"]
    ).exists()


def register() -> None:
    rules.fanout_register(MESSAGE_RULE, message_notices)
    rules.condition_register(UNSEEN, unseen)
    rules.condition_register(UNREAD, unread)
