"""Approvals on phones: a leave request approved from the card in chat; a 会签 with two leaders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_pwa import log_in, open_conversation

pytestmark = pytest.mark.e2e

STAFF = "13800000003"  # 张晓明, 综合科科员
SECTION_HEAD = "13800000007"  # 吴晓燕, 综合科科长: his department head
DIRECTOR = "13800000001"  # 周建国, 市府办主任, unit admin
DISTRICT_HEAD = "13800000006"  # 黄海波, 东湖区政府办主任


def workbench_badge(page: Any) -> Any:
    return page.locator('[data-testid="tab-badge-workbench"]:visible')


def api(page: Any, method: str, path: str, data: Any = None) -> Any:
    """A REST call with the page's own session and CSRF cookie, as the PWA makes it."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.fetch(path, method=method, data=data, headers={"X-CSRFToken": token})
    assert response.ok, response.text()
    return response.json()


def person_id(page: Any, name: str) -> int:
    people = api(page, "GET", f"/api/v1/directory/search?q={name}")
    return int(next(p["id"] for p in people if p["name"] == name))


def calendar_day(page: Any, day: date) -> Any:
    """One day cell of Vant's calendar, found by its month title and number."""
    month = page.locator(".van-calendar__month").filter(
        has=page.locator(".van-calendar__month-title", has_text=f"{day.year}年{day.month}月")
    )
    return month.locator(".van-calendar__day").filter(has_text=re.compile(rf"^{day.day}\b"))


def fill_leave_form(page: Any) -> None:
    page.get_by_test_id("tab-workbench").click()
    page.get_by_test_id("tile-approvals").click()
    page.get_by_test_id("approval-template-leave").click()
    expect(page.get_by_test_id("approval-form")).to_be_visible()
    page.get_by_test_id("form-field-leave_type").locator(".van-field").click()
    page.locator(".van-picker__confirm:visible").click()
    page.get_by_test_id("form-field-period").locator(".van-field").click()
    # The browser's calendar counts days in the machine's local time zone.
    tomorrow = datetime.now(tz=UTC).astimezone().date() + timedelta(days=1)
    calendar_day(page, tomorrow).click()
    calendar_day(page, tomorrow + timedelta(days=1)).click()
    page.locator(".van-calendar__confirm:visible").click()
    expect(page.get_by_test_id("daterange-days")).to_contain_text("2")
    page.get_by_test_id("form-field-reason").locator("textarea").fill("参加全省政务服务培训")


