"""HTML + CSS for the GB/T 9704 layout, laid out by WeasyPrint; PNG pages by pdfium."""

from __future__ import annotations

import base64
import io
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from . import geometry as g
from .fonts import FontChoice, Role, resolve_fonts

if TYPE_CHECKING:
    import datetime

    from . import LayoutDocument

CSS_TEMPLATE = Template((Path(__file__).with_name("layout.css")).read_text(encoding="utf-8"))

# Structure numbers of 正文 (GB/T 9704 7.3.3): 一、 （一） 1． （1）
HEADING_PATTERNS = (
    (1, re.compile(r"^[一二三四五六七八九十百零〇]+、")),
    (2, re.compile(r"^[（(][一二三四五六七八九十百零〇]+[)）]")),
    (3, re.compile(r"^\d+[.．]")),
    (4, re.compile(r"^[（(]\d+[)）]")),
)
PX_PER_PT = 96 / 72  # WeasyPrint lays out in CSS px
EPSILON_PX = 0.5


def cn_date(day: datetime.date) -> str:
    """成文日期 / 印发日期: Arabic numerals, full year, no leading zeros (2026年12月1日)."""
    return f"{day.year}年{day.month}月{day.day}日"


def heading_level(paragraph: str) -> int:
    for level, pattern in HEADING_PATTERNS:
        if pattern.match(paragraph):
            return level
    return 0


def _paragraph(text: str) -> str:
    level = heading_level(text)
    if level in (1, 2):
        # The heading is the text up to its first 。 (or the whole paragraph): 黑体 / 楷体;
        # what follows in the same paragraph stays 仿宋.
        end = text.find("。")
        head, rest = (text, "") if end < 0 else (text[: end + 1], text[end + 1 :])
        css = "h1" if level == 1 else "h2"
        return f'<p class="body"><span class="{css}">{escape(head)}</span>{escape(rest)}</p>'
    return f'<p class="body">{escape(text)}</p>'


def font_families(fonts: dict[Role, FontChoice]) -> dict[Role, str]:
    """The CSS family of each role; roles resolved to the same file share one family, so that
    the PDF embeds each font file once."""
    first_role: dict[Path, Role] = {}
    for role, choice in fonts.items():
        first_role.setdefault(choice.path, role)
    return {role: f"zt-{first_role[choice.path].value}" for role, choice in fonts.items()}


def _font_faces(fonts: dict[Role, FontChoice]) -> str:
    families = font_families(fonts)
    return "\n".join(
        f'@font-face {{ font-family: "{families[role]}"; '
        f'src: url("{choice.path.resolve().as_uri()}"); }}'
        for role, choice in fonts.items()
        if families[role] == f"zt-{role.value}"
    )


def _css(fonts: dict[Role, FontChoice]) -> str:
    families = font_families(fonts)
    return CSS_TEMPLATE.substitute(
        font_faces=_font_faces(fonts),
        f_xiaobiaosong=families[Role.XIAOBIAOSONG],
        f_fangsong=families[Role.FANGSONG],
        f_heiti=families[Role.HEITI],
        f_kaiti=families[Role.KAITI],
        f_songti=families[Role.SONGTI],
        page_w=g.PAGE_W_MM,
        page_h=g.PAGE_H_MM,
        top=g.TOP_MM,
        right=g.RIGHT_MM,
        bottom=g.BOTTOM_MM,
        left=g.LEFT_MM,
        # rounded down: 22 lines must not exceed 225 mm by a rounding error
        line=f"{math.floor(g.LINE_PITCH * 1000) / 1000:.3f}pt",
        char=f"{g.CHAR_PITCH:.4f}pt",
        ls=f"{g.BODY_LETTER_SPACING:.4f}pt",
        size2=f"{g.SIZE_2HAO}pt",
        size3=f"{g.SIZE_3HAO}pt",
        size4=f"{g.SIZE_4HAO}pt",
        red=g.RED,
        red_rule=f"{g.RED_RULE_MM}mm",
        thick=f"{g.BANJI_THICK_MM}mm",
        thin=f"{g.BANJI_THIN_MM}mm",
        # the page number's line box is 4号 high: its 一字线 (mid-height) 7 mm below the 版心
        pn_top=f"{g.PAGE_NUMBER_GAP_MM * g.MM - g.SIZE_4HAO / 2:.4f}pt",
        seal=f"{g.SEAL_MM}mm",
        att_num=f"{1.5 * g.CHAR_PITCH:.4f}pt",  # "1．": a half-width digit + a full-width stop
        # the seal's centre sits 2 mm above the centre of the two lines 署名 + 成文日期
        seal_top=f"{g.LINE_PITCH - (g.SEAL_MM / 2 + 2) * g.MM:.4f}pt",
    )


