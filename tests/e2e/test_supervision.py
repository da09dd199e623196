"""督办 on phones: 周建国 creates a task led by 财政局 陈志明, who splits a part to
刘芳; she reports, is urged by 周建国 and sees the 催办 arrive live, applies for
办结 with evidence, and 陈志明 approves it from the card in his chat; the card and
the lights follow live. Then the leader's 看板 and its drill-down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_pwa import log_in, open_conversation, png_bytes

pytestmark = pytest.mark.e2e

DIRECTOR = "13800000001"  # 周建国, 市府办主任 (leader): creates, supervises, urges
FINANCE_HEAD = "13800000004"  # 陈志明, 财政局局长 (leader of 财政局): the lead, splits
BUDGET_HEAD = "13800000005"  # 刘芳, 财政局预算科科长: the sub-task's owner

TITLE = "落实优化营商环境专项行动"
SUB_TITLE = "统筹涉企资金拨付"


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Several browsers and a daphne share two busy cores."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def pick_person(page: Any, field: Any, name: str) -> None:
    field.click()
    picker = page.get_by_test_id("person-picker")
    picker.get_by_test_id("person-picker-search").locator("input").fill(name)
    picker.get_by_test_id("pick-option").filter(has_text=name).first.click()


def pick_date(page: Any, field: Any, next_year: bool) -> None:
    """The date wheel opens at today: confirm it, or first tap the next year."""
    field.click()
    if next_year:
        year = page.locator(".van-picker-column:visible").first
        year.locator(".van-picker-column__item--selected + .van-picker-column__item").click()
        page.wait_for_timeout(400)  # the wheel settles
    page.locator(".van-picker__confirm:visible").click()
    expect(page.locator(".van-picker:visible")).to_have_count(0)


def open_supervision(page: Any) -> None:
    page.get_by_test_id("tab-workbench").click()
    page.get_by_test_id("tile-supervision").click()
    expect(page.get_by_test_id("supervision-home")).to_be_visible()


def press(page: Any, action: str, text: str = "") -> None:
    """A detail action: open its sheet, write the text, send it."""
    page.get_by_test_id(f"sup-action-{action}").click()
    sheet = page.get_by_test_id("sup-sheet")
    expect(sheet).to_have_attribute("data-action", action)
    if text:
        sheet.get_by_test_id("sup-sheet-text").locator("textarea").fill(text)
    sheet.get_by_test_id("sup-sheet-submit").click()
    expect(sheet).to_be_hidden()


def test_create_split_report_urge_finish_approve_and_the_board(
    new_phone: Any, tmp_path: Path
) -> None:
    director = log_in(new_phone(), DIRECTOR)
    finance = log_in(new_phone(), FINANCE_HEAD)
    budget = log_in(new_phone(), BUDGET_HEAD)

    # --- 周建国 creates the task -------------------------------------------------------
    open_supervision(director)
    expect(director.get_by_test_id("sup-empty")).to_be_visible()
    director.get_by_test_id("sup-create").click()
    form = director.get_by_test_id("sup-form")
    expect(form).to_have_attribute("data-mode", "create")
    form.get_by_test_id("sup-form-title").locator("input").fill(TITLE)
    pick_person(director, form.get_by_test_id("sup-form-lead"), "陈志明")
    expect(form.get_by_test_id("sup-form-lead").locator("input").first).to_have_value("陈志明")
    pick_date(director, form.get_by_test_id("sup-form-deadline"), next_year=True)
    form.get_by_test_id("sup-form-important").click()
    form.get_by_test_id("sup-form-requirement").locator("textarea").fill(
        "涉企资金按时拨付到位，每周反馈进展。"
    )
    form.get_by_text("添加阶段节点").click()
    form.locator(".zt-sf__milestone input").first.fill("制定实施方案")
    pick_date(director, form.locator(".zt-sf__milestone .van-field").nth(1), next_year=False)
    form.locator(".zt-scroll").evaluate("el => el.scrollTo(0, 0)")
    screenshot(director, "60-supervision-create")
    form.get_by_test_id("sup-form-submit").click()

    detail = director.get_by_test_id("sup-detail")
    expect(detail).to_be_visible()
    expect(director.get_by_test_id("sup-detail-title")).to_have_text(TITLE)
    # The milestone is due today: yellow, and the light says why.
    expect(detail).to_have_attribute("data-light", "yellow")
    expect(director.get_by_test_id("sup-light-text").first).to_have_text(
        "节点「制定实施方案」今日到期"
    )
    expect(director.get_by_test_id("sup-milestone")).to_have_attribute("data-light", "yellow")
    expect(director.get_by_test_id("sup-fact-owner")).to_have_text("陈志明")
    # The supervisor may urge; only the owner reports.
    expect(director.get_by_test_id("sup-action-urge")).to_be_visible()
    expect(director.get_by_test_id("sup-action-report")).to_have_count(0)
    root_id = int(detail.get_attribute("data-task-id") or 0)
    expect(director.locator(".van-toast")).to_be_hidden()
    screenshot(director, "61-supervision-detail")

    # --- 陈志明 gets the card in chat, opens it and splits a part to 刘芳 -------------------
    open_conversation(finance, "督办助手")
    card = finance.get_by_test_id("card").filter(has_text=TITLE).last
    expect(card.get_by_test_id("card-note")).to_have_text(f"您有新的督办事项（牵头）：{TITLE}")
    expect(card).to_have_attribute("data-light", "yellow")
    expect(card.get_by_test_id("card-action-report")).to_be_visible()
    expect(card).to_contain_text("0%")
    screenshot(finance, "62-supervision-card")
    card.get_by_test_id("card-link").click()
    expect(finance.get_by_test_id("sup-detail")).to_have_attribute("data-task-id", str(root_id))
    finance.get_by_test_id("sup-action-split").click()
    form = finance.get_by_test_id("sup-form")
    expect(form).to_have_attribute("data-mode", "split")
    expect(form.get_by_test_id("sup-form-parent")).to_contain_text(TITLE)
    form.get_by_test_id("sup-form-title").locator("input").fill(SUB_TITLE)
    pick_person(finance, form.get_by_test_id("sup-form-owner"), "刘芳")
    pick_date(finance, form.get_by_test_id("sup-form-deadline"), next_year=False)
    screenshot(finance, "63-supervision-split")
    form.get_by_test_id("sup-form-submit").click()
    tree = finance.get_by_test_id("sup-tree")
    expect(tree.get_by_test_id("sup-node")).to_have_count(2)
    sub = tree.get_by_test_id("sup-node").filter(has_text=SUB_TITLE)
    expect(sub).to_contain_text("刘芳")
    sub_id = int(sub.get_attribute("data-task-id") or 0)
    # He goes back to his chat with 督办助手 and watches the card there.
    finance.goto("/")
    open_conversation(finance, "督办助手")
    card = finance.get_by_test_id("card").filter(has_text=TITLE).last
    expect(card).to_contain_text("0%")

    # --- 刘芳 finds it in 我负责的 and reports 40 % ------------------------------------------
    open_supervision(budget)
    item = budget.get_by_test_id("sup-item").filter(has_text=SUB_TITLE)
    expect(item).to_have_attribute("data-light", "yellow")
    expect(item).to_contain_text("今日截止")
    screenshot(budget, "64-supervision-list")
    item.click()
    expect(budget.get_by_test_id("sup-detail")).to_have_attribute("data-task-id", str(sub_id))
    budget.get_by_test_id("sup-action-report").click()
    sheet = budget.get_by_test_id("sup-sheet")
    sheet.get_by_test_id("sup-sheet-text").locator("textarea").fill("第一批涉企资金已拨付到位。")
    rail = sheet.get_by_test_id("sup-sheet-slider")
    budget.wait_for_timeout(600)  # the sheet has slid in
    box = rail.bounding_box()
    assert box is not None
    # A tap on the rail at 40 of 0–99.
    budget.mouse.click(box["x"] + box["width"] * 40 / 99, box["y"] + box["height"] / 2)
    expect(sheet.get_by_test_id("sup-sheet-percent")).to_have_text("40%")
    screenshot(budget, "65-supervision-report")
    sheet.get_by_test_id("sup-sheet-submit").click()
    expect(sheet).to_be_hidden()
    expect(budget.get_by_test_id("sup-report").first).to_contain_text("第一批涉企资金已拨付到位。")
    expect(budget.get_by_test_id("sup-detail-percent")).to_have_text("40%")
    # The lead's card in chat follows live: the roll-up progress is the leaf's.
    expect(card).to_contain_text("40%")

    # --- 周建国 urges 刘芳; she sees it on her open page, live -----------------------------
    director.reload()
    director.get_by_test_id("sup-node").filter(has_text=SUB_TITLE).click()
    expect(director.get_by_test_id("sup-detail")).to_have_attribute("data-task-id", str(sub_id))
    press(director, "urge", "请本周内完成拨付并报送清单。")
    urge = budget.get_by_test_id("sup-urge")
    expect(urge).to_have_count(1)
    expect(urge).to_contain_text("请本周内完成拨付并报送清单。")
    expect(urge).to_contain_text("周建国")
    expect(budget.locator(".van-toast")).to_be_hidden()
    screenshot(budget, "66-supervision-urged")
    # Once in the interval: the button stays, dimmed, and says why.
    urge_button = director.get_by_test_id("sup-action-urge")
    expect(urge_button).to_have_attribute("aria-disabled", "true")
    expect(urge_button).to_have_attribute("title", "该事项30分钟内已催办过，请稍后再催办")

    # --- 刘芳 applies for 办结 with evidence --------------------------------------------------
    budget.get_by_test_id("sup-action-finish").click()
    sheet = budget.get_by_test_id("sup-sheet")
    expect(sheet).to_have_attribute("data-action", "finish")
    sheet.get_by_test_id("sup-sheet-text").locator("textarea").fill("资金已全部拨付，清单见附件。")
    evidence = tmp_path / "拨付清单.png"
    evidence.write_bytes(png_bytes())
    sheet.locator("input[type=file]").set_input_files(str(evidence))
    expect(sheet.get_by_test_id("form-file")).to_contain_text("拨付清单.png")
    sheet.get_by_test_id("sup-sheet-submit").click()
    expect(sheet).to_be_hidden()
    expect(budget.get_by_test_id("sup-detail-status")).to_have_text("办结审核中")
    expect(budget.get_by_test_id("sup-application")).to_have_attribute("data-status", "pending")

    # --- 陈志明 approves from the card in his chat ---------------------------------------------
    card = finance.get_by_test_id("card").filter(has_text="提交办结申请").last
    expect(card.get_by_test_id("card-action-approve")).to_be_visible()
    card.get_by_test_id("card-action-approve").click()
    finance.get_by_test_id("card-opinion").locator("textarea").fill("同意办结。")
    finance.locator(".van-dialog__confirm:visible").click()
    expect(card.get_by_test_id("card-status")).to_have_text("已办结")
    expect(card.get_by_test_id("card-action-approve")).to_have_count(0)
    screenshot(finance, "67-supervision-card-approved")
    # 刘芳's page follows: done, the application approved, no actions left.
    expect(budget.get_by_test_id("sup-detail-status")).to_have_text("已办结")
    expect(budget.get_by_test_id("sup-application")).to_have_attribute("data-status", "approved")
    expect(budget.get_by_test_id("sup-actions")).to_have_count(0)
    budget.get_by_test_id("sup-detail").locator(".zt-scroll").evaluate("el => el.scrollTo(0, 0)")
    expect(budget.locator(".van-toast")).to_be_hidden()
    screenshot(budget, "68-supervision-done")

    # --- 周建国's 看板 ---------------------------------------------------------------------
    director.goto("/supervision/board")
    board = director.get_by_test_id("sup-board-page")
    expect(board.get_by_test_id("sup-board-total")).to_have_text("1")
    # The root's own milestone (due today) keeps it yellow; the done part counts 100 %.
    expect(board.get_by_test_id("sup-board-yellow")).to_have_attribute("data-count", "1")
    expect(board.get_by_test_id("sup-board-unit")).to_contain_text("财政局")
    screenshot(director, "69-supervision-board")
    board.get_by_test_id("sup-board-yellow").click()
    expect(director.get_by_test_id("sup-list")).to_have_attribute("data-box", "all")
    item = director.get_by_test_id("sup-item").filter(has_text=TITLE)
    expect(item).to_have_attribute("data-light", "yellow")
    expect(item.get_by_test_id("sup-item-percent")).to_have_text("100%")