def test_leave_request_is_approved_from_the_card(new_phone: Any) -> None:
    staff = log_in(new_phone(), STAFF)
    head = log_in(new_phone(), SECTION_HEAD)
    expect(workbench_badge(head)).to_have_count(0)

    fill_leave_form(staff)
    expect(staff.get_by_test_id("route-step").first).to_contain_text("吴晓燕")
    screenshot(staff, "20-approval-form")
    staff.get_by_test_id("approval-submit").click()
    expect(staff.get_by_test_id("approval-detail")).to_be_visible()
    expect(staff.get_by_test_id("approval-status")).to_contain_text("审批中")
    expect(staff.get_by_test_id("flow-step").first).to_contain_text("吴晓燕")
    screenshot(staff, "21-approval-detail")

    # The department head hears of it live: the tab badge, then the card in chat.
    expect(workbench_badge(head)).to_have_text("1")
    open_conversation(head, "审批助手")
    card = head.get_by_test_id("card").filter(has_text="张晓明的请假申请").last
    expect(card.get_by_test_id("card-note")).to_have_text("张晓明的请假申请，待您审批")
    expect(card.get_by_test_id("card-status")).to_have_text("审批中")
    expect(card.get_by_test_id("card-action-approve")).to_be_visible()
    expect(head.get_by_test_id("composer-disabled")).to_have_text("系统通知，无需回复")
    screenshot(head, "22-approval-card")

    staff.goto("/")
    open_conversation(staff, "审批助手")
    # The newest: earlier tests on this server may have left older requests of his.
    mine = staff.get_by_test_id("card").filter(has_text="张晓明的请假申请").last
    expect(mine.get_by_test_id("card-status")).to_have_text("审批中")
    # A card never shows a button its viewer may not press.
    expect(mine.get_by_test_id("card-action-approve")).to_have_count(0)
    # 催办 is not offered the second a request is submitted (ZT_APPROVAL_URGE_AFTER_MINUTES).
    expect(mine.get_by_test_id("card-action-withdraw")).to_be_visible()
    expect(mine.get_by_test_id("card-action-urge")).to_have_count(0)

    card.get_by_test_id("card-action-approve").click()
    confirm = head.get_by_test_id("card-opinion")
    if confirm.count():
        head.locator(".van-dialog__confirm:visible").click()
    expect(card.get_by_test_id("card-status")).to_have_text("已通过")
    expect(card.get_by_test_id("card-action-approve")).to_have_count(0)
    # Without a reload: the initiator's copy and the head's 待办 follow.
    expect(mine.get_by_test_id("card-status")).to_have_text("已通过")
    expect(mine.get_by_test_id("card-action-urge")).to_have_count(0)
    expect(workbench_badge(head)).to_have_count(0)
    expect(staff.get_by_test_id("card-note").last).to_have_text("您的请假申请已通过（吴晓燕）")
    screenshot(staff, "23-approval-card-approved")


def test_countersign_needs_both_leaders(new_phone: Any) -> None:
    director = log_in(new_phone(), DIRECTOR)
    district = log_in(new_phone(), DISTRICT_HEAD)
    staff = log_in(new_phone(), STAFF)
    leaders = [person_id(director, "周建国"), person_id(director, "黄海波")]
    template = api(
        director,
        "POST",
        "/api/v1/approvals/admin/templates",
        {
            "name": "联合发文会签",
            "category": "公文",
            "icon": "description",
            "fields": [{"key": "subject", "label": "事由", "type": "text", "required": True}],
            "nodes": [
                {
                    "id": "n1",
                    "type": "approver",
                    "name": "两办主任会签",
                    "assignees": {"kind": "users", "users": leaders},
                    "mode": "all",
                }
            ],
        },
    )
    created = api(
        staff,
        "POST",
        "/api/v1/approvals",
        {
            "template_id": template["id"],
            "form": {"subject": "联合印发旧改工作方案"},
            "client_id": "e2e-countersign",
        },
    )
    open_conversation(staff, "审批助手")
    mine = staff.get_by_test_id("card").filter(has_text="张晓明的联合发文会签申请").first
    expect(mine.get_by_test_id("card-status")).to_have_text("审批中")

    for page in (director, district):
        open_conversation(page, "审批助手")
    first = director.get_by_test_id("card").filter(has_text="联合发文会签").last
    second = district.get_by_test_id("card").filter(has_text="联合发文会签").last
    first.get_by_test_id("card-action-approve").click()
    expect(first.get_by_test_id("card-action-approve")).to_have_count(0)
    # One of two has signed: still running, and the other still has the button.
    expect(first.get_by_test_id("card-status")).to_have_text("审批中")
    expect(mine.get_by_test_id("card-status")).to_have_text("审批中")
    expect(second.get_by_test_id("card-action-approve")).to_be_visible()
    second.get_by_test_id("card-action-approve").click()
    expect(second.get_by_test_id("card-status")).to_have_text("已通过")
    expect(mine.get_by_test_id("card-status")).to_have_text("已通过")
    expect(first.get_by_test_id("card-status")).to_have_text("已通过")
    detail = api(staff, "GET", f"/api/v1/approvals/{created['id']}")
    results = [t["result"] for t in detail["route"][0]["tasks"]]
    assert results == ["approve", "approve"]
