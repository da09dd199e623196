"""The `document` card: per-viewer views and buttons, batch rendering, acting, live updates."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.directory.models import User
from backend.documents import receiving
from backend.documents.models import Receipt
from realtime import cards
from realtime.events import SentEvent
from tests.conftest import events_of
from tests.documents.conftest import act, receipt_of, submit, to_distributed

pytestmark = pytest.mark.django_db(transaction=True)


def documents_in_every_state(org: dict[str, Any], people: dict[str, User]) -> dict[str, str]:
    staff, clerk = people["staff"], people["clerk"]
    review = submit(staff, org, urgency="extra_urgent")
    sign = submit(staff, org)
    act(clerk, sign)
    returned = submit(staff, org)
    act(clerk, returned, "return", opinion="请修改", target="initiator")
    withdrawn = submit(staff, org)
    act(staff, withdrawn, "withdraw")
    sent = to_distributed(people, org, copy_to=[org["city"].pk])
    signed = receipt_of(sent, org["finance"])
    receiving.receipt_sign(actor=people["finance_clerk"], receipt_id=signed.pk)
    handling = receipt_of(to_distributed(people, org), org["finance"])
    receiving.receipt_sign(actor=people["finance_clerk"], receipt_id=handling.pk)
    receiving.receipt_register(
        actor=people["finance_clerk"], receipt_id=handling.pk, data={"handle_type": "handle"}
    )
    delivered = receipt_of(to_distributed(people, org), org["finance"])
    return {
        "review": str(review.pk),
        "sign": str(sign.pk),
        "returned": str(returned.pk),
        "withdrawn": str(withdrawn.pk),
        "sent": str(sent.pk),
        "signed": f"r{signed.pk}",
        "handling": f"r{handling.pk}",
        "delivered": f"r{delivered.pk}",
        "junk": "x1",
        "missing": "999999",
        "missing_receipt": "r999999",
    }


def actions(view: Any) -> list[tuple[str, str]]:
    return [(a["action"], a["label"]) for a in view["actions"]]


def test_render_many_equals_render_for_every_viewer(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    ids = documents_in_every_state(org, people)
    card = cards.get("document")
    object_ids = list(ids.values())
    for viewer in people.values():
        one_by_one = {object_id: card.render(object_id, viewer) for object_id in object_ids}
        assert card.render_many(object_ids, viewer) == one_by_one, viewer.name
    clerk = card.render_many(object_ids, people["clerk"])
    assert clerk[ids["review"]]["title"] == "【特急】关于做好2026年防汛工作的通知"
    assert actions(clerk[ids["review"]]) == [
        ("approve", "核稿通过"),
        ("return", "退回"),
        ("transfer", "转办"),
        ("comment", "评论"),
    ]
    director = card.render_many(object_ids, people["director"])
    assert actions(director[ids["sign"]])[0] == ("approve", "签发")
    # Not in its flow yet, but the unit's admin: sees it, without buttons.
    assert (director[ids["review"]]["status"], director[ids["review"]]["actions"]) == (
        "running",
        [],
    )
    drafter = card.render_many(object_ids, people["staff"])
    assert [a for a, _ in actions(drafter[ids["review"]])] == ["urge", "comment", "withdraw"]
    assert [a for a, _ in actions(drafter[ids["sign"]])] == ["urge", "comment", "withdraw"]
    assert [a for a, _ in actions(drafter[ids["returned"]])] == ["resubmit", "comment", "withdraw"]
    assert drafter[ids["withdrawn"]]["status"] == "withdrawn"
    receipts = {f["label"]: f["value"] for f in drafter[ids["sent"]]["fields"]}
    assert receipts["送达回执"] == "待签收1，待登记1"
    finance = card.render_many(object_ids, people["finance_clerk"])
    assert actions(finance[ids["delivered"]]) == [("sign_for", "签收"), ("refuse", "退回")]
    assert finance[ids["signed"]]["status"] == "receipt_signed"
    assert actions(finance[ids["handling"]])[0] == ("approve", "拟办")
    # The receiving side sees the document, but not the other units' 送达回执.
    assert finance[ids["sent"]]["status"] == "distributed"
    assert "送达回执" not in {f["label"] for f in finance[ids["sent"]]["fields"]}
    outsider = card.render_many(object_ids, people["outsider"])
    assert {v["status"] for v in outsider.values()} == {"hidden"}
    for junk in ("junk", "missing", "missing_receipt"):
        assert clerk[ids[junk]]["status"] == "hidden"


def test_a_page_of_cards_costs_the_same_queries_however_many_cards(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    """The same mix of states once (11 cards) and three times (33): the same query count."""
    batches = [documents_in_every_state(org, people) for _ in range(3)]
    once = [("document", i) for i in batches[0].values()]
    thrice = [("document", i) for batch in batches for i in batch.values()]

    def queries(wanted: list[tuple[str, str]], viewer: User) -> int:
        with CaptureQueriesContext(connection) as captured:
            views = cards.render_for_many(wanted, viewer)
        assert set(views) == set(wanted)
        return len(captured)

    for viewer in people.values():
        assert queries(once, viewer) == queries(thrice, viewer) <= 11, viewer.name


def test_signing_for_on_the_card_updates_the_senders_card_live(
    org: dict[str, Any], people: dict[str, User], events: list[SentEvent]
) -> None:
    document = to_distributed(people, org)
    receipt = receipt_of(document, org["finance"])
    card = cards.get("document")
    events.clear()
    view = card.act(f"r{receipt.pk}", people["finance_clerk"], "sign_for", {})
    assert view["status"] == "receipt_signed" and view["actions"] == []
    updated: dict[str, set[int]] = {}
    for event in events_of(events, "card.updated"):
        updated.setdefault(event.event["data"]["object_id"], set()).update(event.user_ids)
    assert people["staff"].pk in updated[str(document.pk)]  # the drafter's chat with 公文助手
    assert people["finance_clerk"].pk in updated[f"r{receipt.pk}"]
    refused = receipt_of(to_distributed(people, org), org["finance"])
    view = card.act(
        f"r{refused.pk}", people["finance_clerk"], "refuse", {"opinion": "非我单位职责"}
    )
    assert view["status"] == "receipt_refused"
    assert Receipt.objects.get(pk=refused.pk).refuse_reason == "非我单位职责"


def test_card_acts_on_the_flow_and_refuses_what_it_does_not_offer(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = submit(people["staff"], org)
    card = cards.get("document")
    view = card.act(str(document.pk), people["clerk"], "approve", {})
    assert {f["label"]: f["value"] for f in view["fields"]}["当前步骤"] == "签发"
    from backend.common.errors import InvalidInput

    with pytest.raises(InvalidInput):
        card.act(str(document.pk), people["director"], "sign_for", {})
    with pytest.raises(InvalidInput):
        card.act(str(document.pk), people["director"], "reject", {"opinion": "不行"})