def _grid_ceil(y: float) -> float:
    return math.ceil(y / g.LINE_PITCH - 1e-6) * g.LINE_PITCH


def _header(doc: LayoutDocument) -> str:
    """版头: 份号/密级/紧急程度, 发文机关标志, 发文字号 (+ 签发人), the red separator."""
    parts: list[str] = []
    top_lines = [doc.copy_number]
    if doc.secrecy:
        top_lines.append(doc.secrecy + (f"★{doc.secrecy_term}" if doc.secrecy_term else ""))
    top_lines.append(doc.urgency)
    for i, text in enumerate(t for t in top_lines if t):
        parts.append(
            f'<div class="abs top-line" style="top:{i * g.LINE_PITCH:.4f}pt">{escape(text)}</div>'
        )

    mark_top = g.MARK_TOP_MM * g.MM
    n = max(len(doc.issuer_mark), 1)
    mark_size = min(g.MARK_MAX_SIZE, g.BODY_W_MM * g.MM / n)
    mark_h = mark_size * 1.2
    parts.append(
        f'<div class="abs mark" style="top:{mark_top:.4f}pt;font-size:{mark_size:.3f}pt;'
        f'line-height:{mark_h:.3f}pt">{escape(doc.issuer_mark)}</div>'
    )
    number_top = mark_top + mark_h + 2 * g.LINE_PITCH  # 空二行
    signers = doc.signers if doc.upward else ()
    if signers:
        rows = [signers[i : i + 2] for i in range(0, len(signers), 2)]
        first_top = number_top - (len(rows) - 1) * g.LINE_PITCH
        names = "".join(
            '<div class="signer-row">'
            + "".join(f'<span class="signer">{escape(name)}</span>' for name in row)
            + "</div>"
            for row in rows
        )
        parts.append(
            f'<div class="abs signers" style="top:{first_top:.4f}pt">'
            f'<span class="signers-label">签发人：</span><span class="signer-names">{names}'
            "</span></div>"
        )
        number_class = "doc-number upward"
    else:
        number_class = "doc-number"
    if doc.doc_number:
        parts.append(
            f'<div class="abs {number_class}" style="top:{number_top:.4f}pt">'
            f"{escape(doc.doc_number)}</div>"
        )
    # the glyphs of 发文字号 (their em box, about centred in the line) end about
    # (line + size) / 2 below its line top, plus the font's offset; the rule 4 mm lower
    rule_top = number_top + (g.LINE_PITCH + g.SIZE_3HAO) / 2 + 0.8 + g.RULE_GAP_MM * g.MM
    parts.append(f'<div class="abs red-rule" style="top:{rule_top:.4f}pt"></div>')
    height = _grid_ceil(rule_top + g.RED_RULE_MM * g.MM)
    return f'<header class="head" style="height:{height:.4f}pt">{"".join(parts)}</header>'


