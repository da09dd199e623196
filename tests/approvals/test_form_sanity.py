"""Requests that cannot be meant are refused with a clear error and change nothing (#15):
dates far outside today's decade, a room booking that starts in the past."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.approvals import services
from backend.approvals.models import Approval, MeetingRoom, RoomBooking
from backend.common.errors import InvalidInput, RateLimited
from backend.directory.models import User
from backend.workflow.services import ActParams
from realtime import cards
from realtime.models import Message
from tests.approvals.test_services import cards_of, leave_form, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("start", "end"),
    [("1900-01-01", "1900-01-02"), ("9999-12-30", "9999-12-31"), (None, "9999-12-31")],
)
def test_leave_dates_out_of_any_sane_range_are_refused(
    staff: User, director: User, start: str | None, end: str
) -> None:
    form = leave_form()
    form["period"] = {"start": start or form["period"]["start"], "end": end}
    with pytest.raises(InvalidInput) as error:
        submit(staff, form=form)
    assert error.value.code == "invalid_form"
    low, high = timezone.localdate().year - 10, timezone.localdate().year + 10
    assert (error.value.fields or {})["period"] == f"请假时间须在{low}年至{high}年之间"
    assert Approval.objects.count() == 0
    assert Message.objects.filter(kind=Message.Kind.CARD).count() == 0


def test_a_room_booking_partly_in_the_past_is_refused(staff: User, director: User) -> None:
    room = MeetingRoom.objects.filter(unit__short_name="市府办").first()
    assert room is not None
    now = timezone.localtime()
    form = {
        "room": room.pk,
        "time": {
            "start": (now - timedelta(hours=1)).isoformat(timespec="seconds"),
            "end": (now + timedelta(hours=1)).isoformat(timespec="seconds"),
        },
        "topic": "项目调度会",
        "attendees": 12,
    }
    with pytest.raises(InvalidInput) as error:
        submit(staff, code="room", form=form)
    assert error.value.code == "room_time_past"
    assert error.value.fields == {"time": "会议开始时间已过，请选择现在之后的时段"}
    assert Approval.objects.count() == 0
    assert RoomBooking.objects.count() == 0


def test_a_rejection_card_says_who_rejected_and_why_and_one_without_opinion_who(
    staff: User, director: User
) -> None:
    rejected = submit(staff)
    services.approval_act(
        actor=director,
        approval_id=rejected.pk,
        action="reject",
        params=ActParams(opinion="  年底工作任务重，\n请调整到下月  "),
    )
    assert cards_of(staff)[-1].data["title"] == (
        "您的请假申请已驳回。王建国：年底工作任务重， 请调整到下月"
    )
    approved = submit(staff)
    services.approval_act(actor=director, approval_id=approved.pk, action="approve")
    assert cards_of(staff)[-1].data["title"] == "您的请假申请已通过（王建国）"


def test_urge_is_offered_only_a_configured_time_after_submission(
    staff: User, director: User, settings: Any
) -> None:
    settings.ZT_APPROVAL_URGE_AFTER_MINUTES = 30
    approval = submit(staff)
    card = cards.get("approval")
    assert "urge" not in [a["action"] for a in card.render(str(approval.pk), staff)["actions"]]
    with pytest.raises(RateLimited) as error:
        services.approval_act(actor=staff, approval_id=approval.pk, action="urge")
    assert error.value.code == "urge_too_early"
    assert error.value.message == "提交30分钟后才能催办，请稍后再试"
    # Half an hour later (the request's clock moved back): offered, and it works.
    Approval.objects.filter(pk=approval.pk).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )
    assert "urge" in [a["action"] for a in card.render(str(approval.pk), staff)["actions"]]
    services.approval_act(actor=staff, approval_id=approval.pk, action="urge")
