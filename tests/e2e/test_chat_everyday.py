"""Everyday chat defects of issue #15, as an official meets them on a phone (390×844)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2EServer, screenshot
from tests.e2e.seed_history import history_text
from tests.e2e.test_approvals import api
from tests.e2e.test_pwa import log_in, open_conversation, open_direct_chat, send_text
from tests.integration.harness import seed

pytestmark = pytest.mark.e2e

DIRECTOR = "13800000001"  # 周建国, 市政府办公室主任, owner of 市府办工作群
STAFF = "13800000003"  # 张晓明, 市政府办公室科员
SECTION_CHIEF = "13800000007"  # 吴晓燕, 综合科科长
OFFICE_GROUP = "市府办工作群"


def _unread_label(message: Any) -> int:
    text = message.get_by_test_id("read-status").inner_text()
    found = re.search(r"(\d+)人未读", text)
    assert found, f"no N人未读 label in {text!r}"
    return int(found.group(1))


def _api_unread(page: Any, conversation_id: int, seq: int) -> int:
    answer = page.request.get(f"/api/v1/conversations/{conversation_id}/receipts?seqs={seq}")
    assert answer.ok, answer.text()
    return int(answer.json()["counts"][str(seq)]["unread"])


def test_unread_label_agrees_with_list_and_api_for_messages_sent_before_reopening(
    new_phone: Any,
) -> None:
    # The director's phone sits on the chat list while the director's desk sends a notice.
    phone = log_in(new_phone(), DIRECTOR)
    desk = log_in(new_phone(), DIRECTOR)
    staff = log_in(new_phone(), STAFF)
    open_conversation(desk, OFFICE_GROUP)
    notice = f"请各科室今天下班前报送值班表 {uuid.uuid4().hex[:6]}"
    send_text(desk, notice)
    sent = desk.get_by_test_id("message").filter(has_text=notice)
    expect(sent.get_by_test_id("read-status")).to_have_text(
        re.compile(r"\d+人未读"), timeout=15_000
    )
    seq = int(sent.get_attribute("data-seq") or "0")
    conversation_id = int(desk.get_by_test_id("chat-view").get_attribute("data-conversation-id"))
    unread_at_first = _api_unread(desk, conversation_id, seq)
    expect(phone.get_by_test_id("conversation-item").filter(has_text=notice)).to_have_count(
        1, timeout=10_000
    )

    # One colleague reads it while the phone is not in the chat.
    open_conversation(staff, OFFICE_GROUP)
    expect(staff.get_by_test_id("message").filter(has_text=notice)).to_have_count(1)
    expect(sent.get_by_test_id("read-status")).to_have_text(
        f"{unread_at_first - 1}人未读", timeout=10_000
    )

    # The phone opens the chat: its label is the server's, not "members − 1".
    open_conversation(phone, OFFICE_GROUP)
    mine = phone.get_by_test_id("message").filter(has_text=notice)
    expect(mine.get_by_test_id("read-status")).to_have_text(
        f"{unread_at_first - 1}人未读", timeout=10_000
    )
    assert _unread_label(mine) == _api_unread(phone, conversation_id, seq)
    # The small label is a finger-sized target.
    label_box = mine.get_by_test_id("read-status").bounding_box()
    assert label_box and label_box["width"] >= 44 and label_box["height"] >= 44, label_box
    mine.get_by_test_id("read-status").click()
    unread_list = phone.get_by_test_id("receipts-unread-list")
    expect(unread_list.get_by_test_id("receipt-person")).to_have_count(unread_at_first - 1)
    read_tab = phone.get_by_test_id("receipts-popup").locator(".van-tab").nth(1)
    expect(read_tab).to_have_text(re.compile(r"已读\s*1$"))
    phone.wait_for_timeout(400)  # let the sheet finish sliding in
    screenshot(phone, "60-receipts-after-reopen")
    phone.locator(".van-overlay:visible").click(position={"x": 20, "y": 20})
    expect(phone.get_by_test_id("receipts-popup")).to_be_hidden()

    # Live: a second colleague reads, and the label follows without a reload.
    chief = log_in(new_phone(), SECTION_CHIEF)
    open_conversation(chief, OFFICE_GROUP)
    expect(chief.get_by_test_id("message").filter(has_text=notice)).to_have_count(1)
    expect(mine.get_by_test_id("read-status")).to_have_text(
        f"{unread_at_first - 2}人未读", timeout=10_000
    )
    assert _unread_label(mine) == _api_unread(phone, conversation_id, seq)
    screenshot(phone, "61-receipts-live")


HISTORY = 300


@pytest.fixture(scope="module")
def history_group(e2e_server: E2EServer) -> dict[str, Any]:
    return seed(
        e2e_server.env,
        {
            "owner": STAFF,
            "members": [DIRECTOR, SECTION_CHIEF],
            "name": "检索测试群",
            "messages": HISTORY,
        },
        module="tests.e2e.seed_history",
    )


def test_search_finds_people_groups_and_messages_and_opens_the_chat_at_the_hit(
    new_phone: Any, history_group: dict[str, Any]
) -> None:
    page = log_in(new_phone(), STAFF)
    page.goto("/search")
    search = page.get_by_test_id("search-input").locator("input")

    # People by full pinyin, with their unit and department on the row; the words marked.
    search.fill("zhouji")
    person = page.get_by_test_id("search-person").filter(has_text="周建国")
    expect(person).to_have_count(1, timeout=10_000)
    expect(person.get_by_test_id("search-person-unit")).to_contain_text("办公室")
    search.fill("吴晓燕")
    person = page.get_by_test_id("search-person").filter(has_text="吴晓燕")
    expect(person.get_by_test_id("search-hit-word")).to_have_text("吴晓燕", timeout=10_000)

    # Groups by name, messages by their words: the hit word is marked in both.
    search.fill("检索测试")
    group = page.get_by_test_id("search-conversation").filter(has_text="检索测试群")
    expect(group.get_by_test_id("search-hit-word")).to_have_text("检索测试", timeout=10_000)

    # An old message (far above the newest page): the chat opens AT it, highlighted.
    target = history_text(17)[:12]  # 「历史消息 0017 收到」
    search.fill(target)
    hit = page.get_by_test_id("search-message").filter(has_text=target)
    expect(hit).to_have_count(1, timeout=10_000)
    expect(hit.get_by_test_id("search-hit-word")).to_have_text(target)
    # The hit text uses the row's full width, not half of it.
    row_box = hit.bounding_box()
    text_box = hit.get_by_test_id("search-message-text").bounding_box()
    assert row_box and text_box and text_box["width"] > row_box["width"] * 0.7
    screenshot(page, "62-search-message-hit")
    hit.click()
    expect(page.get_by_test_id("chat-view")).to_be_visible()
    shown = page.get_by_test_id("message").filter(has_text=history_text(17))
    expect(shown).to_be_in_viewport(timeout=15_000)
    expect(page.locator("[data-hit='true']")).to_contain_text(history_text(17))
    screenshot(page, "63-search-opens-at-hit")
    # The newest message is not on screen: we are at the hit, not at the bottom.
    newest = page.get_by_test_id("message").filter(has_text=history_group["last_text"])
    expect(newest).not_to_be_in_viewport()


def _submit_leave(page: Any, client_id: str, days: int = 2) -> dict[str, Any]:
    templates = api(page, "GET", "/api/v1/approvals/templates")
    leave = next(t for t in templates if t["code"] == "leave")
    start = datetime.now(tz=UTC).astimezone().date() + timedelta(days=7)
    form = {
        "leave_type": "事假",
        "period": {"start": str(start), "end": str(start + timedelta(days=days - 1))},
        "reason": "家中老人住院，需陪护",
    }
    return api(
        page,
        "POST",
        "/api/v1/approvals",
        {"template_id": leave["id"], "form": form, "client_id": client_id},
    )


def test_reject_on_the_card_without_an_opinion_keeps_the_dialog_and_the_result_says_who(
    new_phone: Any,
) -> None:
    staff = log_in(new_phone(), STAFF)
    head = log_in(new_phone(), SECTION_CHIEF)
    _submit_leave(staff, f"e2e-reject-{uuid.uuid4().hex[:6]}")
    open_conversation(head, "审批助手")
    card = head.get_by_test_id("card").filter(has_text="张晓明的请假申请").last
    reject = card.get_by_test_id("card-action-reject")
    # Card buttons are finger-sized.
    box = reject.bounding_box()
    assert box and box["height"] >= 44, box
    reject.click()
    opinion = head.get_by_test_id("card-opinion")
    expect(opinion).to_be_visible()
    head.locator(".van-dialog__confirm:visible").click()
    # Nothing sent: the dialog stays and says what is missing.
    expect(opinion).to_be_visible()
    expect(opinion).to_contain_text("请填写审批意见")
    expect(card.get_by_test_id("card-status")).to_have_text("审批中")
    screenshot(head, "64-reject-needs-opinion")
    opinion.locator("textarea").fill("年底工作任务重，请调整到下月")
    head.locator(".van-dialog__confirm:visible").click()
    expect(opinion).to_be_hidden()
    expect(card.get_by_test_id("card-status")).to_have_text("已驳回", timeout=10_000)
    # The status tag has the detail page's colour (danger for 已驳回), not always blue.
    expect(card.get_by_test_id("card-status")).to_have_attribute("data-tone", "danger")

    # The initiator's result card says who decided and what they wrote.
    open_conversation(staff, "审批助手")
    note = staff.get_by_test_id("card-note").filter(has_text="已驳回").last
    expect(note).to_have_text(
        "您的请假申请已驳回。吴晓燕：年底工作任务重，请调整到下月", timeout=10_000
    )
    screenshot(staff, "65-rejected-result-card")

    # 重新提交 after a rejection: the form again, filled in, filed as a new request.
    staff.get_by_test_id("card").filter(has=note).get_by_test_id("card-link").click()
    expect(staff.get_by_test_id("approval-status")).to_contain_text("已驳回")
    staff.get_by_test_id("approval-action-copy").click()
    expect(staff.get_by_test_id("approval-form")).to_be_visible()
    reason = staff.get_by_test_id("form-field-reason").locator("textarea")
    expect(reason).to_have_value("家中老人住院，需陪护")
    screenshot(staff, "66a-resubmit-after-rejection")
    staff.get_by_test_id("approval-submit").click()
    expect(staff.get_by_test_id("approval-status")).to_contain_text("审批中", timeout=10_000)
    # Leave no 待办 behind for the other tests on this server: withdraw the new request.
    again = re.search(r"/approvals/(\d+)", staff.url)
    assert again, staff.url
    api(staff, "POST", f"/api/v1/approvals/{again.group(1)}/actions", {"action": "withdraw"})


def test_tap_targets_in_the_composer_and_the_reply_preview(new_phone: Any) -> None:
    page = log_in(new_phone(), STAFF)
    open_conversation(page, OFFICE_GROUP)
    icons = page.locator(".zt-composer__icon")
    expect(icons.first).to_be_visible()
    assert icons.count() >= 2
    for index in range(icons.count()):
        box = icons.nth(index).bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, box
    # Reply to a message: the preview's × is a 44 px target.
    page.get_by_test_id("message").last.get_by_test_id("message-bubble").click(button="right")
    page.get_by_test_id("message-menu").get_by_text("回复", exact=True).click()
    close = page.get_by_test_id("reply-cancel")
    expect(close).to_be_visible()
    expect(page.get_by_test_id("message-menu")).to_be_hidden()
    box = close.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44, box
    screenshot(page, "66-reply-preview")
    close.click()
    expect(page.get_by_test_id("reply-preview")).to_have_count(0)


def test_a_new_chat_says_no_old_news_recalls_say_who_and_muted_shows_a_struck_bell(
    new_phone: Any,
) -> None:
    page = log_in(new_phone(), STAFF)
    open_direct_chat(page, "刘芳")
    conversation_id = int(page.get_by_test_id("chat-view").get_attribute("data-conversation-id"))
    # A brand-new chat: nothing above to speak of.
    expect(page.get_by_test_id("message-list")).to_be_visible()
    expect(page.get_by_test_id("no-older")).to_have_count(0)
    text = f"刘科长，预算表请查收 {uuid.uuid4().hex[:6]}"
    send_text(page, text)
    sent = page.get_by_test_id("message").filter(has_text=text)
    expect(sent).to_have_attribute("data-message-id", re.compile(r"^\d+$"), timeout=10_000)
    expect(page.get_by_test_id("no-older")).to_have_count(0)
    screenshot(page, "67-new-direct-chat")
    sent.get_by_test_id("message-bubble").click(button="right")
    page.get_by_test_id("message-menu").get_by_text("撤回", exact=True).click()
    expect(
        page.get_by_test_id("recalled-message").filter(has_text="你撤回了一条消息")
    ).to_have_count(1, timeout=10_000)
    # 免打扰 on: the list shows a bell struck through, and who recalled.
    api(page, "PATCH", f"/api/v1/conversations/{conversation_id}/settings", {"muted": True})
    page.goto("/chats")
    row = page.get_by_test_id("conversation-item").filter(has_text="刘芳").first
    expect(row).to_contain_text("你撤回了一条消息", timeout=10_000)
    expect(row.get_by_test_id("muted-icon")).to_be_visible(timeout=10_000)
    screenshot(page, "68-chat-list-recalled-muted")
