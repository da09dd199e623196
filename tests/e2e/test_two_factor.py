"""两步验证 in the browser (#11, GB/T 22239 三级): an administrator enrols right after
the password and cannot skip it; a person turns it on in 我的 → 两步验证; both
then log in with the authenticator's code. The codes are computed here with
pyotp from the key the page shows, as an authenticator app would."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, E2EServer, screenshot
from tests.integration.harness import seed

pytestmark = pytest.mark.e2e

ADMINISTRATOR = "13800000000"  # 孙立平, the demo's superuser: a second factor is required


def password_step(page: Any, mobile: str) -> None:
    page.goto("/login")
    page.get_by_test_id("login-mobile").locator("input").fill(mobile)
    page.get_by_test_id("login-password").locator("input").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()


def secret_shown(page: Any) -> str:
    secret = page.get_by_test_id("totp-secret").get_attribute("data-secret")
    assert secret
    return str(secret)


def next_code(secret: str) -> str:
    """The code of the next 30-second step: the server accepts one step either side of
    now, and never a step it has accepted before (the enrolment used the current one)."""
    return pyotp.TOTP(secret).at(int(time.time()) + 30)


def test_an_administrator_enrols_at_login_then_logs_in_with_a_code(new_phone: Any) -> None:
    page = new_phone().new_page()
    password_step(page, ADMINISTRATOR)
    step = page.get_by_test_id("two-factor-step")
    expect(step).to_contain_text("设置两步验证")
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    # The password alone got nowhere: the app's pages still send to the login.
    secret = secret_shown(page)
    screenshot(page, "70-two-factor-enrol-at-login")

    page.get_by_test_id("two-factor-code").locator("input").fill("000000")
    page.get_by_test_id("two-factor-submit").click()
    expect(page.get_by_test_id("two-factor-error")).to_contain_text("验证码错误或已过期")

    page.get_by_test_id("two-factor-code").locator("input").fill(pyotp.TOTP(secret).now())
    page.get_by_test_id("two-factor-submit").click()
    expect(page.get_by_test_id("login-recovery-codes")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    screenshot(page, "71-two-factor-recovery-codes")
    page.get_by_test_id("login-continue").click()
    expect(page.get_by_test_id("chats-view")).to_be_visible(timeout=15_000)

    # 我的 → 两步验证 says it is on and required.
    page.goto("/me")
    page.get_by_test_id("me-two-factor").click()
    expect(page.get_by_test_id("two-factor-totp-on")).to_be_visible()
    expect(page.get_by_test_id("two-factor-required")).to_be_visible()
    expect(page.get_by_test_id("two-factor-disable")).to_have_count(0)
    screenshot(page, "72-two-factor-settings-required")

    # A new phone: the password, then the code.
    phone = new_phone().new_page()
    password_step(phone, ADMINISTRATOR)
    expect(phone.get_by_test_id("two-factor-step")).to_contain_text("请再输入一项验证")
    expect(phone.get_by_test_id("totp-qr")).to_have_count(0)
    screenshot(phone, "73-two-factor-login")
    phone.get_by_test_id("two-factor-code").locator("input").fill(next_code(secret))
    phone.get_by_test_id("two-factor-submit").click()
    expect(phone.get_by_test_id("chats-view")).to_be_visible(timeout=15_000)


def test_turning_it_on_in_me_then_logging_in_with_totp(
    new_phone: Any, e2e_server: E2EServer
) -> None:
    person = seed(e2e_server.env, {"unit": "JC-DATA"}, module="tests.e2e.seed_two_factor_person")
    page = new_phone().new_page()
    password_step(page, person["mobile"])
    expect(page.get_by_test_id("chats-view")).to_be_visible(timeout=15_000)  # not required

    page.goto("/me")
    page.get_by_test_id("me-two-factor").click()
    expect(page.get_by_test_id("two-factor-add-totp")).to_be_visible()
    expect(page.get_by_test_id("two-factor-add-sms")).to_be_visible()
    expect(page.get_by_test_id("two-factor-required")).to_have_count(0)
    screenshot(page, "74-two-factor-settings")
    page.get_by_test_id("two-factor-add-totp").click()
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    secret = secret_shown(page)
    screenshot(page, "75-two-factor-add-app")
    page.get_by_test_id("two-factor-confirm-code").locator("input").fill(pyotp.TOTP(secret).now())
    page.get_by_test_id("two-factor-confirm").click()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    screenshot(page, "76-two-factor-codes-once")
    page.get_by_test_id("codes-done").click()
    expect(page.get_by_test_id("two-factor-totp-on")).to_be_visible()

    page.goto("/me")
    page.get_by_test_id("logout").click()
    page.locator(".van-dialog__confirm").click()
    expect(page.get_by_test_id("login-mobile")).to_be_visible(timeout=15_000)

    password_step(page, person["mobile"])
    expect(page.get_by_test_id("two-factor-methods")).to_be_visible()
    page.get_by_test_id("two-factor-code").locator("input").fill(next_code(secret))
    page.get_by_test_id("two-factor-submit").click()
    expect(page.get_by_test_id("chats-view")).to_be_visible(timeout=15_000)
