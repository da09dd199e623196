"""公文 on phones: a 发文 from 拟稿 to 分发 with a handwritten 签发, and the
receiving unit's 签收 → 登记 → 拟办 → 批办 → 承办 → 办结 while the sender
watches the 送达回执 change live in a second browser context."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import E2EServer, screenshot
from tests.e2e.test_pwa import log_in, open_conversation
from tests.integration.harness import seed

pytestmark = pytest.mark.e2e

DIRECTOR = "13800000001"  # 周建国, 市府办主任 (leader): 签发
CLERK = "13800000002"  # 李秀英, 市府办秘书科文书 (clerk): 核稿 复核 登记 用印 分发
STAFF = "13800000003"  # 张晓明, 市府办综合科科员: 拟稿
FINANCE_HEAD = "13800000004"  # 陈志明, 财政局局长 (leader): 批办
BUDGET_HEAD = "13800000005"  # 刘芳, 财政局预算科科长: 承办

TITLE = "关于做好2026年汛期安全生产工作的通知"
BODY = (
    "为切实做好今年汛期安全生产工作，现将有关事项通知如下。\n"
    "一、加强组织领导，落实防汛责任。\n二、开展隐患排查，做好应急准备。"
)


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """The server renders the GB/T 9704 layout (WeasyPrint) when a document's 文号 or
    签发人 changes; on a busy machine other requests wait behind it for seconds."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def settled_box(page: Any, locator: Any) -> Any:
    """The element's box once the pad has finished sliding in (it moves until then)."""
    box = locator.bounding_box()
    for _ in range(50):
        page.wait_for_timeout(100)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    return box


def draw_on_canvas(page: Any) -> None:
    """Write two strokes with the mouse, as a finger would on the phone."""
    canvas = page.get_by_test_id("hand-canvas")
    expect(canvas).to_be_visible()
    box = settled_box(page, canvas)
    left, top = box["x"] + 40, box["y"] + box["height"] * 0.3
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(left + step * 12, top + (step % 5) * 8)
    page.mouse.up()
    page.mouse.move(left + 60, top + 80)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(left + 60 + step * 10, top + 80 + step * 4)
    page.mouse.up()
    expect(canvas).to_have_attribute("data-strokes", "2")


def act_on_detail(page: Any, label: str, opinion: str = "") -> None:
    """Press the detail page's 同意-type button (labelled after the step) and send its sheet."""
    button = page.get_by_test_id("document-action-approve")
    expect(button).to_have_text(label)
    button.click()
    sheet = page.get_by_test_id("doc-action-sheet")
    expect(sheet.get_by_test_id("opinion-confirm")).to_be_visible()
    if opinion:
        sheet.get_by_test_id("opinion-input").locator("textarea").fill(opinion)
    sheet.get_by_test_id("opinion-confirm").click()
    expect(sheet.get_by_test_id("opinion-confirm")).to_be_hidden(timeout=60_000)