def _attachments(names: tuple[str, ...]) -> str:
    """附件说明 (7.3.4): 正文下空一行左空二字 "附件：", numbered 1． 2． when more than one;
    a wrapped name lines up with the first character of the name above."""
    if not names:
        return ""
    if len(names) == 1:
        label = '<span class="att-label">附件：</span>'
        return f'<div class="att att-single">{label}{escape(names[0])}</div>'
    rows = "".join(
        f'<div class="att{" att-first" if i == 0 else ""}">'
        f"{'<span class=att-label>附件：</span>' if i == 0 else ''}"
        f'<span class="att-num">{i + 1}．</span>{escape(name)}</div>'
        for i, name in enumerate(names)
    )
    return f'<div class="attachments">{rows}</div>'


def _signature(doc: LayoutDocument) -> str:
    if not doc.issuer_signature and doc.date is None:
        return ""
    seal = ""
    if doc.seal_image:
        data = base64.b64encode(doc.seal_image).decode("ascii")
        seal = f'<img class="seal" alt="印章" src="data:image/png;base64,{data}">'
    if doc.date is None:  # no 成文日期: the 署名 takes its place, 右空四字
        lines = f'<div class="date">{escape(doc.issuer_signature)}</div>'
    else:
        lines = (
            f'<div class="issuer">{escape(doc.issuer_signature)}</div>'
            f'<div class="date">{escape(cn_date(doc.date))}</div>'
        )
    return f'<div class="sign"><div class="sign-box">{lines}{seal}</div></div>'


def _note(note: str) -> str:
    if not note:
        return ""
    text = note if note.startswith(("（", "(")) else f"（{note}）"
    return f'<p class="note">{escape(text)}</p>'


def _banji(doc: LayoutDocument, style: str = "", spacer_px: float = 0.0) -> str:
    """版记: 抄送机关, 印发机关和印发日期 between rules (first and last thick)."""
    if not doc.cc and not doc.printer and doc.print_date is None:
        return ""
    rows: list[str] = []
    if doc.cc:
        rows.append(f'<div class="cc">抄送：{escape("，".join(doc.cc))}。</div>')
    printed = f"{cn_date(doc.print_date)}印发" if doc.print_date else ""
    rows.append(
        f'<div class="printed"><span class="print-date">{escape(printed)}</span>'
        f'<span class="printer">{escape(doc.printer)}</span></div>'
    )
    spacer = f'<div class="spacer" style="height:{spacer_px:.3f}px"></div>' if spacer_px else ""
    return (
        f'<div class="banji-wrap" style="{style}">{spacer}'
        f'<section class="banji" id="banji">{"".join(rows)}</section></div>'
    )


def build_html(doc: LayoutDocument, fonts: dict[Role, FontChoice], banji: str) -> str:
    body = "".join(_paragraph(p.strip()) for p in doc.body.split("\n") if p.strip())
    recipients = (
        f'<p class="recipients">{escape("、".join(doc.main_recipients))}：</p>'
        if doc.main_recipients
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)}</title><style>{_css(fonts)}</style></head><body>"
        f"{_header(doc)}"
        f'<h1 class="title">{escape(doc.title)}</h1>'
        f"{recipients}<main>{body}</main>"
        f"{_attachments(doc.attachments)}{_signature(doc)}{_note(doc.note)}{banji}"
        "</body></html>"
    )


@dataclass
class _BanjiPlacement:
    page: int  # index of the last page holding part of the 版记
    content_page: int  # index of the page where the content before the 版记 ends
    pages: int  # number of pages of the document
    split: bool  # the 版记 runs over a page break
    bottom_px: float  # bottom of its border box on that page
    height_px: float  # its total height
    area_bottom_px: float  # bottom edge of the 版心


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _find_banji(document: Any) -> _BanjiPlacement | None:
    found: list[tuple[int, Any]] = []
    for index, page in enumerate(document.pages):
        for box in _boxes(page._page_box):  # WeasyPrint's laid-out boxes
            element = getattr(box, "element", None)
            if (
                element is not None
                and element.get("id") == "banji"
                and getattr(box, "element_tag", "") == "section"
                and type(box).__name__ == "BlockBox"
            ):
                found.append((index, box))
    if not found:
        return None
    page_index, last = found[-1]
    first_index, first = found[0]
    page_box = document.pages[page_index]._page_box
    area_bottom = page_box.content_box_y() + page_box.height
    # pushed whole to a new page: its top is the page area's top
    at_page_top = first.border_box_y() - page_box.content_box_y() < EPSILON_PX
    return _BanjiPlacement(
        page=page_index,
        content_page=first_index - 1 if at_page_top else first_index,
        pages=len(document.pages),
        split=len({i for i, _ in found}) > 1,
        bottom_px=last.border_box_y() + last.border_height(),
        height_px=sum(box.border_height() for _, box in found),
        area_bottom_px=area_bottom,
    )


