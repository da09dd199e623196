"""我的 → 登录设备: two phones, one signs the other out (#11 item 18)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, screenshot
from tests.e2e.test_pwa import log_in

pytestmark = pytest.mark.e2e

BUDGET_HEAD = "13800000005"  # 刘芳, 财政局预算科科长


def test_device_list_and_remote_sign_out(new_phone: Any) -> None:
    mine = log_in(new_phone(), BUDGET_HEAD)
    other = log_in(new_phone(), BUDGET_HEAD)
    # 登录提示: the second login is told about the first (time and IP).
    expect(other.get_by_test_id("login-banner")).to_contain_text("上次登录")
    expect(other.get_by_test_id("login-banner")).to_contain_text("127.0.0.1")
    screenshot(other, "59-login-banner")

    mine.goto("/me")
    mine.get_by_test_id("me-devices").click()
    expect(mine.get_by_test_id("devices-view")).to_be_visible()
    items = mine.get_by_test_id("device-item")
    # Both phones, plus 刘芳's sessions from earlier browser tests on this server (the other
    # suites log her in too): the newest other device, first in the list, is `other`.
    expect(items.nth(1)).to_be_visible()
    signed_in = items.count()
    expect(mine.locator('[data-testid="device-item"][data-current="true"]')).to_have_count(1)
    expect(mine.get_by_test_id("device-current")).to_have_text("本机")
    screenshot(mine, "60-devices")

    mine.get_by_test_id("device-sign-out").first.click()
    mine.locator(".van-dialog__confirm").click()
    expect(items).to_have_count(signed_in - 1)
    expect(mine.get_by_test_id("device-current")).to_be_visible()
    expect(mine.locator(".van-dialog")).to_be_hidden()
    screenshot(mine, "61-devices-signed-out")

    # The other phone's session is gone: its next request sends it to the login screen.
    other.goto("/me")
    expect(other.get_by_test_id("login-mobile")).to_be_visible(timeout=15_000)
    screenshot(other, "62-signed-out-phone")

    # Mine still works.
    mine.reload()
    expect(mine.get_by_test_id("device-item")).to_have_count(signed_in - 1)
    expect(mine.get_by_test_id("device-current")).to_be_visible()


def test_change_password_screen_shows_the_rules(new_phone: Any) -> None:
    page = log_in(new_phone(), BUDGET_HEAD)
    page.goto("/me")
    page.get_by_test_id("me-password").click()
    expect(page.get_by_test_id("password-view")).to_be_visible()
    page.get_by_test_id("password-old").locator("input").fill(DEMO_PASSWORD)
    page.get_by_test_id("password-new").locator("input").fill("abcdefgh12")
    page.get_by_test_id("password-repeat").locator("input").fill("abcdefgh12")
    page.get_by_test_id("password-submit").click()
    # The server's rule, in its words; nothing changed.
    expect(page.get_by_test_id("password-error")).to_contain_text("至少3类")
    screenshot(page, "63-password-rules")