def image_loaded(locator: Any) -> bool:
    return bool(locator.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_outgoing_to_distribution_then_incoming_to_done(
    new_phone: Any, e2e_server: E2EServer
) -> None:
    finance_clerk = seed(
        e2e_server.env, {"unit": "JC-FIN"}, module="tests.e2e.seed_document_people"
    )

    # --- 拟稿: 张晓明 drafts a 特急 通知 to 财政局 -------------------------------------------
    staff = log_in(new_phone(), STAFF)
    staff.get_by_test_id("tab-workbench").click()
    staff.get_by_test_id("tile-documents").click()
    expect(staff.get_by_test_id("documents-home")).to_be_visible()
    staff.get_by_test_id("document-box-mine").click()
    expect(staff.get_by_test_id("document-empty")).to_be_visible()
    screenshot(staff, "40-documents-empty")
    staff.get_by_test_id("document-draft").click()
    form = staff.get_by_test_id("document-draft-form")
    expect(form.get_by_test_id("draft-title")).to_be_visible()
    # The server's Chinese errors show on the fields: no 主送 yet.
    form.get_by_test_id("draft-submit").click()
    expect(form.get_by_test_id("draft-title")).to_contain_text("请填写标题")
    expect(form.get_by_test_id("draft-main-to")).to_contain_text("请选择主送机关")
    form.get_by_test_id("draft-title").locator("textarea").fill(TITLE)
    form.get_by_test_id("draft-main-to").click()
    staff.get_by_test_id("unit-search").locator("input").fill("财政局")
    staff.get_by_test_id("unit-option").filter(has_text="江城市财政局").first.click()
    staff.get_by_test_id("unit-confirm").click()
    expect(form.get_by_test_id("draft-main-to").locator("textarea")).to_have_value("江城市财政局")
    form.get_by_test_id("draft-urgency-extra_urgent").click()
    form.get_by_test_id("draft-body").locator("textarea").fill(BODY)
    expect(staff.locator(".van-toast")).to_be_hidden()
    form.locator(".zt-scroll").evaluate("el => el.scrollTo(0, 0)")
    screenshot(staff, "41-document-draft")
    form.get_by_test_id("draft-submit").click()

    detail = staff.get_by_test_id("document-detail")
    expect(detail).to_be_visible()
    expect(staff.get_by_test_id("document-status")).to_have_text("办理中")
    expect(staff.get_by_test_id("document-urgency")).to_have_text("特急")
    expect(staff.get_by_test_id("document-step")).to_contain_text("核稿")
    document_id = int(detail.get_attribute("data-document-id"))
    # The GB/T 9704 layout is rendered on the server (WeasyPrint): the first time takes a while.
    expect(staff.get_by_test_id("layout-page").first).to_be_visible(timeout=90_000)
    staff.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=layout-page]');"
        " return img && img.complete && img.naturalWidth > 0 }",
        timeout=90_000,
    )
    screenshot(staff, "42-document-detail")

    # --- 核稿: 李秀英 from the card in 公文助手 ----------------------------------------------
    clerk = log_in(new_phone(), CLERK)
    open_conversation(clerk, "公文助手")
    card = clerk.get_by_test_id("card").filter(has_text=TITLE).last
    expect(card.get_by_test_id("card-urgency")).to_have_text("特急")
    expect(card.get_by_test_id("card-urgency")).to_have_attribute("data-urgency", "extra_urgent")
    expect(card.get_by_test_id("card-action-approve")).to_have_text("核稿通过")
    screenshot(clerk, "43-document-card")
    card.get_by_test_id("card-action-approve").click()
    clerk.get_by_test_id("card-opinion").locator("textarea").fill("文字已核，请领导签发。")
    clerk.locator(".van-dialog__confirm:visible").click()
    expect(card.get_by_test_id("card-action-approve")).to_have_count(0)

    # --- 签发: 周建国 writes it by hand on the canvas ----------------------------------------
    director = log_in(new_phone(), DIRECTOR)
    director.goto(f"/documents/{document_id}")
    expect(director.get_by_test_id("document-step")).to_contain_text("签发")
    director.get_by_test_id("document-action-approve").click()
    sheet = director.get_by_test_id("doc-action-sheet")
    expect(sheet).to_have_attribute("data-action", "approve")
    sheet.get_by_test_id("opinion-handwrite").click()
    expect(director.get_by_test_id("handwriting-pad")).to_be_visible()
    draw_on_canvas(director)
    screenshot(director, "44-handwriting-pad")
    director.get_by_test_id("hand-undo").click()
    expect(director.get_by_test_id("hand-canvas")).to_have_attribute("data-strokes", "1")
    draw_on_canvas_again = settled_box(director, director.get_by_test_id("hand-canvas"))
    director.mouse.move(draw_on_canvas_again["x"] + 120, draw_on_canvas_again["y"] + 300)
    director.mouse.down()
    director.mouse.move(draw_on_canvas_again["x"] + 220, draw_on_canvas_again["y"] + 340, steps=12)
    director.mouse.up()
    director.get_by_test_id("hand-confirm").click()
    expect(director.get_by_test_id("handwriting-pad")).to_be_hidden()
    stroke = sheet.get_by_test_id("opinion-stroke").locator("img")
    expect(stroke).to_be_visible()
    screenshot(director, "45-sign-sheet")
    sheet.get_by_test_id("opinion-confirm").click()
    expect(director.get_by_test_id("document-step")).to_contain_text("复核")
    expect(director.get_by_test_id("document-fact-signer")).to_contain_text("周建国")
    handwriting = (
        director.get_by_test_id("sheet-entry")
        .filter(has_text="周建国")
        .locator('[data-testid="sheet-handwriting"]')
    )
    expect(handwriting).to_be_visible()
    director.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=sheet-handwriting]')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    handwriting.scroll_into_view_if_needed()
    screenshot(director, "46-handling-sheet")

    # --- 复核 → 登记 → 用印 → 分发: 李秀英 on the detail page ----------------------------------
    clerk.goto(f"/documents/{document_id}")
    act_on_detail(clerk, "复核通过")
    act_on_detail(clerk, "登记编号")
    expect(clerk.get_by_test_id("document-fact-number")).to_have_text(
        re.compile(r"^市府办发〔\d{4}〕\d+号$")
    )
    act_on_detail(clerk, "用印")

    # The sender watches from here on, in another browser context.
    staff.goto(f"/documents/{document_id}")
    expect(staff.get_by_test_id("document-step")).to_contain_text("分发")

    act_on_detail(clerk, "分发")
    expect(clerk.get_by_test_id("document-status")).to_have_text("已分发")
    receipt_row = staff.get_by_test_id("receipt-row").filter(has_text="江城市财政局")
    expect(receipt_row).to_have_attribute("data-status", "delivered")
    expect(staff.get_by_test_id("document-status")).to_have_text("已分发")
    receipt_row.scroll_into_view_if_needed()
    screenshot(staff, "47-delivery-receipts")

    # --- 签收: 财政局's clerk from the card ---------------------------------------------------
    fin_clerk = log_in(new_phone(), finance_clerk["clerk"])
    open_conversation(fin_clerk, "公文助手")
    incoming = fin_clerk.get_by_test_id("card").filter(has_text=TITLE).last
    expect(incoming.get_by_test_id("card-action-sign_for")).to_have_text("签收")
    screenshot(fin_clerk, "48-incoming-card")
    incoming.get_by_test_id("card-action-sign_for").click()
    expect(incoming.get_by_test_id("card-action-sign_for")).to_have_count(0)
    expect(receipt_row).to_have_attribute("data-status", "signed")
    expect(receipt_row).to_contain_text(f"{finance_clerk['clerk_name']} 签收于")

    # --- 登记 and 拟办 on the receipt's page -----------------------------------------------------
    incoming.get_by_test_id("card-link").click()
    receipt_page = fin_clerk.get_by_test_id("document-detail")
    expect(receipt_page).to_have_attribute("data-status", "signed")
    register = fin_clerk.get_by_test_id("register-form")
    expect(register.get_by_test_id("register-source-number").locator("input")).to_have_value(
        re.compile(r"^市府办发〔\d{4}〕\d+号$")
    )
    register.scroll_into_view_if_needed()
    screenshot(fin_clerk, "49-receipt-register")
    register.get_by_test_id("register-submit").click()
    expect(receipt_page).to_have_attribute("data-status", "handling")
    expect(fin_clerk.get_by_test_id("document-fact-registerNo")).to_have_text(
        re.compile(r"^收〔\d{4}〕\d+号$")
    )
    expect(receipt_row).to_have_attribute("data-status", "handling")
    receipt_id = int(receipt_page.get_attribute("data-receipt-id"))
    act_on_detail(fin_clerk, "拟办", "拟请陈局长阅示，交预算科办理。")

    # --- 批办: 陈志明 chooses the 承办 department ----------------------------------------------
    head = log_in(new_phone(), FINANCE_HEAD)
    head.goto(f"/documents/receipts/{receipt_id}")
    head.get_by_test_id("document-action-approve").click()
    sheet = head.get_by_test_id("doc-action-sheet")
    expect(sheet.get_by_test_id("action-departments")).to_be_visible()
    sheet.get_by_test_id("action-department").filter(has_text="预算科").click()
    sheet.get_by_test_id("opinion-input").locator("textarea").fill("请预算科抓紧办理。")
    sheet.get_by_test_id("opinion-save").click()
    screenshot(head, "50-instruct-sheet")
    sheet.get_by_test_id("opinion-confirm").click()
    expect(sheet.get_by_test_id("opinion-confirm")).to_be_hidden(timeout=60_000)
    # The 批示 is kept as a 常用批示语 for next time.
    assert head.evaluate(
        "async () => (await (await fetch('/api/v1/documents/phrases')).json())"
        ".some(p => p.text === '请预算科抓紧办理。')"
    )

    # --- 承办: 刘芳 reports the result from the card; 办结 -------------------------------------
    budget = log_in(new_phone(), BUDGET_HEAD)
    open_conversation(budget, "公文助手")
    task = budget.get_by_test_id("card").filter(has_text=TITLE).last
    expect(task.get_by_test_id("card-action-approve")).to_have_text("办理完毕")
    task.get_by_test_id("card-action-approve").click()
    budget.get_by_test_id("card-opinion").locator("textarea").fill("已按要求部署汛期安全检查。")
    budget.locator(".van-dialog__confirm:visible").click()
    expect(task.get_by_test_id("card-action-approve")).to_have_count(0)
    expect(task.get_by_test_id("card-status")).to_contain_text("已办结")

    # The sender saw every step without reloading.
    expect(receipt_row).to_have_attribute("data-status", "done")
    expect(receipt_row.get_by_test_id("receipt-status")).to_have_text("已办结")
    receipt_row.scroll_into_view_if_needed()
    screenshot(staff, "51-delivery-receipts-done")

    # --- the lists: 我起草的 and 收文登记簿 ----------------------------------------------------
    staff.goto("/documents?box=mine")
    mine = staff.get_by_test_id("document-item").filter(has_text=TITLE)
    expect(mine.get_by_test_id("document-item-status")).to_have_text("已分发")
    screenshot(staff, "52-documents-mine")
    fin_clerk.goto("/documents?box=received")
    received = fin_clerk.get_by_test_id("document-item").filter(has_text=TITLE)
    expect(received.get_by_test_id("document-item-status")).to_have_text("已办结")
    fin_clerk.get_by_test_id("document-search").locator("input").fill("汛期")
    expect(fin_clerk.get_by_test_id("document-item")).to_have_count(1)
    screenshot(fin_clerk, "53-documents-received")
    fin_clerk.get_by_test_id("document-search").locator("input").fill("不存在的标题")
    expect(fin_clerk.get_by_test_id("document-empty")).to_be_visible()


