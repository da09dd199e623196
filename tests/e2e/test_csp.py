"""The PWA works under its Content-Security-Policy: no violation while an official uses it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_pwa import DIRECTOR, log_in, open_direct_chat, png_bytes, send_text

pytestmark = pytest.mark.e2e


def test_the_app_runs_without_a_policy_violation(new_phone: Any) -> None:
    context = new_phone()
    violations: list[str] = []

    def watch(page: Any) -> None:
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )

    context.on("page", watch)
    page = log_in(context, DIRECTOR)
    policy = page.evaluate(
        "async () => (await fetch('/', {cache: 'no-store'})).headers.get('content-security-policy')"
    )
    assert "script-src 'self'" in policy
    # The socket is live (connect-src 'self' covers ws: to this host).
    open_direct_chat(page, "陈志明")
    text = f"内容安全策略 {uuid.uuid4().hex[:6]}"
    send_text(page, text)
    expect(page.get_by_test_id("message").filter(has_text=text)).to_have_count(1)
    # An image (its thumbnail; the data: watermark behind the chat).
    page.get_by_test_id("image-input").set_input_files(
        {"name": "现场.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    expect(page.get_by_test_id("message-image").last).to_be_visible(timeout=10_000)
    screenshot(page, "60-csp-chat")
    assert violations == []
