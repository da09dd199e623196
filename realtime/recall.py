"""The recall rule in one place: `message_recall` enforces it, payloads describe it.

The sender may recall their own message within `ZT_RECALL_WINDOW_SECONDS`;
group owners and admins may recall anyone's at any time. Clients are told
both halves (`recall_until` on each message, `can_recall_any` on each
conversation item) so none of them restates the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from realtime.models import Membership, Message


def recall_window() -> timedelta:
    return timedelta(seconds=settings.ZT_RECALL_WINDOW_SECONDS)


def recall_until(message: Message) -> datetime | None:
    """Until when its sender may recall it; None for recalled and system messages and
    for what a system account sent (审批助手's cards: no reader is their sender).

    A card a person posted into a group is theirs to recall, like any message.
    """
    if message.is_recalled or message.kind == Message.Kind.SYSTEM:
        return None
    if message.sender is None or message.sender.is_bot:
        return None
    return message.created_at + recall_window()


def may_recall_any(membership: Membership) -> bool:
    """Group owners and admins recall anyone's message, any time."""
    return membership.conversation.is_group and membership.is_admin
