"""公文 cards over the real consumer: 分发 reaches the receiving clerk live; their 签收 on
the card updates the sender's card live."""

from __future__ import annotations

from typing import Any

import pytest

from backend.directory import services as directory
from backend.directory.models import User
from backend.documents.models import Receipt
from realtime import services as chat
from realtime.models import Message
from tests.documents.conftest import act, submit
from tests.realtime.test_consumer import command, next_event, resumed, run

pytestmark = pytest.mark.django_db(transaction=True)


def _through_to_distribute(people: dict[str, User], org: dict[str, Any]) -> Any:
    document = submit(people["staff"], org)
    act(people["clerk"], document)
    act(people["director"], document)
    for _step in range(3):  # 复核, 登记, 用印
        act(people["clerk"], document)
    return document


async def test_distribution_and_signing_for_are_live(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = await run(_through_to_distribute, people=people, org=org)
    # The clerk already talks with 公文助手 (a first card would arrive as conversation.added).
    bot = await run(directory.system_account_get, key="documents")
    await run(
        chat.direct_conversation_get_or_create, actor=bot, other_id=people["finance_clerk"].pk
    )
    sender = await resumed(people["staff"])
    receiver = await resumed(people["finance_clerk"])
    await run(act, user=people["clerk"], document=document)  # 分发
    arrived = (await next_event(receiver, "message.new"))["message"]
    assert arrived["card"]["view"]["status"] == "receipt_delivered"
    assert [a["action"] for a in arrived["card"]["view"]["actions"]] == ["sign_for", "refuse"]
    receipt = await run(lambda: Receipt.objects.get(document=document))
    card_message = await run(
        lambda: Message.objects.get(
            card_object_id=f"r{receipt.pk}", conversation__memberships__user=people["finance_clerk"]
        )
    )
    done = await command(
        receiver,
        {"type": "card_action", "id": "s", "message_id": card_message.pk, "action": "sign_for"},
    )
    assert done["data"]["view"]["status"] == "receipt_signed"
    seen = []  # the sender's card after 分发 (待签收1), then after 签收 (待登记1)
    while "待登记1" not in seen:
        updated = await next_event(sender, "card.updated")
        if updated["data"]["object_id"] == str(document.pk):
            fields = {f["label"]: f["value"] for f in updated["data"]["view"]["fields"]}
            seen.append(fields["送达回执"])
    assert seen[0] == "待签收1"
    await sender.disconnect()
    await receiver.disconnect()
