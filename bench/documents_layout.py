"""GB/T 9704 layout benchmark: render time per page of render_pdf and render_png_pages.

Renders documents of 1, 5 and 20 pages (正文 of Han characters with punctuation, headings,
附件说明, 署名; the 20-page one with its 版记) in one process: the first render (WeasyPrint and
fontconfig start, the ~15 MB CJK font files load) is reported apart; then each size is rendered
--repeat times and the median is divided by the page count.

    .venv/bin/python -m bench.documents_layout            # 1, 5, 20 pages, 5 repeats
    .venv/bin/python -m bench.documents_layout --pages 1 5 --repeat 3
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time
from typing import Any

from backend.documents.layout import (
    LayoutDocument,
    render_pdf,
    render_png_pages,
)
from bench.common import machine, write_result

SENTENCE = (
    "各部门要坚持量入为出、统筹兼顾，严格控制一般性支出，把有限的财政资金用在刀刃上，"
    "切实提高预算编制的科学性、规范性和准确性。"
)
CHARS_PER_PAGE = 22 * 28


def document(pages: int, slack: int = 0) -> LayoutDocument:
    """A document of `pages` pages. Line budget: page 1 has room for ~8 lines of 正文 under the
    版头, title and 主送; every further page 22; 附件说明, 署名, 日期 and 附注 take 8. A heading is
    one line, a paragraph (SENTENCE) three. Even sizes carry a 版记 on the last page; odd sizes
    have none (a 版记 would add an even page)."""
    short = pages == 1  # one page: no 附件说明 and 附注
    budget = 7 + (pages - 1) * 22 - (4 if short else 8) - (4 if pages % 2 == 0 else 0) - slack
    paragraphs: list[str] = []
    used = 0
    section = 0
    while used + 4 <= budget:
        section += 1
        paragraphs.append(f"{'一二三四五六七八九十'[(section - 1) % 10]}、第{section}部分")
        used += 1
        for _ in range(3):
            if used + 3 > budget:
                break
            paragraphs.append(SENTENCE)
            used += 3
    banji = pages % 2 == 0
    return LayoutDocument(
        title="广州市财政局关于做好2027年部门预算编制工作的通知",
        body="\n".join(paragraphs) or SENTENCE,
        issuer_mark="广州市财政局文件",
        doc_number="穗财〔2026〕12号",
        copy_number="000123",
        urgency="加急",
        main_recipients=("各区财政局", "市直各预算单位"),
        attachments=() if short else ("2027年部门预算编制说明", "2027年部门预算报表"),
        issuer_signature="广州市财政局",
        date=datetime.date(2026, 12, 1),
        note="" if short else "此件公开发布",
        cc=("市委办公厅", "市人大常委会办公厅", "市政府办公厅") if banji else (),
        printer="广州市财政局办公室" if banji else "",
        print_date=datetime.date(2026, 12, 2) if banji else None,
    )


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    render_pdf(document(1))
    first = time.perf_counter() - started
    print(f"first render in a fresh process (fonts load): {first:.2f} s")

    results: list[dict[str, Any]] = []
    for target in args.pages:
        # the line budget is an estimate (widows and orphans move lines): trim it to the target
        slack = 0
        doc = document(target)
        while (produced := page_count(render_pdf(doc))) > target:
            slack += (produced - target) * 18 + 2
            doc = document(target, slack)
        pdf_times: list[float] = []
        png_times: list[float] = []
        pages = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            pdf = render_pdf(doc)
            pdf_times.append(time.perf_counter() - t0)
            pages = page_count(pdf)
        for _ in range(max(1, args.repeat // 2)):
            t0 = time.perf_counter()
            render_png_pages(doc, dpi=96)
            png_times.append(time.perf_counter() - t0)
        pdf_median = statistics.median(pdf_times)
        png_median = statistics.median(png_times)
        row = {
            "target_pages": target,
            "pages": pages,
            "pdf_bytes": len(pdf),
            "pdf_median_s": round(pdf_median, 3),
            "pdf_per_page_ms": round(pdf_median / pages * 1000, 1),
            "png96_median_s": round(png_median, 3),
            "png96_per_page_ms": round(png_median / pages * 1000, 1),
        }
        results.append(row)
        print(
            f"{pages:>3} pages: PDF {pdf_median:.2f} s ({row['pdf_per_page_ms']} ms/page, "
            f"{len(pdf) // 1024} KiB); PDF + PNG 96 dpi {png_median:.2f} s "
            f"({row['png96_per_page_ms']} ms/page)"
        )
    path = write_result(
        "documents_layout",
        {"machine": machine(), "first_render_s": round(first, 3), "sizes": results},
    )
    print(f"written {path}")


if __name__ == "__main__":
    main()
