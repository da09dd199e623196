"""Approval list pages cost the same queries however many rows, for every field type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from backend.approvals import forms
from backend.directory.models import User

pytestmark = pytest.mark.django_db(transaction=True)

ClientFor = Callable[[Any], Client]

# People, departments and rooms first: the list's three summary fields show their names.
OPTIONS: dict[str, dict[str, Any]] = {
    "person": {"multiple": True},
    "select": {"options": ["甲", "乙"]},
    "multiselect": {"options": ["甲", "乙"]},
    "number": {"unit": "人"},
    "table": {
        "columns": [
            {"key": "item", "label": "项目", "type": "text"},
            {"key": "amount", "label": "金额", "type": "money"},
        ],
        "total": "amount",
    },
}
ORDER = ["person", "department", "room"]


def every_type_template(admin: Client) -> int:
    kinds = ORDER + [kind for kind in forms.FIELD_TYPES if kind not in ORDER]
    fields = [
        {"key": f"f_{kind}", "label": kind, "type": kind, "required": True, **OPTIONS.get(kind, {})}
        for kind in kinds
    ]
    nodes = [
        {
            "id": "n1",
            "type": "approver",
            "name": "主任审批",
            "assignees": {"kind": "dept_head"},
            "mode": "sequential",
        }
    ]
    created = admin.post(
        "/api/v1/approvals/admin/templates",
        {"name": "全字段", "category": "测试", "fields": fields, "nodes": nodes},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    return int(created.json()["id"])


def upload(client: Client) -> str:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    buffer.name = "附件.png"
    buffer.seek(0)
    return str(client.post("/api/v1/attachments", {"file": buffer}).json()["id"])


def every_type_form(
    day: int, *, people: list[int], department: int, room: int, attachment: str
) -> dict[str, Any]:
    date = timezone.localdate() + timedelta(days=day)
    values = {
        "text": "标题",
        "textarea": "事由",
        "number": 3,
        "money": "120.50",
        "date": str(date),
        "daterange": {"start": str(date), "end": str(date + timedelta(days=1))},
        # One room, a different day each: no request clashes with another's booking.
        "datetimerange": {"start": f"{date}T09:00:00", "end": f"{date}T10:00:00"},
        "select": "甲",
        "multiselect": ["乙"],
        "person": people,
        "department": department,
        "attachment": [attachment],
        "room": room,
        "table": [{"item": "车费", "amount": "20.00"}],
    }
    assert set(values) == set(forms.FIELD_TYPES)  # a new type gets a value here
    return {f"f_{kind}": value for kind, value in values.items()}


def test_list_pages_cost_the_same_queries_for_2_or_6_requests_of_every_field_type(
    client_for: ClientFor, org: dict[str, Any], staff: User, director: User, clerk: User
) -> None:
    mine, boss = client_for(staff), client_for(director)
    template_id = every_type_template(boss)
    room = mine.get("/api/v1/approvals/rooms").json()[0]
    attachment = upload(mine)

    def submit(day: int) -> None:
        form = every_type_form(
            day,
            people=[clerk.pk, director.pk],
            department=org["secretariat"].pk,
            room=room["id"],
            attachment=attachment,
        )
        response = mine.post(
            "/api/v1/approvals",
            {"template_id": template_id, "form": form, "client_id": f"every-{day}"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()

    def queries_for(client: Client, box: str) -> tuple[int, list[Any]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/approvals?box={box}")
        assert response.status_code == 200
        return len(captured), response.json()["items"]

    for day in (1, 2):
        submit(day)
    few_todo, items = queries_for(boss, "todo")
    few_mine, _ = queries_for(mine, "mine")
    assert len(items) == 2
    assert items[0]["summary_fields"] == [
        {"label": "person", "value": "李秀英、王建国"},
        {"label": "department", "value": "秘书科"},
        {"label": "room", "value": room["name"]},
    ]
    for day in range(3, 7):
        submit(day)
    many_todo, items = queries_for(boss, "todo")
    many_mine, _ = queries_for(mine, "mine")
    assert len(items) == 6
    assert (many_todo, many_mine) == (few_todo, few_mine)
