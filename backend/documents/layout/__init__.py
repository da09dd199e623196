"""The GB/T 9704-2012 layout of a 公文 (党政机关公文格式) as PDF and PNG pages.

``render_pdf(LayoutDocument(...))`` lays the document out with WeasyPrint on an A4 page with the
standard's 版心 (156 × 225 mm, top 37 mm, left 28 mm), 22 lines × 28 characters of 3号 正文, the
red 发文机关标志 and separator, 版记 at the bottom of the last even page and page numbers
``— 1 —``; ``render_png_pages`` rasterises that PDF with pdfium (pypdfium2) for the phone preview.
What the layout does exactly is in docs/documents.md ("The layout").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .fonts import FontsMissing
from .render import render_pdf_bytes, render_png

__all__ = ["FontsMissing", "LayoutDocument", "render_pdf", "render_png_pages"]


@dataclass(frozen=True)
class LayoutDocument:
    title: str  # 标题
    # 正文: paragraphs separated by "\n"; lines like "一、…", "（一）…", "1. …", "（1）…" are
    # level-1..4 headings
    body: str
    issuer_mark: str  # 发文机关标志, e.g. "广州市财政局文件"
    doc_number: str = ""  # 发文字号 e.g. "穗财〔2026〕12号"
    signers: tuple[str, ...] = ()  # 签发人, shown (right of 发文字号) only when upward is True
    upward: bool = False  # 上行文
    copy_number: str = ""  # 份号 (6 digits) top left
    secrecy: str = ""  # "" or "内部" (with 保密期限 optional: secrecy_term)
    secrecy_term: str = ""
    urgency: str = ""  # "" | "加急" | "特急"
    main_recipients: tuple[str, ...] = ()  # 主送机关
    attachments: tuple[str, ...] = ()  # 附件说明 names, numbered 1. 2. when more than one
    issuer_signature: str = ""  # 发文机关署名
    date: datetime.date | None = None  # 成文日期, printed 2026年12月1日
    note: str = ""  # 附注 (（此件公开发布）etc.)
    cc: tuple[str, ...] = ()  # 抄送机关 in 版记
    printer: str = ""  # 印发机关
    print_date: datetime.date | None = None  # 印发日期
    seal_image: bytes | None = None  # 印章 PNG, optional, overlapping 署名/日期


def render_pdf(doc: LayoutDocument) -> bytes:
    """The document in the GB/T 9704-2012 layout as a PDF (A4 pages, fonts embedded)."""
    return render_pdf_bytes(doc)


def render_png_pages(doc: LayoutDocument, *, dpi: int = 96) -> list[bytes]:
    """One PNG per page of :func:`render_pdf`'s PDF, at ``dpi`` (96 → 794 × 1123 px)."""
    return render_png(render_pdf_bytes(doc), dpi=dpi)
