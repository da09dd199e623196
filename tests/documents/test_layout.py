"""The GB/T 9704-2012 layout, measured in the PDF (pdfplumber) and in its PNG pages (pdfium)."""

from __future__ import annotations

import datetime
import io
import itertools
import shutil
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from pdfminer.pdftypes import resolve1
from PIL import Image, ImageDraw

from backend.documents.layout import LayoutDocument, render_pdf, render_png_pages
from backend.documents.layout.fonts import PROJECT_DEFAULTS, PROJECT_FONTS, Role, resolve_fonts
from backend.documents.layout.render import cn_date, heading_level

MM = 72 / 25.4
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
BODY_LEFT = 28 * MM
BODY_RIGHT = (28 + 156) * MM
BODY_TOP = 37 * MM
BODY_BOTTOM = (37 + 225) * MM
PITCH = 225 * MM / 22

HAN = "政通协同办公平台公文处理发文收文签收登记拟办批办承办传阅办结归档"


def han_text(n: int, offset: int = 0) -> str:
    """n Han characters without punctuation (so no line-breaking rule moves a character)."""
    return "".join(HAN[(offset + i) % len(HAN)] for i in range(n))


def make_doc(**overrides: Any) -> LayoutDocument:
    fields: dict[str, Any] = {
        "title": "广州市财政局关于做好2027年部门预算编制工作的通知",
        "body": "\n".join(
            [
                "为进一步加强预算管理，现就做好2027年部门预算编制工作通知如下。",
                "一、总体要求",
                han_text(120),
                han_text(1000, 11),
                "（一）坚持量入为出。" + han_text(60, 3),
                "1．加强收入预算管理。" + han_text(50, 5),
                "（1）规范非税收入。" + han_text(40, 7),
            ]
        ),
        "issuer_mark": "广州市财政局文件",
        "doc_number": "穗财〔2026〕12号",
        "copy_number": "000123",
        "secrecy": "内部",
        "urgency": "特急",
        "main_recipients": ("各区财政局", "市直各预算单位"),
        "attachments": ("2027年部门预算编制说明", "2027年部门预算报表（样表）"),
        "issuer_signature": "广州市财政局",
        "date": datetime.date(2026, 12, 1),
        "note": "此件公开发布",
        "cc": ("市委办公厅", "市人大常委会办公厅", "市政府办公厅", "市政协办公厅"),
        "printer": "广州市财政局办公室",
        "print_date": datetime.date(2026, 12, 2),
    }
    fields.update(overrides)
    return LayoutDocument(**fields)


class Rendered:
    def __init__(self, doc: LayoutDocument) -> None:
        self.doc = doc
        self.pdf_bytes = render_pdf(doc)
        self.pdf = pdfplumber.open(io.BytesIO(self.pdf_bytes))

    @property
    def pages(self) -> list[Any]:
        return list(self.pdf.pages)

    def text(self, index: int) -> str:
        return "".join(c["text"] for c in self.pages[index].chars)


