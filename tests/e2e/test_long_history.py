"""A group with 1,000 messages: it opens at the newest with a small DOM, scrolling
up reaches the very first message (every one once, in order), and back at the
bottom the DOM shrinks again. Functional facts only; the timings are measured
by `bench/chat_open.py`."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, E2EServer, screenshot
from tests.integration.harness import seed

pytestmark = pytest.mark.e2e

STAFF = "13800000003"  # 张晓明, who opens the conversation
COLLEAGUES = ["13800000001", "13800000002", "13800000004"]
MESSAGES = 1000

ROW_SEQS = "els => els.map(e => Number(e.dataset.seq))"


@pytest.fixture(scope="module")
def long_group(e2e_server: E2EServer) -> dict[str, Any]:
    return seed(
        e2e_server.env,
        {"owner": STAFF, "members": COLLEAGUES, "name": "千条消息群", "messages": MESSAGES},
        module="tests.e2e.seed_history",
    )


def rest_login(context: Any, mobile: str) -> None:
    """Log in over REST; the browser context shares the cookie jar."""
    context.request.get("/api/v1/auth/csrf")
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    reply = context.request.post(
        "/api/v1/auth/login",
        headers={"X-CSRFToken": token},
        data={"mobile": mobile, "password": DEMO_PASSWORD},
    )
    assert reply.ok, reply.text()


def test_thousand_messages_open_at_newest_and_scroll_back_to_first(
    new_phone: Any, long_group: dict[str, Any]
) -> None:
    context = new_phone()
    rest_login(context, STAFF)
    page = context.new_page()
    page.goto(f"/chats/{long_group['conversation_id']}")
    messages = page.get_by_test_id("message")
    message_list = page.get_by_test_id("message-list")

    # The newest message is the last row and visible at the bottom.
    newest = messages.filter(has_text=long_group["last_text"])
    expect(newest).to_be_in_viewport(timeout=15_000)
    expect(messages.last).to_have_attribute("data-seq", str(long_group["last_seq"]))
    # Only a window of the newest rows is in the DOM, not the whole history.
    opened = messages.count()
    assert 0 < opened <= 50, opened
    screenshot(page, "20-long-history-newest")

    # Scrolling to the top again and again loads older messages until the first.
    no_older = page.get_by_test_id("no-older")
    for _ in range(100):
        if no_older.is_visible():
            break
        oldest = int(messages.first.get_attribute("data-seq") or 0)
        message_list.evaluate("el => { el.scrollTop = 0 }")
        page.wait_for_function(
            """oldest => Number(document.querySelector('[data-testid="message"]').dataset.seq)
                  < oldest || document.querySelector('[data-testid="no-older"]') !== null""",
            arg=oldest,
            timeout=15_000,
        )
    expect(no_older).to_be_visible()
    message_list.evaluate("el => { el.scrollTop = 0 }")
    expect(messages.filter(has_text=long_group["first_text"])).to_be_in_viewport()
    # Every message exactly once, in order, nothing skipped.
    seqs = messages.evaluate_all(ROW_SEQS)
    assert seqs == list(range(long_group["first_seq"], long_group["last_seq"] + 1))
    screenshot(page, "21-long-history-first")

    # Back at the bottom: the newest is visible and the old rows leave the DOM.
    message_list.evaluate("el => { el.scrollTop = el.scrollHeight }")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"message\"]').length <= 300",
        timeout=15_000,
    )
    expect(newest).to_be_in_viewport()
    seqs = messages.evaluate_all(ROW_SEQS)
    assert seqs[-1] == long_group["last_seq"]
    assert seqs == list(range(seqs[0], seqs[-1] + 1))
