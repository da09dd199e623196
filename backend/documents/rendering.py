"""The GB/T 9704 layout of a stored 公文: its `LayoutDocument`, PDF and page PNGs.

`layout_input_for` maps a document's elements onto the layout's fields
(backend/documents/layout, docs/documents.md ("The layout")). Renders are cached by
their input, so a document that has not changed is laid out once.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.utils import timezone

from backend.documents.kinds import Direction, Publicity, Secrecy, Urgency
from backend.documents.layout import LayoutDocument, render_pdf, render_png_pages
from backend.documents.models import Document, UnitSettings

CACHE_SECONDS = 3600
PUBLICITY_NOTES = {Publicity.PUBLIC: "此件公开发布", Publicity.ON_REQUEST: "此件依申请公开"}


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def layout_input_for(document: Document) -> LayoutDocument:
    """The document as the layout prints it: 份号 is left empty (this platform numbers no copies);
    成文日期 is the day of 签发, 印发日期 the day of 用印 (or of 分发)."""
    recipients = list(document.recipients.select_related("unit"))
    settings = UnitSettings.objects.filter(unit_id=document.unit_id).first()
    printed = document.sealed_at or document.distributed_at
    return LayoutDocument(
        title=document.title,
        body=document.body,
        issuer_mark=settings.issuer_mark if settings else document.unit.name,
        doc_number=document.doc_number,
        signers=(document.signer.name,) if document.signer else (),
        upward=document.direction == Direction.UP,
        secrecy=Secrecy(document.secrecy).label if document.secrecy != Secrecy.NONE else "",
        urgency=Urgency(document.urgency).label if document.urgency != Urgency.NORMAL else "",
        main_recipients=tuple(r.unit.name for r in recipients if r.role == "main"),
        attachments=tuple(
            _stem(f.attachment.name) for f in document.files.select_related("attachment")
        ),
        issuer_signature=document.unit.name,
        date=timezone.localtime(document.signed_at).date() if document.signed_at else None,
        note=document.note or PUBLICITY_NOTES.get(Publicity(document.publicity), ""),
        cc=tuple(r.unit.name for r in recipients if r.role == "copy"),
        printer=document.unit.name if printed else "",
        print_date=timezone.localtime(printed).date() if printed else None,
    )


def _key(kind: str, doc: LayoutDocument) -> str:
    return f"documents:layout:{kind}:" + hashlib.sha256(repr(doc).encode()).hexdigest()


def layout_pdf(document: Document) -> bytes:
    doc = layout_input_for(document)
    key = _key("pdf", doc)
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(doc)
        cache.set(key, pdf, CACHE_SECONDS)
    return bytes(pdf)


def layout_pages(document: Document) -> list[bytes]:
    """One PNG per page (96 dpi: 794 × 1123 px), for the phone's preview."""
    doc = layout_input_for(document)
    key = _key("png", doc)
    pages = cache.get(key)
    if pages is None:
        pages = render_png_pages(doc, dpi=96)
        cache.set(key, pages, CACHE_SECONDS)
    return list(pages)
