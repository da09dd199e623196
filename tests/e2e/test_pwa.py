"""The PWA as officials use it: two phones, live chat, receipts, groups, offline."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.e2e

DIRECTOR = "13800000001"  # 周建国, 市政府办公室主任
STAFF = "13800000003"  # 张晓明, 市政府办公室科员
FINANCE_HEAD = "13800000004"  # 陈志明, 财政局局长


def log_in(context: Any, mobile: str) -> Any:
    page = context.new_page()
    page.goto("/login")
    page.get_by_test_id("login-mobile").locator("input").fill(mobile)
    page.get_by_test_id("login-password").locator("input").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("chats-view")).to_be_visible(timeout=15_000)
    return page


def open_direct_chat(page: Any, name: str) -> None:
    page.get_by_test_id("tab-contacts").click()
    page.get_by_test_id("contacts-search").locator("input").fill(name)
    page.get_by_test_id("person-row").filter(has_text=name).first.click()
    page.get_by_test_id("person-message").click()
    expect(page.get_by_test_id("chat-view")).to_be_visible()


def send_text(page: Any, text: str) -> None:
    page.get_by_test_id("composer-input").fill(text)
    page.get_by_test_id("send-button").click()


def open_conversation(page: Any, name: str) -> None:
    page.get_by_test_id("tab-chats").click()
    page.get_by_test_id("conversation-item").filter(has_text=name).first.click()
    expect(page.get_by_test_id("chat-view")).to_be_visible()


def png_bytes() -> bytes:
    image = Image.new("RGB", (320, 200), (200, 40, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_login_errors_and_main_screens(new_phone: Any) -> None:
    page = new_phone().new_page()
    page.goto("/login")
    screenshot(page, "01-login")
    page.get_by_test_id("login-mobile").locator("input").fill(DIRECTOR)
    page.get_by_test_id("login-password").locator("input").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("密码错误")
    screenshot(page, "02-login-error")

    page = log_in(new_phone(), DIRECTOR)
    expect(page.get_by_test_id("conversation-item").first).to_be_visible()
    screenshot(page, "03-chats")
    open_conversation(page, "全市项目调度群")
    expect(page.get_by_test_id("message").first).to_be_visible()
    screenshot(page, "04-group-chat")
    page.get_by_test_id("tab-contacts").click() if page.get_by_test_id(
        "tab-contacts"
    ).is_visible() else page.goto("/contacts")
    expect(page.get_by_test_id("contacts-view")).to_be_visible()
    screenshot(page, "05-contacts")
    page.get_by_test_id("contacts-search").locator("input").fill("zxm")
    expect(page.get_by_test_id("person-row").filter(has_text="张晓明")).to_be_visible()
    screenshot(page, "06-contacts-search-initials")
    page.goto("/workbench")
    expect(page.get_by_test_id("tile-approvals")).to_be_visible()
    screenshot(page, "07-workbench")
    page.goto("/me")
    expect(page.get_by_test_id("me-name")).to_contain_text("周建国")
    screenshot(page, "08-me")


def test_two_officials_chat_live_with_image_and_receipts(new_phone: Any) -> None:
    director = log_in(new_phone(), DIRECTOR)
    finance = log_in(new_phone(), FINANCE_HEAD)

    open_direct_chat(director, "陈志明")
    text = f"陈局，请审核明年预算草案 {uuid.uuid4().hex[:6]}"
    send_text(director, text)
    mine = director.get_by_test_id("message").filter(has_text=text)
    expect(mine).to_have_count(1)
    expect(mine.get_by_test_id("read-status")).to_have_text(re.compile("未读"))

    # The other official sees the conversation and the message arrive live.
    item = finance.get_by_test_id("conversation-item").filter(has_text="周建国")
    expect(item).to_contain_text("审核明年预算草案", timeout=10_000)
    item.first.click()
    expect(finance.get_by_test_id("message").filter(has_text=text)).to_have_count(1)

    # …and the sender's 未读 turns into 已读 without a reload.
    expect(mine.get_by_test_id("read-status")).to_have_text(re.compile("已读"), timeout=10_000)
    screenshot(director, "09-direct-chat-read")

    # An image, sent from a file, arrives as a thumbnail on the other phone.
    director.get_by_test_id("image-input").set_input_files(
        {"name": "现场照片.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    expect(finance.get_by_test_id("message-image").last).to_be_visible(timeout=10_000)
    screenshot(finance, "10-direct-chat-image")

    # A reply the other way is live too.
    reply = f"收到，今天下班前反馈 {uuid.uuid4().hex[:6]}"
    send_text(finance, reply)
    expect(director.get_by_test_id("message").filter(has_text=reply)).to_have_count(1)


def test_new_group_appears_live_for_a_member(new_phone: Any) -> None:
    director = log_in(new_phone(), DIRECTOR)
    staff = log_in(new_phone(), STAFF)
    director.goto("/chats")
    director.get_by_test_id("new-group").click()
    expect(director.get_by_test_id("pick-people")).to_be_visible()
    director.get_by_test_id("pick-search").locator("input").fill("张晓明")
    director.get_by_test_id("pick-option").filter(has_text="张晓明").first.click()
    director.get_by_test_id("pick-search").locator("input").fill("陈志明")
    director.get_by_test_id("pick-option").filter(has_text="陈志明").first.click()
    screenshot(director, "11-pick-people")
    director.get_by_test_id("pick-submit").click()
    expect(director.get_by_test_id("chat-view")).to_be_visible(timeout=10_000)
    screenshot(director, "12-new-group")
    group_item = staff.get_by_test_id("conversation-item").filter(has_text="张晓明")
    expect(group_item.first).to_be_visible(timeout=10_000)
    # Under my group message: who has not read it yet, listed by name.
    notice = f"请各位周五前报送材料 {uuid.uuid4().hex[:6]}"
    send_text(director, notice)
    mine = director.get_by_test_id("message").filter(has_text=notice)
    expect(mine.get_by_test_id("read-status")).to_have_text(re.compile("2人未读"), timeout=10_000)
    mine.get_by_test_id("read-status").click()
    unread = director.get_by_test_id("receipts-unread-list")
    expect(unread.get_by_test_id("receipt-person")).to_have_count(2)
    expect(unread).to_contain_text("陈志明")
    expect(unread.get_by_test_id("receipt-person").last).to_be_in_viewport(ratio=1)
    screenshot(director, "12b-receipts")
    # Tapping the dimmed area above the sheet closes it.
    director.locator(".van-overlay:visible").click(position={"x": 20, "y": 20})
    expect(director.get_by_test_id("receipts-popup")).to_be_hidden()
    director.get_by_test_id("chat-info-button").click()
    expect(director.get_by_test_id("group-info")).to_be_visible()
    screenshot(director, "13-group-info")
    # The owner shares the history from before joining with later members (#11).
    share = director.get_by_test_id("toggle-share-history")
    expect(director.get_by_test_id("share-history")).to_contain_text("新成员可查看入群前的聊天记录")
    expect(share).not_to_have_class(re.compile("van-switch--on"))
    share.click()
    expect(share).to_have_class(re.compile("van-switch--on"), timeout=10_000)
    screenshot(director, "13b-group-info-share-history")


def test_offline_send_is_delivered_once_when_back(new_phone: Any) -> None:
    director_context = new_phone()
    director = log_in(director_context, DIRECTOR)
    staff = log_in(new_phone(), STAFF)
    open_direct_chat(director, "张晓明")
    open_direct_chat(staff, "周建国")

    director_context.set_offline(True)
    expect(director.get_by_test_id("offline-banner")).to_be_visible(timeout=15_000)
    text = f"离线时写的消息 {uuid.uuid4().hex[:6]}"
    send_text(director, text)
    pending = director.get_by_test_id("message").filter(has_text=text)
    expect(pending).to_have_count(1)
    # Queued while offline: it waits for the network, it is not "being sent".
    expect(pending).to_contain_text("等待网络")
    expect(pending).not_to_contain_text("发送中")
    screenshot(director, "14-offline-queued")

    director_context.set_offline(False)
    expect(director.get_by_test_id("offline-banner")).to_be_hidden(timeout=20_000)
    expect(staff.get_by_test_id("message").filter(has_text=text)).to_have_count(1, timeout=20_000)
    expect(pending).not_to_contain_text("等待网络", timeout=10_000)
    expect(pending).not_to_contain_text("发送中", timeout=10_000)
    # Exactly once, also after the other side reloads from the server.
    staff.reload()
    expect(staff.get_by_test_id("message").filter(has_text=text)).to_have_count(1, timeout=10_000)


def test_app_shell_loads_offline(new_phone: Any) -> None:
    context = new_phone()
    page = log_in(context, STAFF)
    # Let the service worker take control and cache the shell.
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.ready", timeout=15_000
    )
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("offline-banner")).to_be_visible(timeout=15_000)
    screenshot(page, "15-offline-shell")
