"""The approvals REST surface: templates, route preview, submit, lists, detail, actions, 待办."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from backend.approvals.models import Approval, Template
from backend.directory.models import User
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db(transaction=True)

ClientFor = Callable[[Any], Client]


def leave(days: int = 2, **extra: Any) -> dict[str, Any]:
    start = timezone.localdate() + timedelta(days=1)
    return {
        "leave_type": "年休假",
        "period": {"start": str(start), "end": str(start + timedelta(days=days - 1))},
        "reason": "探亲",
        **extra,
    }


def leave_template(client: Client) -> dict[str, Any]:
    templates = client.get("/api/v1/approvals/templates").json()
    return next(t for t in templates if t["code"] == "leave")


def submit(client: Client, form: dict[str, Any], client_id: str = "a1", **extra: Any) -> Any:
    template = leave_template(client)
    return client.post(
        "/api/v1/approvals",
        {"template_id": template["id"], "form": form, "client_id": client_id, **extra},
        content_type="application/json",
    )


def test_templates_and_schema(client_for: ClientFor, staff: User, director: User) -> None:
    client = client_for(staff)
    templates = client.get("/api/v1/approvals/templates").json()
    assert [t["name"] for t in templates] == [
        "请假",
        "出差",
        "用车",
        "用印",
        "会议室预约",
        "费用报销",
    ]
    detail = client.get(f"/api/v1/approvals/templates/{templates[0]['id']}").json()
    assert detail["fields"][0]["key"] == "leave_type"
    assert detail["version"] == 1
    assert client.get("/api/v1/approvals/templates/999999").status_code == 404


def test_template_fields_keep_their_type_options(client_for: ClientFor, staff: User) -> None:
    """A number field's `integer` and `unit` reach the client (the form shows 「人」)."""
    client = client_for(staff)
    templates = client.get("/api/v1/approvals/templates").json()
    vehicle = next(t for t in templates if t["code"] == "vehicle")
    detail = client.get(f"/api/v1/approvals/templates/{vehicle['id']}").json()
    passengers = next(f for f in detail["fields"] if f["key"] == "passengers")
    assert passengers["integer"] is True
    assert passengers["unit"] == "人"


def test_route_preview_follows_the_form(
    client_for: ClientFor, staff: User, director: User, clerk: User
) -> None:
    client = client_for(staff)
    template = leave_template(client)
    url = f"/api/v1/approvals/templates/{template['id']}/route"
    short = client.post(url, {"form": leave(2)}, content_type="application/json").json()
    long = client.post(url, {"form": leave(5)}, content_type="application/json").json()
    empty = client.post(url, {"form": {}}, content_type="application/json").json()
    assert [s["name"] for s in short] == ["部门负责人审批", "抄送办公室"]
    assert [s["name"] for s in long] == ["部门负责人审批", "分管领导审批", "抄送办公室"]
    assert short[0]["assignees"] == [{"id": director.pk, "name": "王建国"}]
    assert len(empty) == 2


def test_submit_list_detail_and_approve(
    client_for: ClientFor, staff: User, director: User, clerk: User
) -> None:
    mine, boss = client_for(staff), client_for(director)
    created = submit(mine, leave())
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "running" and body["current_step"] == "部门负责人审批"
    assert [a["action"] for a in body["actions"]] == ["withdraw", "comment"]
    again = submit(mine, leave(), client_id="a1")
    assert again.json()["id"] == body["id"]

    listing = boss.get("/api/v1/approvals?box=todo").json()
    assert [i["id"] for i in listing["items"]] == [body["id"]]
    assert listing["counts"]["todo"] == 1
    assert listing["items"][0]["summary_fields"][0] == {"label": "请假类型", "value": "年休假"}
    todo = boss.get("/api/v1/todo").json()
    assert todo["counts"] == {"total": 1, "approvals": 1, "documents": 0, "supervision": 0}
    assert todo["items"][0]["link"] == f"/approvals/{body['id']}"

    acted = boss.post(
        f"/api/v1/approvals/{body['id']}/actions",
        {"action": "approve", "opinion": "同意，注意交接工作", "save_opinion": True},
        content_type="application/json",
    )
    assert acted.status_code == 200, acted.json()
    assert acted.json()["status"] == "approved"
    assert [h["action_label"] for h in acted.json()["history"]] == [
        "提交申请",
        "同意",
        "抄送",
        "审批通过",
    ]
    assert boss.get("/api/v1/approvals/opinions").json()[0]["text"] == "同意，注意交接工作"
    assert boss.get("/api/v1/approvals?box=done").json()["counts"]["done"] == 1
    assert boss.get("/api/v1/todo").json()["counts"]["total"] == 0
    cc = client_for(clerk)
    assert cc.get("/api/v1/approvals/counts").json()["cc_unread"] == 1
    cc.get(f"/api/v1/approvals/{body['id']}")
    assert cc.get("/api/v1/approvals/counts").json()["cc_unread"] == 0


