"""Who may reach what: every 公文 endpoint × drafter, handler (another unit's 会签), a person
of another unit, the recipient unit's clerk, the sending unit's admin, and a stranger."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.directory import services as directory
from backend.directory.models import Department, Role, User
from backend.documents.models import Receipt
from tests.conftest import PASSWORD
from tests.documents.conftest import act, submit, upload

pytestmark = pytest.mark.django_db(transaction=True)

PERSONAS = ("drafter", "handler", "other_unit", "recipient_clerk", "unit_admin", "stranger")


def _stranger(org: dict[str, Any]) -> User:
    user = directory.user_create(mobile="13700000001", name="路人甲", password=PASSWORD)
    department = Department.objects.create(unit=org["city"], name="综合处")
    directory.position_assign(user=user, department=department, title="科员", rank=90)
    return user


def _admin(org: dict[str, Any]) -> User:
    """An admin of the sending unit who takes no part in the flow."""
    user = directory.user_create(mobile="13700000002", name="钱管理", password=PASSWORD)
    directory.position_assign(user=user, department=org["secretariat"], title="科员", rank=80)
    directory.role_grant(actor=None, user=user, unit=org["office"], role=Role.UNIT_ADMIN)
    return user


def _distributed(org: dict[str, Any], people: dict[str, User]) -> Any:
    main_file = upload(people["staff"], "正文.pdf", b"%PDF-1.4\n%%EOF\n")
    document = submit(
        people["staff"], org, countersign_departments=[org["budget"].pk], main_file=main_file.token
    )
    act(people["clerk"], document)
    act(people["finance_head"], document)  # 会签
    act(people["director"], document)
    for _step in range(4):
        act(people["clerk"], document)
    return document, main_file


# (method, path, body) -> the expected status per persona, in PERSONAS order.
def _matrix(doc: int, token: str, receipt: int, finance: int) -> list[tuple[Any, ...]]:
    d, r = f"/api/v1/documents/{doc}", f"/api/v1/documents/receipts/{receipt}"
    comment = {"action": "comment", "opinion": "请关注"}
    return [
        ("get", d, None, (200, 200, 404, 200, 200, 404)),
        ("get", f"{d}/files/{token}", None, (200, 200, 404, 200, 200, 404)),
        ("get", f"{d}/layout", None, (200, 200, 404, 200, 200, 404)),
        ("get", f"{d}/layout.pdf", None, (200, 200, 404, 200, 200, 404)),
        ("get", f"{d}/layout/pages/1.png", None, (200, 200, 404, 200, 200, 404)),
        ("post", f"{d}/actions", comment, (200, 200, 404, 403, 403, 404)),
        # A finished flow: 409 for all who see it; the 会签 handler's repeat is harmless (200).
        ("post", f"{d}/actions", {"action": "approve"}, (409, 200, 404, 409, 409, 404)),
        ("post", f"{d}/redistribute", {"unit_id": finance}, (409, 403, 404, 403, 409, 404)),
        ("get", r, None, (404, 404, 404, 200, 404, 404)),
        ("post", f"{r}/refuse", {"reason": ""}, (400, 400, 400, 400, 400, 400)),
        ("post", f"{r}/sign", None, (404, 404, 404, 200, 404, 404)),
        ("post", f"{r}/register", {"handle_type": "handle"}, (404, 404, 404, 200, 404, 404)),
        ("post", f"{r}/actions", comment, (404, 404, 404, 200, 404, 404)),
        ("post", f"{d}/archive", None, (200, 403, 404, 403, 200, 404)),
        ("get", "/api/v1/documents?box=todo", None, (200,) * 6),
    ]


def test_every_endpoint_for_every_persona(
    client_for: Any, org: dict[str, Any], people: dict[str, User]
) -> None:
    document, main_file = _distributed(org, people)
    receipt = Receipt.objects.get(document=document, unit=org["finance"])
    personas = {
        "drafter": people["staff"],
        "handler": people["finance_head"],
        "other_unit": people["outsider"],
        "recipient_clerk": people["finance_clerk"],
        "unit_admin": _admin(org),
        "stranger": _stranger(org),
    }
    clients: dict[str, Client] = {name: client_for(user) for name, user in personas.items()}
    got = []
    for method, path, body, expected in _matrix(
        document.pk, main_file.token, receipt.pk, org["finance"].pk
    ):
        for persona, status in zip(PERSONAS, expected, strict=True):
            client = clients[persona]
            if method == "get":
                response = client.get(path)
            else:
                response = client.post(path, body or {}, content_type="application/json")
            got.append((method, path, persona, response.status_code, status))
    wrong = [row for row in got if row[3] != row[4]]
    assert wrong == [], "\n".join(map(str, wrong))


def test_lists_show_only_what_the_viewer_may_see(
    client_for: Any, org: dict[str, Any], people: dict[str, User]
) -> None:
    document, _ = _distributed(org, people)
    outsider = client_for(people["outsider"])
    for box in ("todo", "done", "mine", "sent", "received"):
        assert outsider.get("/api/v1/documents", {"box": box}).json()["items"] == []
    sent = client_for(people["clerk"]).get("/api/v1/documents", {"box": "sent"}).json()
    assert [e["document"]["id"] for e in sent["items"]] == [document.pk]
    handled = client_for(people["finance_head"]).get("/api/v1/documents", {"box": "done"}).json()
    assert [e["document"]["id"] for e in handled["items"]] == [document.pk]
