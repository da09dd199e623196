"""督办 services: create, split, report, 催办, 办结 and 延期 through the flow engine;
visibility; bad input refused with its catalogued code and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.audit.models import AuditEntry
from backend.common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from backend.directory import services as directory
from backend.directory.models import Department, Role, User
from backend.supervision import cards, selectors, services
from backend.supervision.models import Application, Milestone, Report, SupervisionTask, Urge
from realtime.events import SentEvent
from realtime.models import Message
from tests.conftest import events_of, person
from tests.supervision.conftest import create, days, split

pytestmark = pytest.mark.django_db(transaction=True)


def cards_of(user: User) -> list[str]:
    """The titles of the 督办 cards in the person's chats, oldest first."""
    return [
        m.data.get("title", "")
        for m in Message.objects.filter(
            kind=Message.Kind.CARD, card_type="supervision", conversation__memberships__user=user
        ).order_by("pk")
    ]


def visible(viewer: User, *tasks: SupervisionTask) -> list[bool]:
    found = selectors.tasks_visible(viewer=viewer, task_ids=[t.pk for t in tasks])
    return [t.pk in found for t in tasks]


def test_create_makes_the_lead_and_assist_nodes_and_sends_each_owner_a_card(
    director: User, finance_head: User, edu_head: User
) -> None:
    root = create(director, finance_head, assists=(edu_head,), cycle="weekly")
    [assist] = root.children.all()
    assert (root.role, root.path, root.depth, root.supervisor_id) == (
        "lead",
        f"/{root.pk}/",
        0,
        director.pk,
    )
    assert (assist.role, assist.path, assist.root_id, assist.supervisor_id) == (
        "assist",
        f"/{root.pk}/{assist.pk}/",
        root.pk,
        finance_head.pk,
    )
    assert cards_of(finance_head) == ["您有新的督办事项（牵头）：推进政务服务一网通办"]
    assert cards_of(edu_head) == ["您有新的督办事项（协办）：推进政务服务一网通办"]
    assert AuditEntry.objects.filter(action="supervision.create", actor=director).count() == 1


def test_owners_see_their_part_and_below_the_creator_sees_everything_other_units_nothing(
    director: User,
    finance_head: User,
    budget_staff: User,
    edu_head: User,
    outsider: User,
    civil: User,
) -> None:
    root = create(director, finance_head, assists=(edu_head,))
    [assist] = root.children.all()
    sub = split(finance_head, root, budget_staff)
    assert visible(director, root, assist, sub) == [True, True, True]
    assert visible(finance_head, root, assist, sub) == [True, True, True]
    assert visible(budget_staff, root, assist, sub) == [False, False, True]
    assert visible(edu_head, root, assist, sub) == [False, True, False]
    assert visible(outsider, root, assist, sub) == [False, False, False]
    assert visible(civil, root, assist, sub) == [False, False, False]
    with pytest.raises(NotFound) as e:
        selectors.task_get(viewer=civil, task_id=root.pk)
    assert e.value.code == "supervision_not_found"


def test_only_a_leader_or_supervision_staff_may_create(
    director: User, staff: User, finance_head: User
) -> None:
    with pytest.raises(PermissionDenied) as e:
        create(staff, finance_head)
    assert e.value.code == "not_supervisor_role"
    assert not SupervisionTask.objects.exists()


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"cycle": "custom", "cycle_days": 0}, "invalid_cycle", None),
        ({"cycle": "daily"}, "invalid_supervision", "cycle"),
        ({"title": "  "}, "invalid_supervision", "title"),
        ({"importance": "urgent"}, "invalid_supervision", "importance"),
        ({"supervisor_id": 999999}, "invalid_supervision", "supervisor_id"),
        ({"source_type": "email"}, "invalid_supervision", "source_type"),
        ({"deadline": -1}, "invalid_supervision", "deadline"),
        ({"milestones": [("方案", days(40))]}, "invalid_supervision", "milestones.0.due"),
    ],
)
def test_bad_task_input_is_refused_and_nothing_is_written(
    director: User, finance_head: User, extra: dict[str, Any], code: str, field: str | None
) -> None:
    with pytest.raises(InvalidInput) as e:
        create(director, finance_head, **extra)
    assert e.value.code == code
    if field:
        assert field in (e.value.fields or {})
    assert not SupervisionTask.objects.exists()
    assert not Message.objects.filter(kind=Message.Kind.CARD).exists()


