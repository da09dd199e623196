"""Everyday chat defects of issue #15, as an official meets them on a phone (390×844)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2EServer, screenshot
from tests.e2e.seed_history import history_text
from tests.e2e.test_pwa import log_in, open_conversation, send_text
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
    expect(sent.get_by_test_id("read-status")).to_have_text(re.compile(r"\d+人未读"))
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
    mine.get_by_test_id("read-status").click()
    unread_list = phone.get_by_test_id("receipts-unread-list")
    expect(unread_list.get_by_test_id("receipt-person")).to_have_count(unread_at_first - 1)
    read_tab = phone.get_by_test_id("receipts-popup").locator(".van-tab").nth(1)
    expect(read_tab).to_have_text(re.compile(r"已读\s*1$"))
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
