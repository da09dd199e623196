"""The generated GB/T 9704 layout of a stored 公文, over REST: the mapping and the files."""

from __future__ import annotations

from typing import Any

import pytest

from backend.directory.models import User
from backend.documents.rendering import layout_input_for
from tests.documents.conftest import submit, to_distributed
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_layout_input_maps_the_elements(org: dict[str, Any], people: dict[str, User]) -> None:
    document = to_distributed(
        people, org, urgency="extra_urgent", copy_to=[org["city"].pk], secrecy="internal"
    )
    doc = layout_input_for(document)
    assert doc.issuer_mark == "江城市人民政府办公室文件"
    assert doc.doc_number == document.doc_number
    assert (doc.urgency, doc.secrecy, doc.upward, doc.signers) == (
        "特急",
        "内部",
        False,
        ("王建国",),
    )
    assert doc.main_recipients == ("江城市财政局",) and doc.cc == ("江城市人民政府",)
    assert doc.note == "此件公开发布"
    assert doc.date is not None and doc.print_date is not None
    assert doc.printer == "江城市人民政府办公室"


def test_request_shows_its_signer(org: dict[str, Any], people: dict[str, User]) -> None:
    document = submit(people["staff"], org, kind="request", main_to=[org["city"].pk])
    assert layout_input_for(document).upward is True


def test_layout_endpoints_serve_pdf_and_pages(
    client_for: Any, org: dict[str, Any], people: dict[str, User]
) -> None:
    document = submit(people["staff"], org)
    staff = client_for(people["staff"])
    info = staff.get(f"/api/v1/documents/{document.pk}/layout").json()
    assert info["page_count"] >= 1
    pdf = staff.get(info["pdf_url"])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    page = staff.get(info["page_urls"][0])
    assert page["Content-Type"] == "image/png" and page.content.startswith(b"\x89PNG")
    missing = staff.get(f"/api/v1/documents/{document.pk}/layout/pages/99.png")
    assert error_of(missing) == (404, "not_found")
    stranger = client_for(people["outsider"])
    assert error_of(stranger.get(info["pdf_url"])) == (404, "document_not_found")
