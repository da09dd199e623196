"""Reaching people who are not looking (docs/notifications.md), as the PWA shows it:
通知设置, the 加急 sender's 已读/未读 view with the recipient in a second browser,
and the service worker turning a push into a notification whose tap opens the chat.

Chromium cannot reach a real push service here, so the push is delivered to the
service worker through DevTools (`ServiceWorker.deliverPushMessage`), with the
payload shape push/webpush.py sends; the tap is a `notificationclick` dispatched
in the worker on the notification it showed.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_pwa import DIRECTOR, STAFF, log_in, open_direct_chat, send_text

pytestmark = pytest.mark.e2e


def test_notification_settings_change_and_persist(new_phone: Any) -> None:
    page = log_in(new_phone(), STAFF)
    page.goto("/me")
    page.get_by_test_id("me-notifications").click()
    settings = page.get_by_test_id("notify-settings")
    expect(settings).to_be_visible()
    expect(page.get_by_test_id("notify-quiet-start")).to_contain_text("22:00")
    expect(page.get_by_test_id("notify-quiet-end")).to_contain_text("07:00")
    expect(page.get_by_test_id("notify-lock-full")).to_have_attribute("data-checked", "1")
    screenshot(page, "30-notify-settings")

    page.get_by_test_id("notify-lock-sender").click()
    expect(page.get_by_test_id("notify-lock-sender")).to_have_attribute("data-checked", "1")
    page.get_by_test_id("notify-sms-urgent").click()
    expect(page.get_by_test_id("notify-sms-urgent")).to_have_attribute("data-on", "0")
    page.get_by_test_id("notify-quiet-start").click()
    picker = page.get_by_test_id("time-picker")
    expect(picker).to_be_visible()
    picker.locator(".van-picker-column").first.locator(".van-picker-column__item").filter(
        has_text=re.compile(r"^21$")
    ).click()
    page.wait_for_timeout(400)  # the column settles on the tapped hour
    screenshot(page, "31-notify-quiet-picker")
    picker.locator(".van-picker__confirm").click()
    expect(page.get_by_test_id("notify-quiet-start")).to_contain_text("21:00")

    # Saved on the server: a reload shows the same.
    page.wait_for_timeout(300)
    page.reload()
    expect(page.get_by_test_id("notify-lock-sender")).to_have_attribute(
        "data-checked", "1", timeout=10_000
    )
    expect(page.get_by_test_id("notify-sms-urgent")).to_have_attribute("data-on", "0")
    expect(page.get_by_test_id("notify-quiet-start")).to_contain_text("21:00")
    screenshot(page, "32-notify-settings-saved")

    page.get_by_test_id("notify-log").click()
    expect(page.get_by_test_id("deliveries-view")).to_be_visible()
    screenshot(page, "33-notify-deliveries")

    # Put the defaults back for the other tests.
    page.go_back()
    page.get_by_test_id("notify-lock-full").click()
    expect(page.get_by_test_id("notify-lock-full")).to_have_attribute("data-checked", "1")
    page.get_by_test_id("notify-sms-urgent").click()
    expect(page.get_by_test_id("notify-sms-urgent")).to_have_attribute("data-on", "1")


def test_urgent_sender_sees_unread_then_read(new_phone: Any) -> None:
    director = log_in(new_phone(), DIRECTOR)
    staff = log_in(new_phone(), STAFF)
    open_direct_chat(director, "张晓明")
    staff.goto("/workbench")  # somewhere else: the alert must reach any screen

    # Send as 加急 from the composer: 应用内 + 短信 (the default) + 电话式响铃.
    director.get_by_test_id("composer-urgent").click()
    sheet = director.get_by_test_id("urgent-sheet")
    expect(sheet).to_be_visible()
    expect(director.get_by_test_id("urgent-channel-sms")).to_have_attribute("data-checked", "1")
    director.get_by_test_id("urgent-channel-ring").click()
    expect(director.get_by_test_id("urgent-channel-ring")).to_have_attribute("data-checked", "1")
    director.wait_for_timeout(400)  # let the sheet finish sliding in
    screenshot(director, "34-urgent-channels")
    director.get_by_test_id("urgent-confirm").click()
    expect(director.get_by_test_id("composer-urgent-on")).to_be_visible()
    text = f"防汛紧急通知：今晚20时前上报水情 {uuid.uuid4().hex[:6]}"
    send_text(director, text)
    mine = director.get_by_test_id("message").filter(has_text=text)
    expect(mine.get_by_test_id("urgent-badge")).to_be_visible(timeout=10_000)
    expect(mine).to_have_attribute("data-message-id", re.compile(r"^\d+$"), timeout=10_000)
    expect(director.get_by_test_id("composer-urgent-on")).to_be_hidden()

    # The recipient, on another screen, gets the prominent alert.
    alert = staff.get_by_test_id("urgent-alert")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_contain_text("周建国")
    expect(alert).to_contain_text(text)
    expect(alert).to_have_attribute("data-ring", "1")
    staff.wait_for_timeout(400)  # let the sheet finish sliding in
    screenshot(staff, "35-urgent-alert-recipient")

    # The sender's detail: 张晓明 未读.
    mine.get_by_test_id("urgent-badge").click()
    detail = director.get_by_test_id("urgent-detail")
    expect(detail).to_be_visible()
    person = detail.get_by_test_id("urgent-recipient").filter(has_text="张晓明")
    expect(person).to_have_attribute("data-read", "0", timeout=10_000)
    expect(detail.get_by_test_id("urgent-unread-count")).to_have_attribute("data-count", "1")
    expect(detail.get_by_test_id("urgent-remind")).to_be_enabled()
    director.wait_for_timeout(400)  # let the sheet finish sliding in
    screenshot(director, "36-urgent-detail-unread")

    # The recipient opens the chat from the alert; the open detail turns to 已读.
    staff.get_by_test_id("urgent-alert-open").click()
    expect(staff.get_by_test_id("chat-view")).to_be_visible()
    expect(alert).to_be_hidden()
    theirs = staff.get_by_test_id("message").filter(has_text=text)
    expect(theirs.get_by_test_id("urgent-badge")).to_be_visible()
    screenshot(staff, "37-urgent-recipient-chat")
    expect(person).to_have_attribute("data-read", "1", timeout=15_000)
    expect(detail.get_by_test_id("urgent-read-count")).to_have_attribute("data-count", "1")
    expect(detail.get_by_test_id("urgent-remind")).to_be_disabled()
    director.wait_for_timeout(400)  # let the sheet finish sliding in
    screenshot(director, "38-urgent-detail-read")
    director.locator(".van-overlay:visible").click(position={"x": 20, "y": 20})
    expect(detail).to_be_hidden()

    # Marking a message already sent: long press → 加急.
    later = f"请回复收到 {uuid.uuid4().hex[:6]}"
    send_text(director, later)
    sent = director.get_by_test_id("message").filter(has_text=later)
    expect(sent).to_have_attribute("data-message-id", re.compile(r"^\d+$"), timeout=10_000)
    sent.get_by_test_id("message-bubble").click(button="right")
    director.get_by_test_id("message-menu").get_by_text("加急", exact=True).click()
    # (The composer's sheet stays in the page, hidden: take the one that opened.)
    sheet = director.locator('[data-testid="urgent-sheet"]:visible')
    expect(sheet).to_be_visible()
    sheet.get_by_test_id("urgent-confirm").click()
    expect(sent.get_by_test_id("urgent-badge")).to_be_visible(timeout=10_000)
    # Staff is in this chat and has read it already: no alert over the chat
    # (`message.urgent` goes only to those who have not read it).
    staff.wait_for_timeout(1000)
    expect(alert).to_be_hidden()


def _registration_id(page: Any, cdp: Any, origin: str) -> str:
    found: dict[str, str] = {}

    def on_update(params: dict[str, Any]) -> None:
        for registration in params["registrations"]:
            if registration["scopeURL"] == f"{origin}/" and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_update)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while "id" not in found and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the DevTools events
    assert "id" in found, "no service worker registration for the app"
    return found["id"]


def _notifications(worker: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = worker.evaluate(
        """() => self.registration.getNotifications().then((list) =>
            list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data,
              renotify: n.renotify, requireInteraction: n.requireInteraction })))"""
    )
    return result


def _shown_after_push(page: Any, context: Any, send: Any) -> list[dict[str, Any]]:
    """Deliver a push and read the notifications it showed.

    The browser may stop an idle worker and start a new one for the push, and
    a push that races the tab's navigation can still see it visible: so the
    push is sent again every 2 s (same tag, so it replaces, never adds) and the
    notifications are read from the current worker.
    """
    deadline = time.monotonic() + 12
    shown: list[dict[str, Any]] = []
    while not shown and time.monotonic() < deadline:
        send()
        for _ in range(10):
            page.wait_for_timeout(200)
            shown = _notifications(context.service_workers[-1])
            if shown:
                break
    return shown


def test_service_worker_push_becomes_a_notification_that_opens_the_chat(
    new_phone: Any, server: str
) -> None:
    context = new_phone()
    context.grant_permissions(["notifications"], origin=server)
    page = log_in(context, STAFF)
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.ready", timeout=15_000
    )
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    item = page.get_by_test_id("conversation-item").first
    expect(item).to_be_visible()
    conversation_id = item.get_attribute("data-conversation-id")
    assert conversation_id
    worker = context.service_workers[0]

    cdp = context.new_cdp_session(page)
    registration = _registration_id(page, cdp, server)

    def push(payload: dict[str, Any]) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": server, "registrationId": registration, "data": json.dumps(payload)},
        )

    url = f"/chats/{conversation_id}?seq=1"
    message = {
        "id": 1,
        "kind": "message",
        "title": "周建国(市政府办公室)",
        "body": "请今天下班前报送材料",
        "url": url,
        "tag": f"conv:{conversation_id}",
        "urgent": False,
        "ts": int(time.time() * 1000),
    }

    # The app is open and visible: it shows the message itself, no OS notification.
    push(message)
    page.wait_for_timeout(1500)
    assert _notifications(worker) == []

    # Nobody looking (the tab left the app): the push becomes a notification…
    page.goto("about:blank")
    shown = _shown_after_push(page, context, lambda: push(message))
    assert [(n["title"], n["body"], n["tag"]) for n in shown] == [
        ("周建国(市政府办公室)", "请今天下班前报送材料", f"conv:{conversation_id}")
    ]
    assert shown[0]["data"]["url"] == url
    worker = context.service_workers[-1]  # the one that showed it (the browser may restart it)

    # …grouped per conversation: a 加急 of the same conversation replaces it and alerts again.
    push({**message, "id": 2, "kind": "urgent", "body": "防汛紧急通知", "urgent": True})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        shown = _notifications(worker)
        if shown and shown[0]["body"] == "防汛紧急通知":
            break
        page.wait_for_timeout(200)
    assert len(shown) == 1
    assert shown[0]["title"] == "【加急】周建国(市政府办公室)"
    assert shown[0]["renotify"] is True
    assert shown[0]["requireInteraction"] is True

    # The app is open again (on another screen); a tap focuses it and opens the chat.
    page.goto("/me")
    expect(page.get_by_test_id("me-view")).to_be_visible()
    worker.evaluate(
        """() => self.registration.getNotifications().then(([n]) =>
            self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n })))"""
    )
    expect(page).to_have_url(re.compile(rf"/chats/{conversation_id}\?seq=1$"), timeout=10_000)
    expect(page.get_by_test_id("chat-view")).to_have_attribute(
        "data-conversation-id", conversation_id
    )
    assert _notifications(worker) == []
    screenshot(page, "39-push-tap-opened-chat")