def test_an_owner_not_in_the_named_unit_is_refused(
    director: User, finance_head: User, org: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput) as e:
        services.task_create(
            actor=director,
            data=services.TaskInput(
                title="事项",
                deadline=days(5),
                lead=services.PartInput(owner_id=finance_head.pk, unit_id=org["office"].pk),
            ),
        )
    assert e.value.fields == {"lead.owner_id": "责任人不在所选单位或部门"}


def test_split_any_depth_by_the_owner_only_and_never_after_the_parents_deadline(
    director: User, finance_head: User, budget_staff: User, outsider: User
) -> None:
    root = create(director, finance_head, deadline=30)
    sub = split(finance_head, root, budget_staff, deadline=20)
    deeper = split(budget_staff, sub, outsider, deadline=10, title="收集材料")
    assert (deeper.depth, deeper.path, deeper.root_id, deeper.supervisor_id) == (
        2,
        f"/{root.pk}/{sub.pk}/{deeper.pk}/",
        root.pk,
        budget_staff.pk,
    )
    assert cards_of(outsider) == ["孙七分解给您的督办任务：收集材料"]
    with pytest.raises(InvalidInput) as e:
        split(budget_staff, sub, outsider, deadline=21)
    assert e.value.code == "deadline_after_parent"
    assert "（" in e.value.message
    with pytest.raises(PermissionDenied) as e2:
        split(finance_head, sub, outsider, deadline=5)  # sub is 孙七's part
    assert e2.value.code == "not_task_owner"
    with pytest.raises(NotFound):
        split(outsider, root, budget_staff)  # 赵六 cannot even see the root
    assert SupervisionTask.objects.count() == 3


def test_reports_move_the_percent_meet_milestones_and_refuse_100_and_strangers(
    director: User, finance_head: User, outsider: User
) -> None:
    root = create(director, finance_head, milestones=[("方案报批", days(10))])
    [milestone] = root.milestones.all()
    report = services.report_submit(
        actor=finance_head,
        task_id=root.pk,
        text="已完成方案初稿",
        percent=40,
        milestones_done=[milestone.pk],
    )
    root.refresh_from_db()
    assert (root.percent, report.percent, report.late) == (40, 40, False)
    assert Milestone.objects.get(pk=milestone.pk).done_at is not None
    with pytest.raises(InvalidInput) as e:
        services.report_submit(actor=finance_head, task_id=root.pk, text="完成", percent=100)
    assert e.value.code == "percent_needs_finish"
    with pytest.raises(InvalidInput) as e:
        services.report_submit(actor=finance_head, task_id=root.pk, text="x", percent=101)
    assert e.value.fields == {"percent": "进度应为0至100的整数"}
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=director, task_id=root.pk, text="代报", percent=50)
    assert Report.objects.count() == 1


def test_urge_by_the_supervisor_or_above_reaches_the_owner_and_counts(
    director: User,
    finance_head: User,
    budget_staff: User,
    outsider: User,
    events: list[SentEvent],
    settings: Any,
) -> None:
    settings.ZT_SUPERVISION_URGE_INTERVAL_MINUTES = 0  # two 催办 in a row (the limit: below)
    root = create(director, finance_head)
    sub = split(finance_head, root, budget_staff)
    services.task_urge(actor=director, task_id=sub.pk, message="请本周内报送清单")
    services.task_urge(actor=finance_head, task_id=sub.pk, message="抓紧")
    sub.refresh_from_db()
    assert sub.urge_count == 2
    assert cards_of(budget_staff)[-2:] == [
        "王建国催办：梳理事项清单，请本周内报送清单",
        "陈志明催办：梳理事项清单，抓紧",
    ]
    with pytest.raises(PermissionDenied) as e:
        services.task_urge(actor=budget_staff, task_id=sub.pk, message="自己催自己")
    assert e.value.code == "not_above_owner"
    with pytest.raises(InvalidInput):
        services.task_urge(actor=director, task_id=sub.pk, message=" ")
    assert Urge.objects.count() == 2
    assert events_of(events, "card.updated")
    # Everyone who sees the sub-task hears that it and its parent changed.
    last = events_of(events, "supervision.changed")[-1]
    assert last.event["data"] == {"task_ids": [root.pk, sub.pk]}
    assert set(last.user_ids) == {director.pk, finance_head.pk, budget_staff.pk}


