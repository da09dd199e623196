"""The 公文 REST surface, every response validated against /api/schema/:
a 发文 from 拟稿 to 分发 and its 收文 to 办结, with the sender's 送达回执, and the refusals."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from backend.directory.models import User
from backend.documents.models import Document, Receipt
from tests.documents.conftest import draft, png_bytes
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db(transaction=True)

ClientFor = Callable[[Any], Client]


def docx_bytes(text: str = "正文") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document>{text}</w:document>")
    return out.getvalue()


def upload(client: Client, name: str, data: bytes, main: bool = True) -> Any:
    file = io.BytesIO(data)
    file.name = name
    return client.post("/api/v1/documents/files", {"file": file, "main": "1" if main else "0"})


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def act(client: Client, document_id: int, action: str = "approve", **body: Any) -> Any:
    response = post(client, f"/api/v1/documents/{document_id}/actions", {"action": action, **body})
    assert response.status_code == 200, response.json()
    return response.json()


def test_outgoing_and_incoming_over_rest(
    client_for: ClientFor, org: dict[str, Any], people: dict[str, User]
) -> None:
    staff, clerk = client_for(people["staff"]), client_for(people["clerk"])
    director = client_for(people["director"])
    main_file = upload(staff, "防汛通知.docx", docx_bytes())
    assert main_file.status_code == 201, main_file.json()
    created = post(
        staff,
        "/api/v1/documents",
        {
            **draft(org, urgency="extra_urgent"),
            "main_file": main_file.json()["id"],
            "client_id": "x1",
        },
    )
    assert created.status_code == 201, created.json()
    doc = created.json()
    assert (doc["status"], doc["current_step"], doc["direction"]) == ("running", "核稿", "down")
    assert doc["main_file"]["name"] == "防汛通知.docx"
    assert staff.get(doc["main_file"]["url"]).status_code == 200
    review = act(clerk, doc["id"])
    assert review["current_step"] == "签发"
    signed_actions = [
        a["label"] for a in director.get(f"/api/v1/documents/{doc['id']}").json()["actions"]
    ]
    assert "签发" in signed_actions
    stroke = director.post("/api/v1/documents/handwriting", {"file": _named(png_bytes(), "s.png")})
    assert stroke.status_code == 201, stroke.json()
    signed = act(director, doc["id"], opinion="同意", handwriting=stroke.json()["id"])
    assert signed["signer"]["name"] == "王建国"
    sheet = [e for e in signed["history"] if e["handwriting_url"]]
    assert len(sheet) == 1 and sheet[0]["actor"]["name"] == "王建国"
    assert director.get(sheet[0]["handwriting_url"]).status_code == 200
    for _ in range(4):  # 复核, 登记, 用印, 分发
        last = act(clerk, doc["id"])
    assert last["status"] == "distributed"
    assert re.fullmatch(r"市府办发〔\d{4}〕1号", last["doc_number"]), last["doc_number"]
    assert [(r["unit"]["name"], r["status"]) for r in last["receipts"]] == [
        ("江城市财政局", "delivered")
    ]

    finance = client_for(people["finance_clerk"])
    todo = finance.get("/api/v1/documents", {"box": "todo"}).json()
    assert [e["receipt"]["status"] for e in todo["items"]] == ["delivered"]
    receipt_id = todo["items"][0]["receipt"]["id"]
    assert post(finance, f"/api/v1/documents/receipts/{receipt_id}/sign").status_code == 200
    sender_view = staff.get(f"/api/v1/documents/{doc['id']}").json()
    assert sender_view["receipts"][0]["signed_by"]["name"] == "孙丽"
    registered = post(
        finance, f"/api/v1/documents/receipts/{receipt_id}/register", {"handle_type": "handle"}
    ).json()
    assert registered["register_no"].startswith("收〔") and registered["status"] == "handling"
    proposed = post(
        finance,
        f"/api/v1/documents/receipts/{receipt_id}/actions",
        {"action": "approve", "opinion": "请陈局长阅示"},
    ).json()
    assert proposed["route"][1]["state"] == "current"
    assert proposed["departments"] == []  # only 批办 chooses 承办 departments
    head = client_for(people["finance_head"])
    page = head.get(f"/api/v1/documents/receipts/{receipt_id}").json()
    instruct = next(a for a in page["actions"] if a["action"] == "approve")
    assert (instruct["label"], instruct["opinion"]) == ("批示", "required")
    budget = next(d for d in page["departments"] if d["name"] == "预算科")
    instructed = post(
        head,
        f"/api/v1/documents/receipts/{receipt_id}/actions",
        {"action": "approve", "opinion": "请预算科办理", "departments": [budget["id"]]},
    ).json()
    assert instructed["route"][2]["name"] == "承办"
    done = post(
        head,
        f"/api/v1/documents/receipts/{receipt_id}/actions",
        {"action": "approve", "opinion": "已按要求落实"},
    ).json()
    assert done["status"] == "done"
    final = staff.get(f"/api/v1/documents/{doc['id']}").json()
    assert final["receipts"][0]["status"] == "done"
    registers = finance.get("/api/v1/documents", {"box": "received"}).json()
    assert registers["items"][0]["receipt"]["register_no"] == registered["register_no"]


def _named(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.mark.parametrize(
    ("over", "status", "code"),
    [
        ({"secrecy": "秘密"}, 400, "classified_refused"),
        ({"secrecy": "top_secret"}, 400, "classified_refused"),
        ({"title": "机密★1年 关于某事的通知"}, 400, "classified_refused"),
        ({"kind": "request", "main_to": "two"}, 400, "request_one_main"),
        ({"main_to": [987654]}, 400, "unknown_unit"),
        ({"kind": "memo"}, 400, "invalid_document"),
        ({"body": "", "main_file": None}, 400, "invalid_document"),
    ],
)
def test_bad_drafts_are_refused_and_write_nothing(
    client_for: ClientFor,
    org: dict[str, Any],
    people: dict[str, User],
    over: dict[str, Any],
    status: int,
    code: str,
) -> None:
    if over.get("main_to") == "two":
        over = {**over, "main_to": [org["finance"].pk, org["city"].pk]}
    response = post(
        client_for(people["staff"]), "/api/v1/documents", {**draft(org, **over), "client_id": "b"}
    )
    assert error_of(response) == (status, code)
    assert not Document.objects.exists()


def test_files_are_checked_before_storing(
    client_for: ClientFor, people: dict[str, User], settings: Any
) -> None:
    staff = client_for(people["staff"])
    assert error_of(upload(staff, "通知.pdf", docx_bytes())) == (400, "file_type_mismatch")
    assert error_of(upload(staff, "通知.txt", b"hello")) == (400, "document_file_type")
    assert error_of(upload(staff, "密.docx", docx_bytes("秘密★1年"))) == (400, "classified_refused")
    settings.ZT_DOCUMENT_MAX_BYTES = 100
    assert error_of(upload(staff, "大.docx", docx_bytes("x" * 500))) == (
        400,
        "document_file_too_large",
    )
    bad_stroke = staff.post("/api/v1/documents/handwriting", {"file": _named(b"GIF89a", "s.png")})
    assert error_of(bad_stroke) == (400, "invalid_handwriting")


def test_doc_number_typed_by_hand_must_be_free(
    client_for: ClientFor, org: dict[str, Any], people: dict[str, User]
) -> None:
    staff, clerk = client_for(people["staff"]), client_for(people["clerk"])
    director = client_for(people["director"])
    ids = []
    for n in range(2):
        doc = post(staff, "/api/v1/documents", {**draft(org), "client_id": f"n{n}"}).json()
        for who in (clerk, director, clerk):  # 核稿, 签发, 复核
            act(who, doc["id"])
        ids.append(doc["id"])
    act(clerk, ids[0], doc_number="江府办函〔2026〕7号")
    clash = post(
        clerk,
        f"/api/v1/documents/{ids[1]}/actions",
        {"action": "approve", "doc_number": "江府办函〔2026〕7号"},
    )
    assert error_of(clash) == (409, "doc_number_taken")
    assert Document.objects.get(pk=ids[1]).doc_number == ""
    assert Receipt.objects.count() == 0


def test_unit_admin_sets_the_flows(
    client_for: ClientFor, org: dict[str, Any], people: dict[str, User]
) -> None:
    admin = client_for(people["director"])
    flows = admin.get("/api/v1/documents/admin/flows").json()
    assert [(f["which"], f["version"]) for f in flows] == [("outgoing", 1), ("incoming", 1)]
    nodes = [n for n in flows[0]["nodes"] if n["id"] != "review"]  # no 核稿 in this unit
    saved = admin.put(
        "/api/v1/documents/admin/flows/outgoing", {"nodes": nodes}, content_type="application/json"
    )
    assert saved.status_code == 200 and saved.json()["version"] == 2
    document = post(
        client_for(people["staff"]), "/api/v1/documents", {**draft(org), "client_id": "f1"}
    ).json()
    assert document["current_step"] == "签发"
    without_sign = [n for n in nodes if n["id"] != "sign"]
    refused = admin.put(
        "/api/v1/documents/admin/flows/outgoing",
        {"nodes": without_sign},
        content_type="application/json",
    )
    assert error_of(refused) == (400, "missing_flow_step")
    staff = client_for(people["staff"])
    assert error_of(staff.get("/api/v1/documents/admin/flows")) == (403, "not_document_admin")


def test_countersign_parties_over_rest(
    client_for: ClientFor, org: dict[str, Any], people: dict[str, User]
) -> None:
    """拟稿 names a 会签 department; its head's opinion shows per party in the detail."""
    staff, clerk = client_for(people["staff"]), client_for(people["clerk"])
    created = post(
        staff,
        "/api/v1/documents",
        {**draft(org), "countersign_departments": [org["budget"].pk], "client_id": "cs-1"},
    )
    assert created.status_code == 201, created.json()
    document_id = created.json()["id"]
    act(clerk, document_id)
    head = client_for(people["finance_head"])
    after = act(head, document_id, opinion="财政局预算科同意")
    (row,) = after["countersign"]
    assert (row["kind"], row["name"], row["assignee"]["name"]) == (
        "department",
        "财政局预算科",
        "陈志明",
    )
    assert (row["status"], row["status_label"], row["opinion"]) == (
        "done",
        "已会签",
        "财政局预算科同意",
    )
    assert [e["party"] for e in after["history"] if e["action"] == "approve"] == [
        "",
        "财政局预算科",
    ]
    refused = post(
        staff,
        "/api/v1/documents",
        {**draft(org), "countersign_units": [org["city"].pk], "client_id": "cs-2"},
    )
    assert error_of(refused) == (400, "countersign_no_head")
