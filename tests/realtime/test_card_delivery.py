"""Card delivery: to people from a system account's 1:1 chat, or posted into a conversation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from backend.common.errors import ZtError
from backend.directory import services as directory
from realtime import selectors, services
from realtime.models import Conversation, Message
from tests.conftest import events_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_send_to_people_puts_a_fresh_unread_card_in_each_1to1_chat(
    director: Any, clerk: Any, staff: Any, events: Any
) -> None:
    with transaction.atomic():
        sent = services.card_send_to_people(
            account="approvals",
            user_ids=[director.pk, clerk.pk, director.pk],
            card_type="test.note",
            object_id="7",
            title="请审阅",
        )
    bot = directory.system_account_get("approvals")
    assert [m.conversation.direct_key for m in sent] == [
        ":".join(map(str, sorted((bot.pk, p.pk)))) for p in (director, clerk)
    ]
    assert all(m.sender_id == bot.pk and m.kind == Message.Kind.CARD for m in sent)
    assert sent[0].data == {"title": "请审阅", "sender_label": "审批助手"}
    new = [e for e in events_of(events, "message.new") if e.event["message"]["kind"] == "card"]
    assert sorted(uid for e in new for uid in e.user_ids if uid != bot.pk) == sorted(
        [director.pk, clerk.pk]
    )
    # A second delivery is a new message in the same chat, so it counts as unread again.
    again = services.card_send_to_people(
        account="approvals",
        user_ids=[director.pk],
        card_type="test.note",
        object_id="7",
        title="催办",
    )
    assert again[0].conversation_id == sent[0].conversation_id
    item = selectors.conversation_item_get(viewer=director, conversation_id=sent[0].conversation_id)
    assert item.unread_count == 2
    assert (
        services.card_send_to_people(
            account="approvals", user_ids=[], card_type="test.note", object_id="7", title="x"
        )
        == []
    )


def test_post_into_a_conversation_needs_membership(
    group: Conversation, staff: Any, outsider: Any
) -> None:
    card = services.card_post(
        actor=staff, conversation_id=group.pk, card_type="test.note", object_id="9", title="请审阅"
    )
    assert (card.sender_id, card.conversation_id, card.card_object_id) == (staff.pk, group.pk, "9")
    with pytest.raises(ZtError) as err:
        services.card_post(
            actor=outsider,
            conversation_id=group.pk,
            card_type="test.note",
            object_id="9",
            title="x",
        )
    assert err.value.code == "not_a_member"