def pdf_bytes() -> bytes:
    """A real one-page PDF (Pillow writes it), so the server's content sniffing accepts it."""
    image = Image.new("RGB", (595, 842), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


def png_bytes() -> bytes:
    image = Image.new("RGB", (320, 200), (200, 40, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_draft_refuses_a_classified_mark_and_previews_its_files(new_phone: Any) -> None:
    staff = log_in(new_phone(), STAFF)
    staff.get_by_test_id("tab-workbench").click()
    expect(staff.get_by_test_id("tile-documents")).to_be_visible()
    screenshot(staff, "54-workbench-documents-tile")
    staff.get_by_test_id("tile-documents").click()
    staff.get_by_test_id("document-draft").click()
    form = staff.get_by_test_id("document-draft-form")
    form.get_by_test_id("draft-title").locator("textarea").fill("秘密★1年 关于调整办公用房的请示")
    form.get_by_test_id("draft-main-to").click()
    staff.get_by_test_id("unit-search").locator("input").fill("财政局")
    staff.get_by_test_id("unit-option").filter(has_text="江城市财政局").first.click()
    staff.get_by_test_id("unit-confirm").click()
    form.get_by_test_id("draft-body").locator("textarea").fill("特此请示，请予批准。")
    form.get_by_test_id("draft-main-input").set_input_files(
        {"name": "请示正文.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    expect(form.get_by_test_id("draft-main-file")).to_contain_text("请示正文.pdf")
    form.get_by_test_id("draft-attachment-input").set_input_files(
        {"name": "现场照片.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    expect(form.get_by_test_id("draft-attachment")).to_contain_text("现场照片.png")
    # The server refuses the 密级 mark, in Chinese, on the 密级 field; nothing is made.
    form.get_by_test_id("draft-submit").click()
    expect(form.get_by_test_id("draft-secrecy-field")).to_contain_text("不接受涉密公文")
    form.get_by_test_id("draft-secrecy-field").scroll_into_view_if_needed()
    screenshot(staff, "55-document-draft-refused")
    form.get_by_test_id("draft-title").locator("textarea").fill("关于调整办公用房的请示")
    form.get_by_test_id("draft-submit").click()

    detail = staff.get_by_test_id("document-detail")
    expect(detail).to_have_attribute("data-status", "running")
    files = staff.get_by_test_id("document-file")
    expect(files).to_have_count(2)
    files.filter(has_text="请示正文.pdf").click()
    preview = staff.get_by_test_id("file-preview")
    expect(preview).to_have_attribute("data-kind", "pdf")
    frame = preview.get_by_test_id("file-preview-pdf")
    expect(frame).to_have_attribute("src", re.compile(r"^blob:"))
    settled_box(staff, preview)
    screenshot(staff, "56-file-preview-pdf")
    preview.locator(".van-nav-bar__left").click()
    expect(preview).to_be_hidden()
    files.filter(has_text="现场照片.png").click()
    image = staff.get_by_test_id("file-preview-image")
    expect(image).to_be_visible()
    staff.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=file-preview-image]');"
        " return img && img.complete && img.naturalWidth === 320 }"
    )
    settled_box(staff, staff.get_by_test_id("file-preview"))
    screenshot(staff, "57-file-preview-image")


# --- 重新分发, 传阅, 退回 to an earlier step (states seeded through the services) -----------

TAP_TARGETS = (
    "button, .zt-co__chip, .zt-co__save, .van-popup__close-icon, .zt-card__link, "
    "[data-testid=action-target], [data-testid=action-department]"
)


def assert_tap_targets(scope: Any) -> None:
    """Every visible tap target inside `scope` is at least 44 × 44 CSS px."""
    small = scope.evaluate(
        """(root, selector) => [...root.querySelectorAll(selector)]
            .filter((el) => el.getClientRects().length > 0)
            .map((el) => {
              const r = el.getBoundingClientRect()
              return { what: (el.textContent || el.className).trim().slice(0, 16),
                       w: Math.round(r.width), h: Math.round(r.height) }
            })
            .filter((box) => box.w < 44 || box.h < 44)""",
        TAP_TARGETS,
    )
    assert small == [], small


def seeded(e2e_server: E2EServer, state: str, title: str) -> dict[str, Any]:
    return seed(
        e2e_server.env, {"state": state, "title": title}, module="tests.e2e.seed_document_states"
    )


def test_resend_to_a_unit_that_returned_it(new_phone: Any, e2e_server: E2EServer) -> None:
    title = "关于开展节能宣传周活动的通知"
    state = seeded(e2e_server, "refused", title)
    staff = log_in(new_phone(), STAFF)
    staff.goto(f"/documents/{state['document']}")
    row = staff.get_by_test_id("receipt-row").filter(has_text="江城市财政局")
    expect(row).to_have_attribute("data-status", "refused")
    expect(row.get_by_test_id("receipt-reason")).to_have_text("非我局职能，请核实主送单位")
    resend = row.get_by_test_id("receipt-redistribute")
    resend.scroll_into_view_if_needed()
    assert_tap_targets(row)
    screenshot(staff, "58-receipt-refused")
    resend.click()
    expect(row).to_have_attribute("data-status", "delivered")
    expect(row.get_by_test_id("receipt-redistribute")).to_have_count(0)
    expect(row.get_by_test_id("receipt-reason")).to_have_count(0)
    screenshot(staff, "59-receipt-redistributed")

    # 财政局's clerk gets a fresh card and signs for it; the sender sees it live.
    fin_clerk = log_in(new_phone(), state["clerk"])
    open_conversation(fin_clerk, "公文助手")
    card = fin_clerk.get_by_test_id("card").filter(has_text=title).last
    expect(card.get_by_test_id("card-action-sign_for")).to_have_text("签收")
    assert_tap_targets(card)
    screenshot(fin_clerk, "60-redistributed-card")
    card.get_by_test_id("card-action-sign_for").click()
    expect(card.get_by_test_id("card-action-sign_for")).to_have_count(0)
    expect(row).to_have_attribute("data-status", "signed")


def read_on_detail(page: Any, receipt_id: int, comment: str) -> None:
    page.goto(f"/documents/receipts/{receipt_id}")
    button = page.get_by_test_id("document-action-approve")
    expect(button).to_have_text("已阅")
    button.click()
    sheet = page.get_by_test_id("doc-action-sheet")
    sheet.get_by_test_id("opinion-input").locator("textarea").fill(comment)
    assert_tap_targets(sheet)
    sheet.get_by_test_id("opinion-confirm").click()
    expect(sheet.get_by_test_id("opinion-confirm")).to_be_hidden(timeout=60_000)


def test_a_read_document_circulates_to_two_leaders(new_phone: Any, e2e_server: E2EServer) -> None:
    title = "关于2026年第一季度财政收支情况的通报"
    state = seeded(e2e_server, "read_registered", title)
    receipt_id = state["receipt"]
    fin_clerk = log_in(new_phone(), state["clerk"])
    fin_clerk.goto(f"/documents/receipts/{receipt_id}")
    button = fin_clerk.get_by_test_id("document-action-approve")
    expect(button).to_have_text("拟办")
    button.click()
    sheet = fin_clerk.get_by_test_id("doc-action-sheet")
    sheet.get_by_test_id("action-next-assignees").click()
    picker = fin_clerk.get_by_test_id("person-picker")
    for name in ("陈志明", "刘芳"):
        picker.get_by_test_id("person-picker-search").locator("input").fill(name)
        picker.locator(".zt-sheet__list .van-cell").filter(has_text=name).first.click()
    picker.get_by_test_id("person-picker-confirm").click()
    expect(sheet.get_by_test_id("action-next-assignees")).to_contain_text("陈志明、刘芳")
    expect(sheet.get_by_test_id("action-departments")).to_have_count(0)  # 批办 only
    sheet.get_by_test_id("opinion-input").locator("textarea").fill("拟请陈局长、刘科长阅。")
    assert_tap_targets(sheet)
    screenshot(fin_clerk, "61-circulate-sheet")
    sheet.get_by_test_id("opinion-confirm").click()
    expect(sheet.get_by_test_id("opinion-confirm")).to_be_hidden(timeout=60_000)

    # Both read it at once (传阅 to all); each 已阅 with a comment; then it is 办结.
    head = log_in(new_phone(), FINANCE_HEAD)
    read_on_detail(head, receipt_id, "已阅。请预算科对照通报查找差距。")
    budget = log_in(new_phone(), BUDGET_HEAD)
    read_on_detail(budget, receipt_id, "已阅，按要求落实。")
    page = fin_clerk.get_by_test_id("document-detail")
    expect(page).to_have_attribute("data-status", "done")
    reads = fin_clerk.get_by_test_id("sheet-entry").filter(has_text="已阅")
    expect(reads.filter(has_text="陈志明")).to_contain_text("已阅。请预算科对照通报查找差距。")
    expect(reads.filter(has_text="刘芳")).to_contain_text("已阅，按要求落实。")
    # Opinions are set in 楷体 (LXGW WenKai, shipped with the PWA), once the font has loaded.
    opinion = reads.filter(has_text="刘芳").locator(".zt-opinion")
    assert "LXGW WenKai" in opinion.evaluate("el => getComputedStyle(el).fontFamily")
    fin_clerk.wait_for_function(
        "() => document.fonts.check('15px \"LXGW WenKai\"', '已阅')", timeout=60_000
    )
    reads.last.scroll_into_view_if_needed()
    screenshot(fin_clerk, "62-circulated-sheet")


def test_return_to_an_earlier_step_with_an_opinion(new_phone: Any, e2e_server: E2EServer) -> None:
    title = "关于加强政务值班工作的通知"
    state = seeded(e2e_server, "at_sign", title)
    director = log_in(new_phone(), DIRECTOR)
    director.goto(f"/documents/{state['document']}")
    expect(director.get_by_test_id("document-step")).to_contain_text("签发")
    director.get_by_test_id("document-action-return").click()
    sheet = director.get_by_test_id("doc-action-sheet")
    expect(sheet).to_have_attribute("data-action", "return")
    sheet.locator('[data-testid=action-target][data-target="review"]').click()
    sheet.get_by_test_id("opinion-input").locator("textarea").fill(
        "第二条表述不准确，请核稿人重新核对后再送签。"
    )
    assert_tap_targets(sheet)
    screenshot(director, "63-return-sheet")
    sheet.get_by_test_id("opinion-confirm").click()
    expect(sheet.get_by_test_id("opinion-confirm")).to_be_hidden(timeout=60_000)
    expect(director.get_by_test_id("document-step")).to_contain_text("核稿")
    entry = director.locator('[data-testid=sheet-entry][data-action="return"]')
    expect(entry).to_contain_text("周建国")
    expect(entry).to_contain_text("第二条表述不准确，请核稿人重新核对后再送签。")
    entry.scroll_into_view_if_needed()
    expect(director.locator(".van-toast")).to_be_hidden()
    screenshot(director, "64-returned-to-review")

    # 核稿 is 李秀英's again: a new card with 核稿通过.
    clerk = log_in(new_phone(), CLERK)
    open_conversation(clerk, "公文助手")
    card = clerk.get_by_test_id("card").filter(has_text=title).last
    expect(card.get_by_test_id("card-action-approve")).to_have_text("核稿通过")
    assert_tap_targets(card)
    screenshot(clerk, "65-review-again-card")