def test_finish_goes_through_the_flow_approve_finishes_return_reopens(
    director: User, finance_head: User, budget_staff: User
) -> None:
    root = create(director, finance_head)
    sub = split(finance_head, root, budget_staff)
    with pytest.raises(Conflict) as e:
        services.finish_apply(actor=finance_head, task_id=root.pk, result="已完成")
    assert (e.value.code, e.value.message) == (
        "subtasks_open",
        "还有1项子任务未办结，不能申请办结",
    )
    application = services.finish_apply(actor=budget_staff, task_id=sub.pk, result="清单已报送")
    assert (application.approver_id, application.instance is not None) == (finance_head.pk, True)
    assert cards_of(finance_head)[-1] == "孙七提交办结申请：梳理事项清单，待您审核"
    with pytest.raises(Conflict) as e:
        services.finish_apply(actor=budget_staff, task_id=sub.pk, result="再次")
    assert e.value.code == "application_pending"
    with pytest.raises(PermissionDenied):
        services.application_decide(actor=director, task_id=sub.pk, decision="approve")
    services.application_decide(
        actor=finance_head, task_id=sub.pk, decision="return", opinion="请补充佐证材料"
    )
    sub.refresh_from_db()
    application.refresh_from_db()
    assert (sub.status, application.status, application.opinion) == (
        "active",
        "returned",
        "请补充佐证材料",
    )
    assert cards_of(budget_staff)[-1] == "您的办结申请被退回：梳理事项清单，请补充佐证材料"
    services.finish_apply(actor=budget_staff, task_id=sub.pk, result="已补充材料")
    services.application_decide(actor=finance_head, task_id=sub.pk, decision="approve")
    sub.refresh_from_db()
    assert (sub.status, sub.percent, sub.finished_at is not None) == ("done", 100, True)
    with pytest.raises(Conflict) as e:
        services.report_submit(actor=budget_staff, task_id=sub.pk, text="补充", percent=10)
    assert e.value.code == "task_finished"
    services.finish_apply(actor=finance_head, task_id=root.pk, result="全部完成")
    services.application_decide(actor=director, task_id=root.pk, decision="approve")
    root.refresh_from_db()
    assert root.status == "done"
    assert Application.objects.filter(status="approved").count() == 2


def test_extension_moves_the_deadline_once_approved_and_never_past_the_parent(
    director: User, finance_head: User, budget_staff: User
) -> None:
    root = create(director, finance_head, deadline=30)
    sub = split(finance_head, root, budget_staff, deadline=10)
    with pytest.raises(InvalidInput) as e:
        services.extension_apply(
            actor=budget_staff, task_id=sub.pk, new_deadline=days(31), reason="工作量大"
        )
    assert e.value.code == "deadline_after_parent"
    with pytest.raises(InvalidInput) as e:
        services.extension_apply(
            actor=budget_staff, task_id=sub.pk, new_deadline=days(10), reason="工作量大"
        )
    assert e.value.code == "invalid_extension"
    services.extension_apply(
        actor=budget_staff, task_id=sub.pk, new_deadline=days(25), reason="需协调三个部门"
    )
    sub.refresh_from_db()
    assert sub.deadline == days(10)  # not before it is approved
    services.application_decide(actor=finance_head, task_id=sub.pk, decision="approve")
    sub.refresh_from_db()
    assert sub.deadline == days(25)
    assert cards_of(budget_staff)[-1].startswith("您的延期申请已通过")


def test_deciding_without_a_pending_application_is_a_conflict(
    director: User, finance_head: User
) -> None:
    root = create(director, finance_head)
    with pytest.raises(Conflict) as e:
        services.application_decide(actor=director, task_id=root.pk, decision="approve")
    assert e.value.code == "no_pending_application"