# One WeasyPrint FontConfiguration per font set, shared by every render: it loads each
# @font-face file once (a whole CJK font is ~15 MB, copied into a temporary directory) instead of
# on every render. Pango's font map is not thread-safe, and WeasyPrint is pure Python (threads
# would not run it in parallel anyway), so renders take turns under this lock.
_render_lock = threading.Lock()
_font_configs: dict[tuple[tuple[str, str], ...], Any] = {}


def _weasyprint() -> Any:
    """WeasyPrint, imported without loosening the process's image checks.

    Importing WeasyPrint sets Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES`, after
    which every upload in this process would accept a truncated image (realtime.files refuses
    them with `image_corrupt`). The layout embeds only images it made itself, so strict is right.
    """
    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


def _font_configuration(fonts: dict[Role, FontChoice]) -> Any:
    _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    key = tuple(sorted((role.value, str(choice.path)) for role, choice in fonts.items()))
    if key not in _font_configs:
        _font_configs.clear()  # fonts changed (ZT_DOCUMENT_FONTS_DIR): drop the old copies
        _font_configs[key] = FontConfiguration()
    return _font_configs[key]


def _layout(doc: LayoutDocument, fonts: dict[Role, FontChoice], banji: str) -> Any:
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher

    html = weasyprint.HTML(
        string=build_html(doc, fonts, banji),
        # only the font files and the data: URL of the seal; nothing from the network
        url_fetcher=URLFetcher(allowed_protocols={"file", "data"}),
    )
    return html.render(font_config=_font_configuration(fonts))


def render_pdf_bytes(doc: LayoutDocument) -> bytes:
    fonts = resolve_fonts()
    with _render_lock:
        return _render_pdf_locked(doc, fonts)


def _render_pdf_locked(doc: LayoutDocument, fonts: dict[Role, FontChoice]) -> bytes:
    document = _layout(doc, fonts, _banji(doc))
    placed = _find_banji(document)
    if placed is not None:
        on_even_page = (placed.page + 1) % 2 == 0
        at_bottom = placed.area_bottom_px - placed.bottom_px < 2 * EPSILON_PX
        if not (on_even_page and not placed.split and at_bottom):
            page_area_px = g.BODY_H_MM * g.MM * PX_PER_PT
            if on_even_page and not placed.split:
                # room on the last (even) page: push the 版记 down to the 版心 bottom edge
                spacer = placed.area_bottom_px - placed.bottom_px - EPSILON_PX
                banji = _banji(doc, spacer_px=spacer)
            else:
                # the next even page, at its bottom; when that leaves a blank page between,
                # neither the blank page nor the 版记 page is numbered (GB/T 9704 7.5)
                blank_between = (placed.content_page + 1) % 2 == 0
                style = "break-before: left;" + (" page: bare;" if blank_between else "")
                spacer = page_area_px - placed.height_px - EPSILON_PX
                banji = _banji(doc, style=style, spacer_px=spacer)
            document = _layout(doc, fonts, banji)
    pdf: bytes = document.write_pdf()
    return pdf


def render_png(pdf: bytes, *, dpi: int = 96) -> list[bytes]:
    import pypdfium2 as pdfium

    pages: list[bytes] = []
    pdf_doc = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(pdf_doc)):
            page = pdf_doc[index]
            image = page.render(scale=dpi / 72).to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=False)
            pages.append(out.getvalue())
            page.close()
    finally:
        pdf_doc.close()
    return pages
