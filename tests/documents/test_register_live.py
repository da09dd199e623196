"""收文登记 is live for the sender: the 送达回执 moves to 办理中 with its 收文编号."""

from __future__ import annotations

from typing import Any

import pytest

from backend.directory.models import User
from backend.documents import receiving
from realtime.events import capture_events
from tests.conftest import events_of
from tests.documents.conftest import receipt_of, to_distributed

pytestmark = pytest.mark.django_db(transaction=True)


def test_register_updates_the_receipt_card_and_the_senders_card(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = to_distributed(people, org)
    receipt = receipt_of(document, org["finance"])
    receiving.receipt_sign(actor=people["finance_clerk"], receipt_id=receipt.pk)
    with capture_events() as sent:
        registered = receiving.receipt_register(
            actor=people["finance_clerk"], receipt_id=receipt.pk, data={"handle_type": "handle"}
        )
    assert registered.status == "handling"
    updated = {
        (e.event["data"]["card_type"], e.event["data"]["object_id"])
        for e in events_of(sent, "card.updated")
    }
    assert ("document", str(document.pk)) in updated  # the drafter's card: 送达回执
    assert ("document", f"r{receipt.pk}") in updated  # the receiving office's card
    drafter_events = [
        e
        for e in events_of(sent, "card.updated")
        if e.event["data"]["object_id"] == str(document.pk)
    ]
    assert any(people["staff"].pk in e.user_ids for e in drafter_events)
