"""Approvals end to end in-process: templates, submit, cards in chat, 待办, rooms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.approvals import selectors, services
from backend.approvals.models import Approval, MeetingRoom, RoomBooking, Template
from backend.common.errors import InvalidInput, NotFound, PermissionDenied
from backend.directory.models import User
from backend.todo import registry
from backend.workflow.services import ActParams, TaskClosed
from realtime import cards
from realtime import services as chat
from realtime.events import SentEvent, capture_events
from realtime.models import Message
from tests.conftest import events_of

pytestmark = pytest.mark.django_db(transaction=True)


def template(staff: User, code: str) -> Template:
    return Template.objects.get(unit__short_name="市府办", code=code)


def leave_form(days: int = 2) -> dict[str, Any]:
    start = timezone.localdate() + timedelta(days=1)
    return {
        "leave_type": "事假",
        "period": {"start": str(start), "end": str(start + timedelta(days=days - 1))},
        "reason": "家中有事",
    }


def submit(
    staff: User, code: str = "leave", form: dict[str, Any] | None = None, **kw: Any
) -> Approval:
    return services.approval_submit(
        actor=staff,
        template_id=template(staff, code).pk,
        form=form if form is not None else leave_form(),
        client_id=kw.pop("client_id", f"c-{Approval.objects.count()}"),
        **kw,
    )


def cards_of(user: User) -> list[Message]:
    return list(
        Message.objects.filter(
            kind=Message.Kind.CARD, conversation__memberships__user=user
        ).order_by("pk")
    )


def test_every_unit_gets_the_builtins_and_rooms(org: dict[str, Any]) -> None:
    codes = set(Template.objects.filter(unit=org["office"]).values_list("code", flat=True))
    assert codes == {"leave", "travel", "vehicle", "seal", "room", "expense"}
    assert MeetingRoom.objects.filter(unit=org["finance"]).count() == 3
    services.builtins_ensure(org["office"])
    assert Template.objects.filter(unit=org["office"]).count() == 6


def test_submit_sends_cards_and_rings_todo(
    staff: User, director: User, clerk: User, events: list[SentEvent]
) -> None:
    approval = submit(staff)
    assert approval.status == "running"
    assert approval.number.startswith("SP")
    assert approval.title == "张三的请假申请"
    director_cards = cards_of(director)
    assert [m.data["title"] for m in director_cards] == ["张三的请假申请，待您审批"]
    assert director_cards[0].sender is not None and director_cards[0].sender.name == "审批助手"
    assert [m.data["title"] for m in cards_of(staff)] == ["您提交了请假申请"]
    assert registry.counts_for(director) == {
        "total": 1,
        "approvals": 1,
        "documents": 0,
        "supervision": 0,
    }
    todo = [e for e in events_of(events, "todo.changed") if e.user_ids == [director.pk]]
    assert todo[-1].event["data"]["counts"]["total"] == 1


def test_approving_from_the_card_updates_every_copy(
    staff: User, director: User, clerk: User, events: list[SentEvent]
) -> None:
    approval = submit(staff)
    card = cards.get("approval")
    mine = card.render(str(approval.pk), staff)
    theirs = card.render(str(approval.pk), director)
    assert [a["action"] for a in theirs["actions"]] == ["approve", "reject", "transfer"]
    # 催办 is not offered the second a request is submitted.
    assert [a["action"] for a in mine["actions"]] == ["withdraw"]
    assert theirs["link"] == f"/approvals/{approval.pk}"
    events.clear()
    after = card.act(str(approval.pk), director, "approve", {"opinion": "同意"})
    approval.refresh_from_db()
    assert approval.status == "approved"
    assert after["status_label"] == "已通过" and after["actions"] == []
    updated = events_of(events, "card.updated")
    reached = {uid for e in updated for uid in e.user_ids}
    assert {staff.pk, director.pk} <= reached
    # The result card says who decided and what they wrote.
    assert cards_of(staff)[-1].data["title"] == "您的请假申请已通过。王建国：同意"
    assert [m.data["title"] for m in cards_of(clerk)] == ["张三的请假申请，抄送给您"]
    assert registry.counts_for(director)["total"] == 0


def test_card_refuses_detail_only_actions(staff: User, director: User) -> None:
    approval = submit(staff)
    with pytest.raises(InvalidInput):
        cards.get("approval").act(str(approval.pk), director, "return", {"opinion": "x"})


def test_long_leave_adds_the_leader_step(staff: User, director: User, clerk: User) -> None:
    short = submit(staff, form=leave_form(days=3))
    long = submit(staff, form=leave_form(days=4))
    assert [s["id"] for s in short.flow.route] == ["n1", "c1"]
    assert [s["id"] for s in long.flow.route] == ["n1", "n2", "c1"]


def test_bad_form_changes_nothing(staff: User, director: User) -> None:
    with pytest.raises(InvalidInput) as error:
        submit(staff, form={"leave_type": "旷工", "reason": ""})
    assert error.value.code == "invalid_form"
    assert set(error.value.fields or {}) >= {"leave_type", "period", "reason"}
    assert Approval.objects.count() == 0
    assert Message.objects.filter(kind=Message.Kind.CARD).count() == 0


def test_same_client_id_submits_once(staff: User, director: User) -> None:
    first = submit(staff, client_id="once")
    second = submit(staff, client_id="once")
    assert first.pk == second.pk
    assert Approval.objects.count() == 1


def test_visibility(staff: User, director: User, outsider: User, clerk: User) -> None:
    approval = submit(staff)
    with pytest.raises(NotFound):
        selectors.approval_get(viewer=outsider, approval_id=approval.pk)
    hidden = cards.get("approval").render(str(approval.pk), outsider)
    assert hidden["actions"] == [] and hidden["fields"] == []
    with pytest.raises(NotFound):
        services.approval_act(actor=outsider, approval_id=approval.pk, action="approve")


def test_posting_into_a_group_shows_it_to_members(
    staff: User, director: User, outsider: User, clerk: User
) -> None:
    group = chat.group_create(actor=staff, name="秘书科", member_ids=[clerk.pk])
    with pytest.raises(InvalidInput):
        submit(staff, post_to=chat.group_create(actor=director, name="别的群", member_ids=[]).pk)
    approval = submit(staff, post_to=group.pk)
    posted = Message.objects.get(conversation=group, kind=Message.Kind.CARD)
    assert posted.sender_id == staff.pk
    view = cards.get("approval").render(str(approval.pk), clerk)
    # The title says what is asked: the leave type and the days.
    assert view["title"] == "张三的请假申请 · 事假2天" and view["actions"] == []
    assert selectors.approval_get(viewer=clerk, approval_id=approval.pk).pk == approval.pk


def test_lists_and_counts(staff: User, director: User, clerk: User) -> None:
    first = submit(staff)
    second = submit(staff)
    services.approval_act(actor=director, approval_id=first.pk, action="approve")
    counts = selectors.approval_counts(viewer=director)
    assert (counts["todo"], counts["done"]) == (1, 1)
    assert selectors.approval_counts(viewer=staff)["mine"] == 2
    assert selectors.approval_counts(viewer=clerk) == {
        "todo": 0,
        "done": 0,
        "mine": 0,
        "cc": 1,
        "cc_unread": 1,
    }
    todo = selectors.approval_list(viewer=director, box="todo")
    assert [a.pk for a in todo.items] == [second.pk]
    found = selectors.approval_list(viewer=staff, box="mine", query=second.number)
    assert [a.pk for a in found.items] == [second.pk]
    page = selectors.approval_list(viewer=staff, box="mine", limit=1)
    assert page.has_more and page.items[0].pk == second.pk
    rest = selectors.approval_list(viewer=staff, box="mine", before=second.pk)
    assert [a.pk for a in rest.items] == [first.pk]
    services.cc_mark_read(viewer=clerk, approval=first)
    assert selectors.approval_counts(viewer=clerk)["cc_unread"] == 0


def test_detail_has_route_history_and_my_actions(staff: User, director: User) -> None:
    approval = submit(staff)
    detail = selectors.detail(approval, director)
    assert [s["state"] for s in detail["route"]] == ["current", "future"]
    assert detail["route"][0]["tasks"][0]["assignee"]["name"] == "王建国"
    assert [h["action_label"] for h in detail["history"]] == ["提交申请"]
    assert {a["action"] for a in detail["actions"]} >= {"approve", "reject", "return", "comment"}
    labels = [f["label"] for f in detail["fields"]]
    assert labels[:3] == ["请假类型", "请假时间", "请假事由"]


def test_returned_request_is_resubmitted_with_a_new_form(staff: User, director: User) -> None:
    approval = submit(staff)
    services.approval_act(
        actor=director,
        approval_id=approval.pk,
        action="return",
        params=ActParams(opinion="请写明事由", target="initiator"),
    )
    approval.refresh_from_db()
    assert approval.status == "returned"
    assert (
        cards_of(staff)[-1].data["title"]
        == "您的请假申请被王建国退回：请写明事由。请修改后重新提交"
    )
    assert registry.counts_for(staff) == {
        "total": 1,
        "approvals": 1,
        "documents": 0,
        "supervision": 0,
    }
    form = {**leave_form(days=5), "reason": "家中老人住院，需陪护"}
    services.approval_act(actor=staff, approval_id=approval.pk, action="resubmit", form=form)
    approval.refresh_from_db()
    assert approval.status == "running"
    assert approval.form["period"]["days"] == 5
    assert [s["id"] for s in approval.flow.route] == ["n1", "n2", "c1"]


def room_form(room: MeetingRoom, start_hour: int, end_hour: int) -> dict[str, Any]:
    day = timezone.localdate() + timedelta(days=2)
    return {
        "room": room.pk,
        "time": {
            "start": f"{day}T{start_hour:02d}:00:00+08:00",
            "end": f"{day}T{end_hour:02d}:00:00+08:00",
        },
        "topic": "项目调度会",
        "attendees": 12,
    }


def test_room_bookings_never_overlap(staff: User, director: User, clerk: User) -> None:
    room = MeetingRoom.objects.filter(unit__short_name="市府办").first()
    assert room is not None
    first = submit(staff, code="room", form=room_form(room, 9, 11))
    with pytest.raises(services.RoomTaken) as error:
        submit(director, code="room", form=room_form(room, 10, 12))
    assert "张三" in error.value.message
    submit(director, code="room", form=room_form(room, 11, 12))  # back to back is fine
    services.approval_act(actor=staff, approval_id=first.pk, action="withdraw")
    assert not RoomBooking.objects.get(approval=first).is_active
    submit(director, code="room", form=room_form(room, 9, 10))


def test_template_editing_is_for_unit_admins(staff: User, director: User) -> None:
    data = {
        "name": "加班申请",
        "category": "人事",
        "fields": [
            {"key": "hours", "label": "加班时长", "type": "number", "required": True, "min": 1},
        ],
        "nodes": [
            {
                "id": "n1",
                "type": "approver",
                "name": "主任审批",
                "assignees": {"kind": "dept_head"},
                "mode": "sequential",
            },
            {
                "id": "b1",
                "type": "condition",
                "name": "时长",
                "branches": [
                    {
                        "name": "超过8小时",
                        "when": {"field": "hours", "op": "gt", "value": 8},
                        "nodes": [
                            {
                                "id": "n2",
                                "type": "approver",
                                "name": "局领导",
                                "assignees": {"kind": "role", "role": "leader"},
                                "mode": "any",
                            }
                        ],
                    },
                    {"name": "其他", "when": None, "nodes": []},
                ],
            },
        ],
    }
    with pytest.raises(PermissionDenied):
        services.template_save(actor=staff, data=data)
    created = services.template_save(actor=director, data=data)
    assert created.definition.current_version is not None
    approval = services.approval_submit(
        actor=staff, template_id=created.pk, form={"hours": 10}, client_id="ot-1"
    )
    assert [s["id"] for s in approval.flow.route] == ["n1", "n2"]
    broken = {
        **data,
        "nodes": [
            {
                **data["nodes"][1],
                "branches": [
                    {"name": "x", "when": {"field": "nope", "op": "gt", "value": 1}, "nodes": []},
                    {"name": "其他", "when": None, "nodes": []},
                ],
            }
        ],
    }
    with pytest.raises(InvalidInput) as error:
        services.template_save(actor=director, data=broken, template_id=created.pk)
    assert error.value.code == "invalid_flow"
    # An edit is a new version; the running request keeps its own.
    services.template_save(actor=director, data={**data, "name": "加班"}, template_id=created.pk)
    created.refresh_from_db()
    assert created.definition.current_version.number == 2
    assert approval.flow.version.number == 1


def test_or_sign_race_from_cards(staff: User, director: User, clerk: User) -> None:
    approval = submit(
        staff,
        code="vehicle",
        form={
            "time": {"start": "2026-12-01T09:00:00+08:00", "end": "2026-12-01T12:00:00+08:00"},
            "origin": "市政府",
            "destination": "东湖区",
            "passengers": 3,
            "reason": "调研",
        },
    )
    card = cards.get("approval")
    card.act(str(approval.pk), director, "approve", {})
    with pytest.raises(TaskClosed):
        card.act(str(approval.pk), director, "reject", {"opinion": "不行"})


def test_the_assistant_takes_no_replies(staff: User, director: User) -> None:
    submit(staff)
    conversation = cards_of(director)[0].conversation
    with pytest.raises(InvalidInput) as error:
        chat.message_send(actor=director, conversation_id=conversation.pk, text="收到")
    assert error.value.code == "peer_is_bot"
    assert not User.objects.filter(is_bot=True, name="审批助手").first().has_usable_password()


def test_opening_a_request_marks_it_read_for_a_cc_only(
    staff: User, director: User, clerk: User
) -> None:
    approval = submit(staff)
    services.approval_act(actor=director, approval_id=approval.pk, action="approve")
    assert selectors.approval_counts(viewer=clerk)["cc_unread"] == 1
    with capture_events() as sent:
        opened = services.approval_open(viewer=director, approval_id=approval.pk)
    assert opened.pk == approval.pk
    assert sent == []  # the handler is not a CC: nothing changes
    with capture_events() as sent:
        services.approval_open(viewer=clerk, approval_id=approval.pk)
    assert selectors.approval_counts(viewer=clerk)["cc_unread"] == 0
    assert [e.user_ids for e in events_of(sent, "todo.changed")] == [[clerk.pk]]
