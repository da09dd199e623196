"""The server-described action: one full shape, what each action needs, 催办 shown disabled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.directory.models import User
from backend.workflow import selectors
from backend.workflow.models import Instance
from realtime.cards import CardAction
from tests.workflow.conftest import act, approver, start, users

pytestmark = pytest.mark.django_db

SHAPE = {
    "action",
    "label",
    "style",
    "enabled",
    "disabled_reason",
    "opinion",
    "opinion_label",
    "needs_opinion",
    "needs_person",
    "needs_next_assignees",
    "may_pass_on",
    "positions",
    "targets",
    "confirm",
    "task_id",
}


def by_action(actions: list[CardAction]) -> dict[str, CardAction]:
    return {a["action"]: a for a in actions}


def test_every_action_is_fully_described_with_its_opinion_need(staff: User, director: User) -> None:
    instance = start([approver("n1", users(director))], staff)
    handler = by_action(selectors.actions_for(instance, director, timezone.now()))
    initiator = by_action(selectors.actions_for(instance, staff, timezone.now()))
    for entry in [*handler.values(), *initiator.values()]:
        assert set(entry) == SHAPE, entry["action"]
        assert entry["needs_opinion"] == (entry["opinion"] == "required")
        assert entry["opinion_label"] == ("" if entry["opinion"] == "none" else "审批意见")
        assert entry["enabled"] is True and entry["disabled_reason"] == ""
    needs = {name: a["opinion"] for name, a in {**handler, **initiator}.items()}
    assert needs == {
        "approve": "optional",
        "reject": "required",
        "return": "required",
        "transfer": "optional",
        "add_sign": "optional",
        "comment": "required",
        "urge": "none",
        "withdraw": "none",
    }
    task_id = handler["approve"]["task_id"]
    assert isinstance(task_id, int)
    assert {a["task_id"] for a in handler.values() if a["action"] != "comment"} == {task_id}
    assert initiator["urge"]["task_id"] is None
    assert handler["transfer"]["needs_person"] and handler["add_sign"]["needs_person"]
    assert not handler["approve"]["needs_person"]
    assert [p["id"] for p in handler["add_sign"]["positions"]] == ["before", "after"]
    assert handler["return"]["targets"] == [{"id": "initiator", "name": "发起人(张三)"}]
    assert handler["approve"]["positions"] == [] and handler["approve"]["targets"] == []
    assert initiator["withdraw"]["confirm"] == "撤回后该审批将终止，确定撤回？"
    assert initiator["withdraw"]["style"] == "danger" and handler["approve"]["style"] == "primary"
    assert handler["approve"]["confirm"] == ""


def test_resubmit_after_return_needs_nothing(staff: User, director: User) -> None:
    instance = start([approver("n1", users(director))], staff)
    act(instance, director, "return", opinion="补充材料", target="initiator")
    instance.refresh_from_db()
    resubmit = by_action(selectors.actions_for(instance, staff, timezone.now()))["resubmit"]
    assert (resubmit["opinion"], resubmit["style"], resubmit["confirm"]) == ("none", "primary", "")


def test_urge_is_shown_disabled_with_its_reason_during_the_interval(
    staff: User, director: User
) -> None:
    instance = start([approver("n1", users(director))], staff)
    act(instance, staff, "urge")
    instance.refresh_from_db()
    urge = by_action(selectors.actions_for(instance, staff, timezone.now()))["urge"]
    assert urge["enabled"] is False
    assert urge["disabled_reason"] == "5分钟内只能催办一次"
    Instance.objects.filter(pk=instance.pk).update(
        last_urged_at=timezone.now() - timedelta(minutes=6)
    )
    instance.refresh_from_db()
    urge = by_action(selectors.actions_for(instance, staff, timezone.now()))["urge"]
    assert (urge["enabled"], urge["disabled_reason"]) == (True, "")