def test_errors_are_clear_and_change_nothing(
    client_for: ClientFor, staff: User, director: User, outsider: User
) -> None:
    mine = client_for(staff)
    bad = submit(mine, leave(reason=""))
    assert error_of(bad) == (400, "invalid_form")
    assert bad.json()["error"]["fields"] == {"reason": "请填写请假事由"}
    assert Approval.objects.count() == 0
    body = submit(mine, leave()).json()
    url = f"/api/v1/approvals/{body['id']}/actions"
    assert error_of(client_for(outsider).get(f"/api/v1/approvals/{body['id']}")) == (
        404,
        "approval_not_found",
    )
    boss = client_for(director)
    reject = boss.post(url, {"action": "reject"}, content_type="application/json")
    assert error_of(reject) == (400, "opinion_required")
    nonsense = boss.post(url, {"action": "explode"}, content_type="application/json")
    assert error_of(nonsense)[0] == 400
    boss.post(url, {"action": "approve"}, content_type="application/json")
    late = mine.post(url, {"action": "withdraw"}, content_type="application/json")
    assert error_of(late) == (409, "not_running")
    assert error_of(mine.get("/api/v1/approvals?box=nope")) == (400, "invalid_box")
    assert error_of(mine.get("/api/v1/approvals?box=mine&before=x")) == (400, "invalid_param")


def test_transfer_and_return_through_the_api(
    client_for: ClientFor, staff: User, director: User, finance_head: User
) -> None:
    mine, boss = client_for(staff), client_for(director)
    body = submit(mine, leave()).json()
    url = f"/api/v1/approvals/{body['id']}/actions"
    moved = boss.post(
        url, {"action": "transfer", "user_id": finance_head.pk}, content_type="application/json"
    ).json()
    assert moved["route"][0]["tasks"][-1]["assignee"]["name"] == "陈志明"
    other = client_for(finance_head)
    returned = other.post(
        url,
        {"action": "return", "target": "initiator", "opinion": "请注明交接人"},
        content_type="application/json",
    ).json()
    assert returned["status"] == "returned"
    assert "resubmit" in [
        a["action"] for a in mine.get(f"/api/v1/approvals/{body['id']}").json()["actions"]
    ]
    again = mine.post(
        url,
        {"action": "resubmit", "form": leave(reason="探亲，工作已交接给李秀英")},
        content_type="application/json",
    ).json()
    assert again["status"] == "running"
    assert again["form"]["reason"] == "探亲，工作已交接给李秀英"


def test_attachments_are_visible_to_approvers_only(
    client_for: ClientFor, staff: User, director: User, outsider: User, private_media: None
) -> None:
    mine = client_for(staff)
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    buffer.name = "诊断证明.png"
    buffer.seek(0)
    uploaded = mine.post("/api/v1/attachments", {"file": buffer}).json()
    body = submit(mine, leave(attachments=[uploaded["id"]])).json()
    url = f"/api/v1/approvals/{body['id']}/attachments/{uploaded['id']}"
    assert client_for(director).get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 404
    assert (
        client_for(director).get(f"/api/v1/approvals/{body['id']}/attachments/nope").status_code
        == 404
    )


def test_admin_templates(client_for: ClientFor, staff: User, director: User) -> None:
    payload = {
        "name": "加班申请",
        "category": "人事",
        "fields": [{"key": "hours", "label": "加班时长", "type": "number", "required": True}],
        "nodes": [
            {
                "id": "n1",
                "type": "approver",
                "name": "主任审批",
                "assignees": {"kind": "dept_head"},
                "mode": "sequential",
            },
        ],
    }
    assert error_of(client_for(staff).get("/api/v1/approvals/admin/templates")) == (
        403,
        "not_unit_admin",
    )
    admin = client_for(director)
    created = admin.post(
        "/api/v1/approvals/admin/templates", payload, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    tid = created.json()["id"]
    bad = admin.put(
        f"/api/v1/approvals/admin/templates/{tid}",
        {**payload, "fields": [{"key": "Hours", "label": "", "type": "nope"}]},
        content_type="application/json",
    )
    assert error_of(bad) == (400, "invalid_schema")
    updated = admin.put(
        f"/api/v1/approvals/admin/templates/{tid}",
        {**payload, "is_active": False},
        content_type="application/json",
    ).json()
    assert updated["version"] == 2 and updated["is_active"] is False
    assert "加班申请" not in [t["name"] for t in admin.get("/api/v1/approvals/templates").json()]
    assert Template.objects.filter(pk=tid).exists()


def test_rooms(client_for: ClientFor, staff: User) -> None:
    rooms = client_for(staff).get("/api/v1/approvals/rooms").json()
    assert [r["name"] for r in rooms] == ["第一会议室", "第二会议室", "小会议室"]


def test_a_list_page_costs_the_same_queries_for_2_or_6_requests(
    client_for: ClientFor, staff: User, director: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine, boss = client_for(staff), client_for(director)

    def queries_for_todo_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert boss.get("/api/v1/approvals?box=todo").status_code == 200
        return len(captured)

    for i in range(2):
        submit(mine, leave(), client_id=f"n-{i}")
    few = queries_for_todo_list()
    for i in range(2, 6):
        submit(mine, leave(), client_id=f"n-{i}")
    assert queries_for_todo_list() == few