def lines_of(chars: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Characters grouped into text lines (same top), top to bottom, each left to right."""
    rows: dict[float, list[dict[str, Any]]] = defaultdict(list)
    for c in chars:
        rows[round(c["top"], 1)].append(c)
    return [sorted(rows[top], key=lambda c: c["x0"]) for top in sorted(rows)]


def body_chars(page: Any) -> list[dict[str, Any]]:
    """The 3号 正文 characters of a page (not 页码, 版记, 标题)."""
    return [c for c in page.chars if abs(c["size"] - 16) < 0.01 and c["text"].strip()]


def find_text(page: Any, text: str, size: float | None = None) -> list[dict[str, Any]]:
    """The characters of the first occurrence of text on the page (in content order), in the
    given font size if one is given."""
    chars = page.chars
    joined = "".join(c["text"] for c in chars)
    start = joined.find(text)
    while start >= 0:
        found = chars[start : start + len(text)]
        if size is None or found[0]["size"] == pytest.approx(size, abs=0.01):
            return found
        start = joined.find(text, start + 1)
    raise AssertionError(f"{text!r} not on the page: {joined[:200]!r}")


def em_box(char: dict[str, Any], page: Any) -> tuple[float, float]:
    """Top and bottom of a CJK character's em box (Noto: ascender 0.88 em, descender 0.12 em)
    from its baseline; pdfminer's top/bottom use the font's whole descent instead."""
    baseline = page.height - char["matrix"][5]
    return baseline - 0.88 * char["size"], baseline + 0.12 * char["size"]


def embedded_fonts(pdf: Any) -> dict[str, str]:
    """BaseFont name → the family name read from the embedded font program itself."""
    found: dict[str, str] = {}
    for page in pdf.pages:
        for ref in resolve1(page.page_obj.resources.get("Font", {})).values():
            font = resolve1(ref)
            descendant = resolve1(resolve1(font["DescendantFonts"])[0])
            descriptor = resolve1(descendant["FontDescriptor"])
            program = resolve1(descriptor.get("FontFile2") or descriptor.get("FontFile3"))
            ttf = TTFont(io.BytesIO(program.get_data()))
            found[str(font["BaseFont"]).strip("/'")] = str(ttf["name"].getDebugName(4))
    return found


@pytest.fixture(scope="module")
def downward() -> Rendered:
    """A 下行文 of four pages: the content ends on page 3, the 版记 takes page 4."""
    return Rendered(make_doc())


@pytest.fixture(scope="module")
def long_doc() -> Rendered:
    """One long paragraph: pages 2.. are full pages of 正文."""
    return Rendered(
        make_doc(
            body=han_text(28 * 22 * 3),
            attachments=(),
            note="",
            cc=(),
            printer="广州市财政局办公室",
        )
    )


def test_pages_are_a4(downward: Rendered, long_doc: Rendered) -> None:
    for rendered in (downward, long_doc):
        for page in rendered.pages:
            assert page.width == pytest.approx(210 * MM, abs=0.01)
            assert page.height == pytest.approx(297 * MM, abs=0.01)


def test_a_full_page_has_22_lines_of_28_characters_inside_the_type_area(long_doc: Rendered) -> None:
    page = long_doc.pages[1]
    lines = lines_of(body_chars(page))
    assert len(lines) == 22
    assert all(len(line) == 28 for line in lines)
    first, last = lines[0], lines[-1]
    # the first line's glyphs sit in the first grid line below the 37 mm top margin, about
    # centred (within 1 pt)
    top, bottom = em_box(first[0], page)
    assert top > BODY_TOP and bottom < BODY_TOP + PITCH
    assert (top + bottom) / 2 == pytest.approx(BODY_TOP + PITCH / 2, abs=1)
    # the last line ends inside the 版心 (262 mm), in the 22nd grid line
    top, bottom = em_box(last[0], page)
    assert top > BODY_BOTTOM - PITCH and bottom < BODY_BOTTOM
    assert (top + bottom) / 2 == pytest.approx(BODY_BOTTOM - PITCH / 2, abs=1)
    # lines are one pitch apart: 22 lines fill 225 mm
    tops = [line[0]["top"] for line in lines]
    for a, b in itertools.pairwise(tops):
        assert b - a == pytest.approx(PITCH, abs=0.05)
    # each line starts at the 28 mm left margin and its 28th character ends at the right edge
    for line in lines:
        assert line[0]["x0"] == pytest.approx(BODY_LEFT, abs=0.05)
        assert BODY_RIGHT - 1.0 < line[-1]["x1"] <= BODY_RIGHT + 0.3
        # the characters are evenly spaced at 156/28 mm
        assert line[-1]["x0"] - line[0]["x0"] == pytest.approx(27 * 156 * MM / 28, abs=0.2)


def test_paragraphs_are_indented_two_characters(long_doc: Rendered) -> None:
    lines = lines_of(body_chars(long_doc.pages[0]))
    paragraph_first = next(line for line in lines if line[0]["text"] == HAN[0])
    assert paragraph_first[0]["x0"] == pytest.approx(BODY_LEFT + 2 * 156 * MM / 28, abs=0.1)
    assert len(paragraph_first) == 26


def test_document_has_several_pages_and_numbers_them_alternately(long_doc: Rendered) -> None:
    pages = long_doc.pages
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        number_chars = [c for c in page.chars if abs(c["size"] - 14) < 0.01 and c["top"] > 750]
        text = "".join(c["text"] for c in number_chars)
        assert text == f"— {number} —"
        dashes = [c for c in number_chars if c["text"] == "—"]
        # the 一字线 lie 7 mm below the 版心's bottom edge
        middle = (dashes[0]["top"] + dashes[0]["bottom"]) / 2
        assert middle == pytest.approx(BODY_BOTTOM + 7 * MM, abs=1.5 * MM)
        if number % 2:  # odd pages: right, one 4号 character in
            assert number_chars[-1]["x1"] == pytest.approx(BODY_RIGHT - 14, abs=0.5)
        else:  # even pages: left, one character in
            assert number_chars[0]["x0"] == pytest.approx(BODY_LEFT + 14, abs=0.5)


def test_red_mark_and_red_rule_below_the_document_number(downward: Rendered) -> None:
    page = downward.pages[0]
    red = (0.901961, 0.0, 0.070588)  # #E60012
    mark = find_text(page, "广州市财政局文件")
    assert all(c["non_stroking_color"] == pytest.approx(red, abs=0.01) for c in mark)
    # the mark's top lies 35 mm below the 版心's top edge, centred
    line_box_top = BODY_TOP + 35 * MM
    assert mark[0]["top"] >= line_box_top
    centre = (mark[0]["x0"] + mark[-1]["x1"]) / 2
    assert centre == pytest.approx((BODY_LEFT + BODY_RIGHT) / 2, abs=1)
    rules = [r for r in page.rects if r["non_stroking_color"] == pytest.approx(red, abs=0.01)]
    assert len(rules) == 1
    rule = rules[0]
    assert rule["x0"] == pytest.approx(BODY_LEFT, abs=0.1)
    assert rule["width"] == pytest.approx(156 * MM, abs=0.1)
    number = find_text(page, "穗财〔2026〕12号")
    centre = (number[0]["x0"] + number[-1]["x1"]) / 2
    assert centre == pytest.approx((BODY_LEFT + BODY_RIGHT) / 2, abs=1)
    # 4 mm below the number's glyphs
    assert rule["top"] - em_box(number[0], page)[1] == pytest.approx(4 * MM, abs=0.3 * MM)
    # the title is below the rule, in 2号 (22 pt)
    title = find_text(page, "广州市财政局关于")
    assert title[0]["size"] == pytest.approx(22, abs=0.01)
    assert title[0]["top"] > rule["bottom"] + PITCH


def test_the_rule_is_red_in_the_png_page(downward: Rendered) -> None:
    png = render_png_pages(downward.doc, dpi=150)[0]
    image = Image.open(io.BytesIO(png)).convert("RGB")
    rule = next(r for r in downward.pages[0].rects if r["non_stroking_color"][0] > 0.8)
    scale = 150 / 72
    x = int((BODY_LEFT + 100) * scale)
    y = int((rule["top"] + rule["bottom"]) / 2 * scale)
    r, green, b = image.getpixel((x, y))
    assert r > 200 and green < 40 and b < 60
    # and white above the rule
    assert image.getpixel((x, int((rule["top"] - 6) * scale))) == (255, 255, 255)


def test_copy_number_secrecy_and_urgency_top_left(downward: Rendered) -> None:
    page = downward.pages[0]
    items = [find_text(page, "000123"), find_text(page, "内部"), find_text(page, "特急")]
    for i, chars in enumerate(items):
        assert chars[0]["x0"] == pytest.approx(BODY_LEFT, abs=0.1)
        top, bottom = em_box(chars[0], page)
        assert BODY_TOP + i * PITCH < top and bottom < BODY_TOP + (i + 1) * PITCH
        assert "heiti" in chars[0]["fontname"]


def test_signers_only_for_upward_documents() -> None:
    down = Rendered(make_doc(signers=("张三",), upward=False))
    assert "签发人" not in down.text(0)
    up = Rendered(make_doc(signers=("张三", "李四", "王五"), upward=True))
    page = up.pages[0]
    assert "签发人：" in up.text(0)
    number = find_text(page, "穗财〔2026〕12号")
    # 上行文: 发文字号 on the left, one character in, on the line of the last signer
    assert number[0]["x0"] == pytest.approx(BODY_LEFT + 156 * MM / 28, abs=0.1)
    last_signer = find_text(page, "王五")
    assert last_signer[0]["top"] == pytest.approx(number[0]["top"], abs=0.5)
    first_row = find_text(page, "李四")
    assert first_row[-1]["x1"] == pytest.approx(BODY_RIGHT - 156 * MM / 28, abs=1)
    assert first_row[0]["top"] == pytest.approx(number[0]["top"] - PITCH, abs=0.5)
    label = find_text(page, "签发人：")
    assert label[0]["top"] == pytest.approx(first_row[0]["top"], abs=0.5)


def test_fonts_are_the_projects_own_and_embedded(downward: Rendered) -> None:
    fonts = embedded_fonts(downward.pdf)
    assert fonts, "no embedded fonts"
    # every font in the PDF came from our @font-face (zt-…), none from the system's fonts
    assert all("+zt-" in name for name in fonts), fonts
    assert set(fonts.values()) == {
        "Noto Serif SC Regular",
        "Noto Serif SC Bold",
        "Noto Sans SC Medium",
    }
    title = find_text(downward.pages[0], "广州市财政局关于")
    assert fonts[title[0]["fontname"]] == "Noto Serif SC Bold"
    heading = find_text(downward.pages[0], "一、总体要求")
    assert fonts[heading[0]["fontname"]] == "Noto Sans SC Medium"
    body = find_text(downward.pages[0], "为进一步加强")
    assert fonts[body[0]["fontname"]] == "Noto Serif SC Regular"


def test_a_units_own_fonts_replace_the_defaults(tmp_path: Path, settings: Any) -> None:
    # A unit drops 仿宋 into ZT_DOCUMENT_FONTS_DIR (here Noto Sans SC Regular plays 仿宋_GB2312)
    shutil.copy(
        PROJECT_FONTS / "noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf",
        tmp_path / "仿宋_GB2312.ttf",
    )
    settings.ZT_DOCUMENT_FONTS_DIR = str(tmp_path)
    chosen = resolve_fonts()
    assert chosen[Role.FANGSONG].drop_in and chosen[Role.FANGSONG].path.name == "仿宋_GB2312.ttf"
    assert not chosen[Role.XIAOBIAOSONG].drop_in
    rendered = Rendered(make_doc(attachments=(), cc=(), printer="", print_date=None))
    fonts = embedded_fonts(rendered.pdf)
    body = find_text(rendered.pages[0], "为进一步加强")
    assert fonts[body[0]["fontname"]] == "Noto Sans SC Regular"


def test_default_fonts_are_installed_by_the_project() -> None:
    for relative in PROJECT_DEFAULTS.values():
        assert (PROJECT_FONTS / relative).is_file()
    assert all(not choice.drop_in for choice in resolve_fonts("").values())


def test_banji_lies_at_the_bottom_of_the_last_even_page(downward: Rendered) -> None:
    pages = downward.pages
    assert len(pages) % 2 == 0
    assert all("抄送" not in downward.text(i) for i in range(len(pages) - 1))
    last = pages[-1]
    assert "抄送：市委办公厅，市人大常委会办公厅，市政府办公厅，市政协办公厅。" in downward.text(
        len(pages) - 1
    )
    printed = find_text(last, "2026年12月2日印发")
    # 印发日期 right, one 4号 character in; 印发机关 left, one character in
    assert printed[-1]["x1"] == pytest.approx(BODY_RIGHT - 14, abs=0.5)
    assert find_text(last, "广州市财政局办公室")[0]["x0"] == pytest.approx(BODY_LEFT + 14, abs=0.5)
    assert printed[0]["size"] == pytest.approx(14, abs=0.01)
    # the last rule coincides with the 版心's bottom edge
    black = [r for r in last.rects if r["non_stroking_color"] == pytest.approx((0, 0, 0))]
    assert max(r["bottom"] for r in black) == pytest.approx(BODY_BOTTOM, abs=0.5)


def rule_thicknesses(png: bytes, x_pt: float, from_pt: float, dpi: int) -> list[int]:
    """Runs of dark pixels down the column at x (pt) from from_pt down: the horizontal rules'
    thicknesses."""
    image = Image.open(io.BytesIO(png)).convert("L")
    x = int(x_pt * dpi / 72)
    runs: list[int] = []
    run = 0
    for y in range(int(from_pt * dpi / 72), image.height):
        if image.getpixel((x, y)) < 128:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    return runs


def test_banji_rules_first_and_last_thick_middle_thin(downward: Rendered) -> None:
    dpi = 600
    last_png = render_png_pages(downward.doc, dpi=dpi)[-1]
    # a column through the rules but right of the 版记 text (which ends one character earlier),
    # from half a line above 抄送 down
    cc = find_text(downward.pages[-1], "抄送")
    runs = rule_thicknesses(last_png, BODY_RIGHT - 4, cc[0]["top"] - PITCH / 2, dpi)
    assert len(runs) == 3, runs
    first, middle, last = runs
    px = dpi / 25.4
    assert first == pytest.approx(0.35 * px, abs=1.5)
    assert last == pytest.approx(0.35 * px, abs=1.5)
    assert middle == pytest.approx(0.25 * px, abs=1.5)
    assert first > middle and last > middle


def test_banji_of_a_one_page_document_goes_to_page_two() -> None:
    rendered = Rendered(make_doc(body="现将有关事项通知如下。", attachments=(), note=""))
    assert len(rendered.pages) == 2
    assert "抄送" not in rendered.text(0) and rendered.text(0).endswith("— 1 —")
    # page 2 holds only the 版记, at its bottom, and is numbered (no blank page before it)
    assert not body_chars(rendered.pages[1])
    assert rendered.text(1).endswith("— 2 —")
    black = [
        r for r in rendered.pages[1].rects if r["non_stroking_color"] == pytest.approx((0, 0, 0))
    ]
    assert max(r["bottom"] for r in black) == pytest.approx(BODY_BOTTOM, abs=0.5)


def test_long_unbreakable_text_stays_inside_the_type_area() -> None:
    url = "https://www.gz.gov.cn/" + "a" * 200
    rendered = Rendered(make_doc(body=url, attachments=(), cc=(), printer="", print_date=None))
    chars = [c for page in rendered.pages for c in body_chars(page)]
    assert max(c["x1"] for c in chars) <= BODY_RIGHT + 0.5


def test_missing_project_fonts_are_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from backend.documents.layout import FontsMissing
    from backend.documents.layout import fonts as fonts_module

    monkeypatch.setattr(fonts_module, "PROJECT_FONTS", tmp_path)
    with pytest.raises(FontsMissing, match="make install"):
        render_pdf(make_doc())


def test_banji_page_after_a_blank_page_is_not_numbered() -> None:
    # content ends on page 2 (even) with no room left: page 3 stays blank, 版记 on page 4;
    # neither carries a page number (GB/T 9704 7.5)
    for extra in range(0, 22 * 28, 28):
        rendered = Rendered(
            make_doc(body=han_text(28 * 22 + extra), attachments=(), note="", date=None)
        )
        last_text_page = max(i for i, page in enumerate(rendered.pages) if body_chars(page))
        lines = lines_of(body_chars(rendered.pages[last_text_page]))
        if last_text_page == 1 and len(lines) >= 20:
            break
    else:  # pragma: no cover - the loop always finds such a body
        pytest.fail("no body ended near the bottom of page 2")
    pages = rendered.pages
    assert len(pages) == 4
    assert rendered.text(2) == ""
    assert "抄送" in rendered.text(3) or "印发" in rendered.text(3)
    assert "—" not in rendered.text(3)
    assert rendered.text(1).endswith("— 2 —")


def test_signature_and_date_follow_the_four_character_rule(downward: Rendered) -> None:
    page = next(p for p in downward.pages if "2026年12月1日" in "".join(c["text"] for c in p.chars))
    date = find_text(page, "2026年12月1日")
    # 成文日期 右空四字
    assert date[-1]["x1"] == pytest.approx(BODY_RIGHT - 4 * 156 * MM / 28, abs=1)
    issuer = find_text(page, "广州市财政局", size=16)
    # 署名 centred on the date, on the line above
    assert (issuer[0]["x0"] + issuer[-1]["x1"]) / 2 == pytest.approx(
        (date[0]["x0"] + date[-1]["x1"]) / 2, abs=1.5
    )
    assert date[0]["top"] - issuer[0]["top"] == pytest.approx(PITCH, abs=0.5)
    # 附注 below the date, two characters in, in parentheses
    note = find_text(page, "（此件公开发布）")
    assert note[0]["x0"] == pytest.approx(BODY_LEFT + 2 * 156 * MM / 28, abs=0.1)
    assert note[0]["top"] == pytest.approx(date[0]["top"] + PITCH, abs=0.5)


def test_signature_without_a_date_keeps_the_four_character_rule() -> None:
    rendered = Rendered(make_doc(date=None, attachments=(), cc=(), printer="", print_date=None))
    page = rendered.pages[-1]
    issuer = find_text(page, "广州市财政局", size=16)
    assert issuer[-1]["x1"] == pytest.approx(BODY_RIGHT - 4 * 156 * MM / 28, abs=1)


def test_attachments_are_numbered_and_aligned(downward: Rendered) -> None:
    text = "".join(downward.text(i) for i in range(len(downward.pages)))
    assert "附件：1．2027年部门预算编制说明" in text
    assert "2．2027年部门预算报表（样表）" in text
    single = Rendered(make_doc(attachments=("编制说明",), cc=(), printer="", print_date=None))
    assert "附件：编制说明" in "".join(single.text(i) for i in range(len(single.pages)))
    page = next(p for p in downward.pages if "附件" in "".join(c["text"] for c in p.chars))
    label = find_text(page, "附件：")
    assert label[0]["x0"] == pytest.approx(BODY_LEFT + 2 * 156 * MM / 28, abs=0.1)


def test_seal_overlaps_signature_and_date() -> None:
    seal = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(seal).ellipse((10, 10, 390, 390), outline=(230, 0, 18, 255), width=18)
    out = io.BytesIO()
    seal.save(out, format="PNG")
    rendered = Rendered(make_doc(seal_image=out.getvalue(), attachments=(), cc=()))
    page = next(p for p in rendered.pages if p.images)
    image = page.images[0]
    assert image["x1"] - image["x0"] == pytest.approx(42 * MM, abs=0.5)
    issuer = find_text(page, "广州市财政局", size=16)
    date = find_text(page, "2026年12月1日")
    block_middle = (issuer[0]["top"] + date[0]["bottom"]) / 2
    seal_middle = (image["top"] + image["bottom"]) / 2
    # 署名和成文日期居印章中心偏下位置
    assert 0 < block_middle - seal_middle < 4 * MM
    assert (image["x0"] + image["x1"]) / 2 == pytest.approx(
        (date[0]["x0"] + date[-1]["x1"]) / 2, abs=1.5
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    pngs = render_png_pages(rendered.doc)
    (SCREENSHOTS / "documents-layout-seal.png").write_bytes(pngs[rendered.pages.index(page)])


def test_untrusted_text_is_text_not_markup() -> None:
    rendered = Rendered(
        make_doc(title="<b>标题</b>&amp;", body='<img src="http://example.invalid/x.png">正文')
    )
    text = rendered.text(0)
    assert "<b>标题</b>&amp;" in text
    assert '<img src="http://example.invalid/x.png">正文' in text
    assert not rendered.pages[0].images


def test_long_issuer_mark_shrinks_to_the_type_area() -> None:
    mark = "广州市财政局广州市发展和改革委员会广州市人力资源和社会保障局文件"
    rendered = Rendered(make_doc(issuer_mark=mark, attachments=(), cc=()))
    chars = find_text(rendered.pages[0], mark)
    assert chars[0]["x0"] >= BODY_LEFT - 0.5
    assert chars[-1]["x1"] <= BODY_RIGHT + 0.5


def test_dates_and_headings() -> None:
    assert cn_date(datetime.date(2026, 1, 5)) == "2026年1月5日"
    samples = ("一、总体", "（二）要求", "3．任务", "（4）细则", "正文")
    assert [heading_level(s) for s in samples] == [
        1,
        2,
        3,
        4,
        0,
    ]


def test_png_pages_look_like_the_pdf(downward: Rendered) -> None:
    pngs = render_png_pages(downward.doc)
    assert len(pngs) == len(downward.pages)
    SCREENSHOTS.mkdir(exist_ok=True)
    for number, png in enumerate(pngs, start=1):
        image = Image.open(io.BytesIO(png))
        assert image.size == (794, 1123)  # A4 at 96 dpi
        (SCREENSHOTS / f"documents-layout-downward-{number}.png").write_bytes(png)
    up = make_doc(
        upward=True,
        signers=("张三", "李四", "王五"),
        title="广州市财政局关于申请追加2027年部门预算的请示",
        main_recipients=("广州市人民政府",),
        cc=(),
    )
    for number, png in enumerate(render_png_pages(up), start=1):
        (SCREENSHOTS / f"documents-layout-upward-{number}.png").write_bytes(png)


def test_renders_from_several_threads_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    docs = [make_doc(title=f"关于第{i}号事项的通知", attachments=(), cc=()) for i in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(render_pdf, docs))
    for i, pdf in enumerate(pdfs):
        with pdfplumber.open(io.BytesIO(pdf)) as opened:
            text = "".join(c["text"] for c in opened.pages[0].chars)
        assert f"关于第{i}号事项的通知" in text


def test_rendering_leaves_uploads_refusing_truncated_images(downward: Rendered) -> None:
    """WeasyPrint loosens Pillow process-wide on import; a server that rendered a 公文 still
    refuses a truncated upload (test order hid this until the suite ran in parallel)."""
    import io
    import random

    from PIL import Image

    from backend.common.errors import InvalidInput
    from realtime.files import reencode_image

    out = io.BytesIO()
    Image.frombytes("L", (64, 48), random.Random(3).randbytes(64 * 48)).save(out, format="JPEG")
    cut = io.BytesIO(out.getvalue()[: len(out.getvalue()) // 2])
    with pytest.raises(InvalidInput) as refused:
        reencode_image(cut, "image/jpeg")
    assert refused.value.code == "image_corrupt"
