"""The approval card carries the detail page's actions in the one server-described shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.approvals import selectors
from backend.approvals.services import approval_act
from backend.directory.models import User
from backend.workflow.services import ActParams
from realtime import cards
from realtime import services as chat
from tests.approvals.test_services import submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_card_actions_are_the_detail_actions_a_card_can_carry(
    staff: User, director: User, clerk: User
) -> None:
    approval = submit(staff)
    view = cards.get("approval").render(str(approval.pk), director)
    detail = selectors.detail(approval, director)
    by_name = {a["action"]: a for a in detail["actions"]}
    # The same entries, except that an optional opinion is left to the detail page.
    one_tap = [
        {**by_name[a["action"]], "opinion": "none", "opinion_label": ""}
        if by_name[a["action"]]["opinion"] == "optional"
        else by_name[a["action"]]
        for a in view["actions"]
    ]
    assert view["actions"] == one_tap
    approve = next(a for a in view["actions"] if a["action"] == "approve")
    assert (approve["opinion"], by_name["approve"]["opinion"]) == ("none", "optional")
    reject = next(a for a in view["actions"] if a["action"] == "reject")
    assert (reject["opinion"], reject["needs_opinion"], reject["opinion_label"]) == (
        "required",
        True,
        "审批意见",
    )


def test_urging_from_the_card_leaves_urge_disabled_with_its_reason(
    staff: User, director: User, clerk: User, settings: Any
) -> None:
    settings.ZT_APPROVAL_URGE_AFTER_MINUTES = 0  # 催办 offered at once
    approval = submit(staff)
    view = cards.get("approval").act(str(approval.pk), staff, "urge", {})
    urge = next(a for a in view["actions"] if a["action"] == "urge")
    assert (urge["enabled"], urge["disabled_reason"]) == (False, "5分钟内只能催办一次")
    withdraw = next(a for a in view["actions"] if a["action"] == "withdraw")
    assert withdraw["confirm"] == "撤回后该审批将终止，确定撤回？"


def requests_in_every_state(staff: User, director: User, clerk: User) -> dict[str, str]:
    """Object ids of requests as the card shows them in each state, and two that name none."""
    running = submit(staff)
    returned = submit(staff)
    approval_act(
        actor=director,
        approval_id=returned.pk,
        action="return",
        params=ActParams(opinion="请补充", target="initiator"),
    )
    approved = submit(staff)
    approval_act(actor=director, approval_id=approved.pk, action="approve", params=ActParams())
    rejected = submit(staff)
    approval_act(
        actor=director,
        approval_id=rejected.pk,
        action="reject",
        params=ActParams(opinion="不同意"),
    )
    group = chat.group_create(actor=staff, name="请假沟通", member_ids=[director.pk, clerk.pk])
    posted = submit(staff, post_to=group.pk)
    ids = {
        "running": running,
        "returned": returned,
        "approved": approved,
        "rejected": rejected,
        "posted": posted,
    }
    return {name: str(a.pk) for name, a in ids.items()} | {"missing": "999999", "junk": "abc"}


def test_render_many_equals_render_of_each_for_every_viewer_and_state(
    staff: User, director: User, clerk: User, outsider: User
) -> None:
    ids = requests_in_every_state(staff, director, clerk)
    card = cards.get("approval")
    object_ids = list(ids.values())
    for viewer in (staff, director, clerk, outsider):
        one_by_one = {object_id: card.render(object_id, viewer) for object_id in object_ids}
        assert card.render_many(object_ids, viewer) == one_by_one
    handler = card.render_many(object_ids, director)
    assert [a["action"] for a in handler[ids["running"]]["actions"]] == [
        "approve",
        "reject",
        "transfer",
    ]
    initiator = card.render_many(object_ids, staff)
    assert initiator[ids["returned"]]["status"] == "returned"
    assert [a["action"] for a in initiator[ids["returned"]]["actions"]] == ["withdraw"]
    assert initiator[ids["approved"]]["status"] == "approved"
    assert initiator[ids["approved"]]["actions"] == []
    stranger = card.render_many(object_ids, outsider)
    assert {view["status"] for view in stranger.values()} == {"hidden"}
    assert card.render_many(object_ids, clerk)[ids["posted"]]["status"] == "running"
    assert handler[ids["junk"]]["status"] == handler[ids["missing"]]["status"] == "hidden"


def test_render_for_many_renders_each_card_once_in_a_fixed_number_of_queries(
    staff: User, director: User, clerk: User
) -> None:
    ids = requests_in_every_state(staff, director, clerk)
    pairs = [("approval", object_id) for object_id in ids.values()]

    def queries(wanted: list[tuple[str, str]]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            views = cards.render_for_many([*wanted, *wanted, ("gone.type", "1")], director)
        assert set(views) == set(wanted)  # repeats render once; an unknown type has no view
        return len(captured), len(views)

    assert queries(pairs[:2])[0] == queries(pairs)[0]
