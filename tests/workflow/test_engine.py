"""The flow engine: each action, each node mode, conditions, deadlines, permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backend.common.errors import Conflict, InvalidInput, PermissionDenied, RateLimited
from backend.directory import services as directory
from backend.directory.models import Role, User
from backend.workflow import selectors
from backend.workflow.definitions import InvalidFlow, validate_nodes
from backend.workflow.models import HistoryEntry, Instance, Task
from backend.workflow.services import TaskClosed, deadline_check
from tests.conftest import PASSWORD, require_postgresql
from tests.workflow.conftest import Recorder, act, approver, person, start, users

pytestmark = pytest.mark.django_db


def open_tasks(instance: Instance) -> list[tuple[str, str]]:
    return [
        (t.assignee.name, t.state)
        for t in instance.tasks.filter(state__in=Task.OPEN).order_by("pk")
    ]


def actions(instance: Instance) -> list[str]:
    return list(instance.history.order_by("seq").values_list("action", flat=True))


def test_single_approver_approves(staff: User, director: User, recorder: Recorder) -> None:
    instance = start([approver("n1", {"kind": "dept_head"})], staff)
    assert open_tasks(instance) == [("王建国", "pending")]
    act(instance, director, "approve", opinion="同意")
    instance.refresh_from_db()
    assert instance.state == "approved"
    assert instance.ended_at is not None
    assert open_tasks(instance) == []
    assert actions(instance) == ["submit", "approve", "finish"]
    assert [c.ended for _, c in recorder.changes] == [False, True]
    assert recorder.changes[0][1].opened[0].assignee_id == director.pk


def test_reject_needs_a_reason_and_ends_the_flow(staff: User, director: User) -> None:
    instance = start([approver("n1", users(director)), approver("n2", users(staff))], staff)
    with pytest.raises(InvalidInput) as error:
        act(instance, director, "reject")
    assert error.value.code == "opinion_required"
    assert actions(instance) == ["submit"]
    act(instance, director, "reject", opinion="材料不全")
    instance.refresh_from_db()
    assert instance.state == "rejected"
    assert open_tasks(instance) == []


def test_sequential_runs_in_order(staff: User, director: User, clerk: User) -> None:
    instance = start([approver("n1", users(clerk, director))], staff)
    assert open_tasks(instance) == [("李秀英", "pending"), ("王建国", "queued")]
    with pytest.raises(TaskClosed) as error:
        act(instance, director, "approve")
    assert error.value.code == "not_your_turn"
    act(instance, clerk, "approve")
    assert open_tasks(instance) == [("王建国", "pending")]
    act(instance, director, "approve")
    instance.refresh_from_db()
    assert instance.state == "approved"


def test_countersign_waits_for_everyone(
    staff: User, director: User, clerk: User, org: dict[str, Any]
) -> None:
    instance = start([approver("n1", users(director, clerk), mode="all")], staff)
    act(instance, director, "approve")
    instance.refresh_from_db()
    assert instance.state == "running"
    assert open_tasks(instance) == [("李秀英", "pending")]
    act(instance, clerk, "approve")
    instance.refresh_from_db()
    assert instance.state == "approved"


def test_any_one_wins_and_the_other_is_told(staff: User, director: User, clerk: User) -> None:
    instance = start(
        [approver("n1", users(director, clerk), mode="any"), approver("n2", users(staff))], staff
    )
    act(instance, clerk, "approve")
    with pytest.raises(TaskClosed) as error:
        act(instance, director, "approve")
    assert error.value.status == 409
    assert "李秀英" in error.value.message
    assert open_tasks(instance) == [("张三", "pending")]
    assert actions(instance).count("approve") == 1


def test_repeating_an_action_is_idempotent(staff: User, director: User, clerk: User) -> None:
    instance = start([approver("n1", users(director)), approver("n2", users(clerk))], staff)
    act(instance, director, "approve")
    act(instance, director, "approve")
    assert actions(instance) == ["submit", "approve"]
    with pytest.raises(TaskClosed):
        act(instance, director, "reject", opinion="改主意了")
    assert actions(instance) == ["submit", "approve"]


def test_a_stranger_cannot_act(staff: User, director: User, outsider: User) -> None:
    instance = start([approver("n1", users(director))], staff)
    with pytest.raises(PermissionDenied):
        act(instance, outsider, "approve")
    with pytest.raises(PermissionDenied):
        act(instance, outsider, "comment", opinion="路过")
    with pytest.raises(PermissionDenied):
        act(instance, director, "urge")


def test_condition_branch_adds_a_leader(
    staff: User, director: User, clerk: User, finance_head: User
) -> None:
    nodes = [
        approver("n1", users(clerk)),
        {
            "id": "b1",
            "type": "condition",
            "name": "金额判断",
            "branches": [
                {
                    "name": "大额",
                    "when": {"field": "amount", "op": "gt", "value": 5000},
                    "nodes": [approver("n2", users(director))],
                },
                {"name": "其他", "when": None, "nodes": []},
            ],
        },
    ]
    small = start(nodes, staff, facts={"amount": "4999.99"})
    large = start(nodes, staff, facts={"amount": "5000.01"})
    assert [s["id"] for s in small.route] == ["n1"]
    assert [s["id"] for s in large.route] == ["n1", "n2"]


def test_return_to_initiator_then_resubmit(staff: User, director: User) -> None:
    instance = start([approver("n1", users(director))], staff)
    act(instance, director, "return", opinion="请补充附件", target="initiator")
    instance.refresh_from_db()
    assert instance.state == "returned"
    assert open_tasks(instance) == []
    with pytest.raises(TaskClosed):
        act(instance, director, "approve")
    act(instance, staff, "resubmit", facts={"days": 2})
    instance.refresh_from_db()
    assert (instance.state, instance.round, instance.facts) == ("running", 2, {"days": 2})
    assert open_tasks(instance) == [("王建国", "pending")]
    # A new round: the initiator may withdraw again, since nobody has acted in it.
    act(instance, staff, "withdraw")
    instance.refresh_from_db()
    assert instance.state == "withdrawn"


def test_return_to_an_earlier_step_reopens_it(staff: User, director: User, clerk: User) -> None:
    instance = start([approver("n1", users(clerk)), approver("n2", users(director))], staff)
    act(instance, clerk, "approve")
    with pytest.raises(InvalidInput):
        act(instance, director, "return", opinion="重新核", target="n2")
    act(instance, director, "return", opinion="请重新核对", target="n1")
    instance.refresh_from_db()
    assert instance.current_index == 0
    assert open_tasks(instance) == [("李秀英", "pending")]
    assert instance.tasks.filter(step_id="n1").values_list("activation", flat=True).count() == 2
    act(instance, clerk, "approve")
    act(instance, director, "approve")
    instance.refresh_from_db()
    assert instance.state == "approved"


def test_transfer_hands_the_task_over(
    staff: User, director: User, clerk: User, finance_head: User
) -> None:
    instance = start([approver("n1", users(director))], staff)
    with pytest.raises(InvalidInput):
        act(instance, director, "transfer", user_id=director.pk)
    act(instance, director, "transfer", user_id=finance_head.pk, opinion="请陈局审核")
    assert open_tasks(instance) == [("陈志明", "pending")]
    with pytest.raises(TaskClosed):
        act(instance, director, "approve")
    act(instance, finance_head, "approve")
    instance.refresh_from_db()
    assert instance.state == "approved"


def test_add_sign_before_comes_back_to_me(staff: User, director: User, clerk: User) -> None:
    instance = start([approver("n1", users(director))], staff)
    act(instance, director, "add_sign", user_id=clerk.pk, position="before")
    assert open_tasks(instance) == [("王建国", "waiting"), ("李秀英", "pending")]
    with pytest.raises(TaskClosed):
        act(instance, director, "approve")
    act(instance, clerk, "approve", opinion="已核")
    assert open_tasks(instance) == [("王建国", "pending")]
    act(instance, director, "approve")
    instance.refresh_from_db()
    assert instance.state == "approved"


def test_add_sign_after_holds_an_any_step(
    staff: User, director: User, clerk: User, finance_head: User
) -> None:
    instance = start(
        [approver("n1", users(director, staff), mode="any"), approver("n2", users(clerk))],
        finance_head,
    )
    act(instance, director, "add_sign", user_id=finance_head.pk, position="after")
    instance.refresh_from_db()
    assert instance.current_index == 0
    assert ("陈志明", "pending") in open_tasks(instance)
    act(instance, finance_head, "approve")
    assert open_tasks(instance) == [("李秀英", "pending")]


def test_withdraw_only_before_anyone_acts(staff: User, director: User, clerk: User) -> None:
    instance = start([approver("n1", users(clerk)), approver("n2", users(director))], staff)
    act(instance, clerk, "approve")
    with pytest.raises(Conflict) as error:
        act(instance, staff, "withdraw")
    assert error.value.code == "withdraw_too_late"
    fresh = start([approver("n1", users(clerk))], staff)
    act(fresh, staff, "withdraw")
    act(fresh, staff, "withdraw")  # repeated: nothing more happens
    fresh.refresh_from_db()
    assert fresh.state == "withdrawn"
    assert actions(fresh) == ["submit", "withdraw", "finish"]


def test_urge_reminds_handlers_at_most_every_five_minutes(
    staff: User, director: User, recorder: Recorder
) -> None:
    instance = start([approver("n1", users(director))], staff)
    act(instance, staff, "urge")
    assert recorder.changes[-1][1].urged_user_ids == [director.pk]
    with pytest.raises(RateLimited):
        act(instance, staff, "urge")
    Instance.objects.filter(pk=instance.pk).update(
        last_urged_at=timezone.now() - timedelta(minutes=6)
    )
    act(instance, staff, "urge")
    assert actions(instance).count("urge") == 2


def test_comment_by_participants(staff: User, director: User, clerk: User) -> None:
    instance = start(
        [
            approver("n1", users(director)),
            {"id": "c1", "type": "cc", "name": "抄送", "assignees": users(clerk)},
        ],
        staff,
    )
    act(instance, director, "approve")
    act(instance, clerk, "comment", opinion="已阅")
    with pytest.raises(InvalidInput):
        act(instance, staff, "comment", opinion="  ")
    assert actions(instance)[-1] == "comment"


def test_cc_step_informs_without_tasks(staff: User, director: User, clerk: User) -> None:
    cc = {"id": "c1", "type": "cc", "name": "抄送办公室", "assignees": users(clerk)}
    instance = start([cc, approver("n1", users(director))], staff)
    assert instance.ccs.get().user_id == clerk.pk
    assert open_tasks(instance) == [("王建国", "pending")]
    assert "cc" in actions(instance)


def test_chosen_by_initiator_and_by_previous(staff: User, director: User, clerk: User) -> None:
    nodes = [
        approver("n1", {"kind": "chosen", "chooser": "initiator"}),
        approver("n2", {"kind": "chosen", "chooser": "previous"}),
    ]
    with pytest.raises(InvalidInput) as error:
        start(nodes, staff)
    assert error.value.code == "chosen_required"
    instance = start(nodes, staff, chosen={"n1": [clerk.pk]})
    detail = selectors.actions_for(instance, clerk, timezone.now())
    assert detail[0]["needs_next_assignees"] is True
    with pytest.raises(InvalidInput) as error:
        act(instance, clerk, "approve")
    assert error.value.code == "next_assignees_required"
    assert open_tasks(instance) == [("李秀英", "pending")]  # rolled back
    act(instance, clerk, "approve", next_assignees=[director.pk])
    assert open_tasks(instance) == [("王建国", "pending")]


def test_relative_assignees(staff: User, director: User, clerk: User, org: dict[str, Any]) -> None:
    # The director heads the department, so their own 部门负责人 is above it:
    # no parent department here, so the unit's leader role — which is the
    # director; the fallback then is the unit admin (the director again).
    deputy = person(org, "13800000009", "刘副主任", leader=True)
    by_staff = start([approver("n1", {"kind": "dept_head"}, mode="any")], staff)
    assert sorted(by_staff.route[0]["assignee_ids"]) == sorted([director.pk, deputy.pk])
    by_director = start([approver("n1", {"kind": "dept_head"})], director)
    assert by_director.route[0]["assignee_ids"] == [deputy.pk]
    by_role = start([approver("n1", {"kind": "role", "role": "clerk"})], staff)
    assert by_role.route[0]["assignee_ids"] == [clerk.pk]
    above = start([approver("n1", {"kind": "leader", "levels": 2})], staff)
    assert above.route[0]["assignee_ids"] == [director.pk]  # unit leader role
    # A unit leader's superior is the parent unit's leader, never a deputy.
    mayor = directory.user_create(mobile="13800000010", name="市长", password=PASSWORD)
    directory.role_grant(actor=None, user=mayor, unit=org["city"], role=Role.LEADER)
    up = start([approver("n1", {"kind": "leader", "levels": 2})], director)
    assert up.route[0]["assignee_ids"] == [mayor.pk]


def test_nobody_found_falls_back_to_unit_admin_or_refuses(
    staff: User, director: User, finance_head: User, outsider: User
) -> None:
    instance = start([approver("n1", {"kind": "role", "role": "clerk"})], staff)
    assert instance.route[0]["assignee_ids"] == [director.pk]
    with pytest.raises(InvalidInput) as error:
        start([approver("n1", {"kind": "role", "role": "clerk"})], outsider)
    assert error.value.code == "no_assignee"


def test_deadline_marks_overdue_once(staff: User, director: User, recorder: Recorder) -> None:
    instance = start([approver("n1", users(director), deadline_hours=4)], staff)
    task = instance.tasks.get()
    assert task.due_at is not None
    # The worker's job is stored with the task, to run at the due time.
    job = DBTaskResult.objects.get(task_path="backend.workflow.tasks.task_deadline_check")
    assert job.run_after == task.due_at
    assert job.args_kwargs["args"] == [task.pk]
    assert not deadline_check(task.pk)  # not due yet
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert deadline_check(task.pk)
    assert not deadline_check(task.pk)
    task.refresh_from_db()
    assert task.overdue_at is not None
    assert recorder.changes[-1][1].overdue[0].pk == task.pk
    assert actions(instance)[-1] == "overdue"


def test_history_is_append_only_in_postgres(staff: User, director: User) -> None:
    require_postgresql("the append-only trigger is PostgreSQL's")
    from django.db import DatabaseError, transaction

    instance = start([approver("n1", users(director))], staff)
    with pytest.raises(DatabaseError), transaction.atomic():
        HistoryEntry.objects.filter(instance=instance).update(opinion="篡改")


def test_versions_keep_running_instances_on_their_shape(
    staff: User, director: User, clerk: User
) -> None:
    from backend.workflow.services import definition_save

    first = definition_save(key="leave", name="请假", nodes=[approver("n1", users(director))])
    second = definition_save(
        key="leave",
        name="请假",
        nodes=[approver("n1", users(clerk)), approver("n2", users(director))],
    )
    assert (first.number, second.number) == (1, 2)
    assert first.definition.versions.count() == 2
    first.refresh_from_db()
    assert len(first.nodes) == 1


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([], "流程至少需要一个审批节点"),
        ([approver("n1", {"kind": "users", "users": []})], "请选择指定人员"),
        ([approver("n1", {"kind": "role", "role": "king"})], "角色无效"),
        ([approver("n1", {"kind": "dept_head"}, mode="random")], "审批方式无效"),
        ([approver("n1", {"kind": "dept_head"}), approver("n1", {"kind": "dept_head"})], "重复"),
        ([approver("n1", {"kind": "leader", "levels": 9})], "领导层级"),
        ([approver("n1", {"kind": "dept_head"}, deadline_hours=0)], "办理时限"),
        (
            [
                approver("n1", {"kind": "dept_head"}),
                {
                    "id": "b1",
                    "type": "condition",
                    "name": "条件",
                    "branches": [
                        {"name": "a", "when": None, "nodes": []},
                        {"name": "b", "when": None, "nodes": []},
                    ],
                },
            ],
            "请设置分支条件",
        ),
    ],
)
def test_invalid_flows_are_refused(nodes: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(InvalidFlow) as error:
        validate_nodes(nodes)
    assert message in error.value.message


@pytest.mark.django_db(transaction=True)
def test_or_sign_race_between_two_connections(
    staff: User, director: User, clerk: User, finance_head: User
) -> None:
    """Two handlers press 同意 at the same moment, each on its own database connection."""
    require_postgresql("needs row locks across connections")
    import threading

    from django.db import connections

    instance = start(
        [approver("n1", users(director, clerk), mode="any"), approver("n2", users(finance_head))],
        staff,
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def press(person: User) -> None:
        try:
            barrier.wait()
            act(instance, person, "approve")
            outcomes[person.name] = "won"
        except TaskClosed as error:
            outcomes[person.name] = error.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(p,)) for p in (director, clerk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["task_closed", "won"]
    assert actions(instance).count("approve") == 1
    assert open_tasks(instance) == [("陈志明", "pending")]


def test_diagram_after_resubmit_shows_only_this_round(
    staff: User, director: User, clerk: User
) -> None:
    instance = start([approver("n1", users(clerk)), approver("n2", users(director))], staff)
    act(instance, clerk, "approve")
    act(instance, director, "return", opinion="请补充", target="initiator")
    act(instance, staff, "resubmit")
    instance.refresh_from_db()
    steps = selectors.route_view(instance)
    assert [(s["state"], len(s["tasks"])) for s in steps] == [("current", 1), ("future", 0)]
    assert steps[0]["tasks"][0]["state"] == "pending"


def test_free_flow_passes_on_until_a_handler_ends_it(
    staff: User, director: User, clerk: User, finance_head: User
) -> None:
    """自由流 (公文 style): each handler sends it on to people they pick, or ends the step."""
    instance = start(
        [approver("n1", users(clerk), free=True), approver("n2", users(director))], staff
    )
    assert selectors.actions_for(instance, clerk, timezone.now())[0]["may_pass_on"] is True
    act(instance, clerk, "approve", opinion="请陈局阅示", next_assignees=[finance_head.pk])
    instance.refresh_from_db()
    assert instance.current_index == 0
    assert open_tasks(instance) == [("陈志明", "pending")]
    act(instance, finance_head, "approve", opinion="同意")
    assert open_tasks(instance) == [("王建国", "pending")]
    with pytest.raises(InvalidFlow):
        validate_nodes([approver("n1", users(clerk), free="yes")])
