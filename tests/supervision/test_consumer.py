"""督办 cards over the real consumer: a report pressed on the sub-task's card updates the
lead's card of the parent live, and the supervisor hears `supervision.changed`."""

from __future__ import annotations

from typing import Any

import pytest

from backend.directory.models import User
from realtime.models import Message
from tests.realtime.test_consumer import command, next_event, resumed, run
from tests.supervision.conftest import create, split

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_report_on_the_card_moves_the_parents_card_live(
    director: User, finance_head: User, budget_staff: User
) -> None:
    root = await run(create, actor=director, owner=finance_head)
    sub = await run(split, actor=finance_head, parent=root, owner=budget_staff)
    lead = await resumed(finance_head)
    owner = await resumed(budget_staff)
    boss = await resumed(director)
    card: Any = await run(
        lambda: Message.objects.get(
            card_type="supervision",
            card_object_id=str(sub.pk),
            conversation__memberships__user=budget_staff,
        )
    )
    done = await command(
        owner,
        {
            "type": "card_action",
            "id": "r",
            "message_id": card.pk,
            "action": "report",
            "opinion": "已梳理80项",
            "percent": 80,
        },
    )
    assert {"label": "进度", "value": "80%"} in done["data"]["view"]["fields"]
    updated = await next_event(lead, "card.updated")
    while updated["data"]["object_id"] != str(root.pk):
        updated = await next_event(lead, "card.updated")
    assert {"label": "进度", "value": "80%"} in updated["data"]["view"]["fields"]
    changed = await next_event(boss, "supervision.changed")
    assert changed["data"]["task_ids"] == [root.pk, sub.pk]
    for comm in (lead, owner, boss):
        await comm.disconnect()
