"""`actions_for_many`: the viewer's buttons on a page of instances, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.directory.models import User
from backend.workflow import selectors
from backend.workflow.models import Instance
from tests.workflow.conftest import act, approver, start, users

pytestmark = pytest.mark.django_db


def states(staff: User, director: User, clerk: User, finance_head: User) -> list[Instance]:
    """Instances in every state that changes someone's buttons."""
    plain = start([approver("n1", users(director)), approver("n2", users(clerk))], staff)
    # 会签 free steps: only the last open handler may pass the step on.
    countersign = start([approver("n1", users(director, clerk), mode="all", free=True)], staff)
    one_left = start([approver("n1", users(director, clerk), mode="all", free=True)], staff)
    act(one_left, clerk, "approve")
    either = start([approver("n1", users(director, clerk), mode="any")], staff)
    chooses_next = start(
        [
            approver("n1", users(director)),
            approver("n2", {"kind": "chosen", "chooser": "previous"}),
        ],
        staff,
    )
    free = start([approver("n1", users(director), free=True)], staff)
    returned = start([approver("n1", users(clerk)), approver("n2", users(director))], staff)
    act(returned, clerk, "approve")
    act(returned, director, "return", opinion="请补充", target="initiator")
    approved = start([approver("n1", users(director))], staff)
    act(approved, director, "approve")
    urged = start([approver("n1", users(finance_head))], staff)
    act(urged, staff, "urge")
    cc = {"id": "c1", "type": "cc", "name": "抄送", "assignees": users(clerk)}
    copied = start([cc, approver("n1", users(director))], staff)
    instances = [
        plain,
        countersign,
        one_left,
        either,
        chooses_next,
        free,
        returned,
        approved,
        urged,
        copied,
    ]
    return list(
        Instance.objects.filter(pk__in=[i.pk for i in instances])
        .select_related("initiator")
        .order_by("pk")
    )


def test_actions_for_many_equals_actions_for_each_instance(
    staff: User, director: User, clerk: User, finance_head: User, outsider: User
) -> None:
    instances = states(staff, director, clerk, finance_head)
    now = timezone.now()
    for viewer in (staff, director, clerk, finance_head, outsider):
        one_by_one = {i.pk: selectors.actions_for(i, viewer, now) for i in instances}
        assert selectors.actions_for_many(instances, viewer, now) == one_by_one
    # The batch saw what differs between instances, not one instance's facts for all.
    mine = selectors.actions_for_many(instances, director, now)
    approve = {
        pk: next((a for a in acts if a["action"] == "approve"), None) for pk, acts in mine.items()
    }
    plain, countersign, one_left, either, chooses_next, free = (i.pk for i in instances[:6])
    assert approve[chooses_next] is not None and approve[chooses_next]["needs_next_assignees"]
    assert approve[free] is not None and approve[free]["may_pass_on"]
    assert approve[countersign] is not None and not approve[countersign]["may_pass_on"]
    assert approve[one_left] is not None and approve[one_left]["may_pass_on"]
    assert {pk for pk, a in approve.items() if a is not None} == {
        plain,
        countersign,
        one_left,
        either,
        chooses_next,
        free,
        instances[9].pk,
    }
    assert mine[instances[8].pk] == []  # not involved in 陈志明's request


def test_actions_for_many_costs_the_same_for_few_and_many(
    staff: User, director: User, clerk: User, finance_head: User
) -> None:
    instances = states(staff, director, clerk, finance_head)
    now = timezone.now()

    def queries(page: list[Instance]) -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.actions_for_many(page, director, now)
        return len(captured)

    # Pages the director handles, with one they are not in (so their CC rows are asked).
    few = [instances[0], instances[1], instances[8]]
    assert queries(few) == queries(instances) == 3
