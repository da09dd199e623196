"""The recall rule as clients are told it: `recall_until`, `can_recall_any`, the error text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.common.errors import ZtError
from backend.directory import services as directory
from realtime import selectors, services
from realtime.models import Conversation, Message
from realtime.payloads import conversation_item_payload, message_payload

pytestmark = pytest.mark.django_db(transaction=True)


def send(actor: Any, conversation: Conversation, text: str = "你好") -> Message:
    message, _ = services.message_send(actor=actor, conversation_id=conversation.pk, text=text)
    return message


def test_recall_until_is_the_senders_window_and_null_where_it_does_not_apply(
    group: Conversation, director: Any, staff: Any, settings: Any
) -> None:
    settings.ZT_RECALL_WINDOW_SECONDS = 90
    mine = send(staff, group)
    until = message_payload(mine, staff)["recall_until"]
    assert datetime.fromisoformat(until) == mine.created_at + timedelta(seconds=90)
    system = Message.objects.get(conversation=group, seq=1)
    assert system.kind == Message.Kind.SYSTEM
    assert message_payload(system, staff)["recall_until"] is None
    services.message_recall(actor=staff, message_id=mine.pk)
    mine.refresh_from_db()
    assert message_payload(mine, staff)["recall_until"] is None


def test_a_system_accounts_card_has_no_recall_until(staff: Any) -> None:
    bot = directory.system_account_get("approvals")
    chat = services.direct_conversation_get_or_create(actor=bot, other_id=staff.pk)
    card = services.card_message_send(
        conversation_id=chat.pk, card_type="note", object_id="1", title="通知", sender=bot
    )
    assert message_payload(card, staff)["recall_until"] is None


def test_can_recall_any_for_group_owner_and_admins_only(
    group: Conversation, direct: Conversation, director: Any, clerk: Any, staff: Any
) -> None:
    def can(viewer: Any, conversation: Conversation) -> bool:
        item = selectors.conversation_item_get(viewer=viewer, conversation_id=conversation.pk)
        return bool(conversation_item_payload(item)["can_recall_any"])

    assert can(director, group) is True  # owner
    assert can(staff, group) is False
    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=clerk.pk, is_admin=True
    )
    assert can(clerk, group) is True
    assert can(director, direct) is False  # nobody is admin of a direct chat
    listed = {i.conversation.pk: i for i in selectors.conversation_list(viewer=staff)}
    assert conversation_item_payload(listed[group.pk])["can_recall_any"] is False


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (24 * 3600, "只能撤回自己24小时内发送的消息"),
        (120, "只能撤回自己2分钟内发送的消息"),
        (300, "只能撤回自己5分钟内发送的消息"),
        (90, "只能撤回自己90秒内发送的消息"),
    ],
)
def test_recall_not_allowed_text_follows_the_setting(
    group: Conversation, staff: Any, settings: Any, seconds: int, text: str
) -> None:
    settings.ZT_RECALL_WINDOW_SECONDS = seconds
    old = send(staff, group, "旧消息")
    Message.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds + 1)
    )
    with pytest.raises(ZtError) as err:
        services.message_recall(actor=staff, message_id=old.pk)
    assert (err.value.code, err.value.message) == ("recall_not_allowed", text)
