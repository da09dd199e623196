"""The approval card carries the detail page's actions in the one server-described shape."""

from __future__ import annotations

import pytest

from backend.approvals import selectors
from backend.directory.models import User
from realtime import cards
from tests.approvals.test_services import submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_card_actions_are_the_detail_actions_a_card_can_carry(
    staff: User, director: User, clerk: User
) -> None:
    approval = submit(staff)
    view = cards.get("approval").render(str(approval.pk), director)
    detail = selectors.detail(approval, director)
    by_name = {a["action"]: a for a in detail["actions"]}
    assert view["actions"] == [by_name[a["action"]] for a in view["actions"]]
    reject = next(a for a in view["actions"] if a["action"] == "reject")
    assert (reject["opinion"], reject["needs_opinion"], reject["opinion_label"]) == (
        "required",
        True,
        "审批意见",
    )


def test_urging_from_the_card_leaves_urge_disabled_with_its_reason(
    staff: User, director: User, clerk: User
) -> None:
    approval = submit(staff)
    view = cards.get("approval").act(str(approval.pk), staff, "urge", {})
    urge = next(a for a in view["actions"] if a["action"] == "urge")
    assert (urge["enabled"], urge["disabled_reason"]) == (False, "5分钟内只能催办一次")
    withdraw = next(a for a in view["actions"] if a["action"] == "withdraw")
    assert withdraw["confirm"] == "撤回后该审批将终止，确定撤回？"