def test_urge_at_most_once_per_task_in_the_interval_whoever_urges(
    director: User, finance_head: User, budget_staff: User, settings: Any
) -> None:
    settings.ZT_SUPERVISION_URGE_INTERVAL_MINUTES = 30
    root = create(director, finance_head)
    sub = split(finance_head, root, budget_staff)
    services.task_urge(actor=director, task_id=sub.pk, message="请本周内报送清单")
    card = cards.SupervisionCard()
    [urge] = [a for a in card.render(str(sub.pk), finance_head)["actions"] if a["action"] == "urge"]
    assert (urge["enabled"], urge["disabled_reason"]) == (
        False,
        "该事项30分钟内已催办过，请稍后再催办",
    )
    with pytest.raises(RateLimited) as e:
        services.task_urge(actor=finance_head, task_id=sub.pk, message="抓紧")
    assert (e.value.code, e.value.message) == (
        "urged_recently",
        "该事项30分钟内已催办过，请稍后再催办",
    )
    sub.refresh_from_db()
    assert (sub.urge_count, Urge.objects.count()) == (1, 1)
    assert cards_of(budget_staff)[-1] == "王建国催办：梳理事项清单，请本周内报送清单"
    # Another task of the same owner is not held back.
    other = split(finance_head, root, budget_staff, title="另一项")
    services.task_urge(actor=director, task_id=other.pk, message="一并推进")
    # Half an hour later (the clock moved back on the row): urged again.
    SupervisionTask.objects.filter(pk=sub.pk).update(
        last_urged_at=timezone.now() - timedelta(minutes=30)
    )
    services.task_urge(actor=finance_head, task_id=sub.pk, message="抓紧")
    sub.refresh_from_db()
    assert sub.urge_count == 2
    [urge] = [a for a in card.render(str(sub.pk), director)["actions"] if a["action"] == "urge"]
    assert urge["enabled"] is False


def test_split_only_to_people_below_the_splitter(
    org: dict[str, Any],
    director: User,
    finance_head: User,
    budget_staff: User,
    outsider: User,
    civil: User,
) -> None:
    """A department head gives to their department (and below); a staff member only to a
    lower post of their department; a unit leader anywhere in their unit and below."""
    treasury = Department.objects.create(unit=org["finance"], name="国库科")
    peer = person("13900000009", "钱九", treasury, "科员", 60)
    root = create(director, finance_head)
    refused = [
        (finance_head, root, civil),  # another unit
        (finance_head, root, peer),  # 国库科: not a department 陈志明 heads
        (finance_head, root, finance_head),  # oneself
    ]
    sub = split(finance_head, root, budget_staff)  # 预算科 科员 under its head: allowed
    refused.append((budget_staff, sub, finance_head))  # 孙七 (rank 80) to the head: up
    for actor, parent, owner in refused:
        with pytest.raises(PermissionDenied) as e:
            split(actor, parent, owner, deadline=10)
        assert (e.value.code, e.value.message) == (
            "owner_not_below",
            "只能分解给本单位、本部门及下级单位的人员",
        )
        assert e.value.fields == {"part.owner_id": "只能分解给本单位、本部门及下级单位的人员"}
    deeper = split(budget_staff, sub, outsider, deadline=10)  # 赵六 (rank 90): a lower post
    assert deeper.owner_id == outsider.pk
    # A leader of the unit reaches every department of it and the units below it.
    directory.role_grant(actor=None, user=finance_head, unit=org["finance"], role=Role.LEADER)
    district = directory.unit_create(
        name="江城区财政局",
        short_name="区财政局",
        parent=org["finance"],
        level="district",
        kind="department",
        code="JC-D-FIN",
    )
    below = person(
        "13900000010", "吴十", Department.objects.create(unit=district, name="预算股"), "股长", 1
    )
    assert split(finance_head, root, peer, deadline=10).owner_id == peer.pk
    assert split(finance_head, root, below, deadline=10).unit_id == district.pk
    with pytest.raises(PermissionDenied):
        split(finance_head, root, civil, deadline=10)
    assert SupervisionTask.objects.filter(owner=civil).count() == 0
