"""The built-in templates are valid data and a realistic form of each one cleans."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from backend.approvals import forms
from backend.approvals.builtins import BUILTIN_TEMPLATES
from backend.common.errors import InvalidInput
from backend.directory.models import Unit, User
from realtime import services as realtime
from tests.realtime.factories import image_bytes, pdf_bytes

BY_CODE = {template["code"]: template for template in BUILTIN_TEMPLATES}


def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        for branch in node.get("branches", []):
            yield from walk(branch["nodes"])


def test_the_six_templates() -> None:
    assert list(BY_CODE) == ["leave", "travel", "vehicle", "seal", "room", "expense"]
    for template in BUILTIN_TEMPLATES:
        assert set(template) == {
            "code",
            "name",
            "icon",
            "category",
            "description",
            "fields",
            "nodes",
        }
        assert template["category"] in {"人事", "行政", "财务"}


@pytest.mark.parametrize("template", BUILTIN_TEMPLATES, ids=lambda t: t["code"])
def test_fields_pass_schema_validation(template: dict[str, Any]) -> None:
    normalised = forms.validate_schema(template["fields"])
    assert [f["key"] for f in normalised] == [f["key"] for f in template["fields"]]
    # Builtins are written fully: normalising adds defaults but changes nothing given.
    for given, checked in zip(template["fields"], normalised, strict=True):
        assert {k: checked[k] for k in given if k != "columns"} == {
            k: v for k, v in given.items() if k != "columns"
        }


@pytest.mark.parametrize("template", BUILTIN_TEMPLATES, ids=lambda t: t["code"])
def test_node_ids_are_unique_and_conditions_valid(template: dict[str, Any]) -> None:
    nodes = list(walk(template["nodes"]))
    ids = [node["id"] for node in nodes]
    assert len(ids) == len(set(ids))
    assert any(node["type"] == "approver" for node in nodes)
    fields = forms.validate_schema(template["fields"])
    for node in nodes:
        if node["type"] != "condition":
            continue
        *guarded, otherwise = node["branches"]
        assert otherwise["when"] is None
        for branch in guarded:
            forms.validate_condition(branch["when"], fields)


def test_flows_as_specified() -> None:
    leave = BY_CODE["leave"]["nodes"]
    assert [n["type"] for n in leave] == ["approver", "condition", "cc"]
    assert leave[0]["assignees"] == {"kind": "dept_head"}
    longer = leave[1]["branches"][0]
    assert longer["name"] == "请假超过3天"
    assert longer["when"] == {"field": "period", "op": "gt", "value": 3}
    assert longer["nodes"][0]["assignees"] == {"kind": "leader", "levels": 2}
    assert longer["nodes"][0]["mode"] == "any"
    assert leave[2]["name"] == "抄送办公室"
    assert leave[2]["assignees"] == {"kind": "role", "role": "clerk"}

    vehicle = BY_CODE["vehicle"]["nodes"]
    assert vehicle[-1]["name"] == "车辆调度"
    assert vehicle[-1]["assignees"] == {"kind": "role", "role": "clerk"}

    seal = BY_CODE["seal"]["nodes"]
    assert [n["type"] for n in seal] == ["approver", "approver", "cc"]
    assert seal[1]["assignees"] == {"kind": "role", "role": "unit_admin"}

    assert [n["name"] for n in BY_CODE["room"]["nodes"]] == ["办公室审核"]

    expense = BY_CODE["expense"]["nodes"]
    assert [n["type"] for n in expense] == ["approver", "condition", "approver"]
    assert expense[1]["branches"][0]["name"] == "金额超过5000元"
    assert expense[1]["branches"][0]["when"] == {"field": "lines", "op": "gt", "value": 5000}
    assert expense[2]["name"] == "财务审核"
    assert not any(n["type"] == "cc" for n in walk(expense))


def test_templates_can_be_modified_by_a_caller_without_touching_another() -> None:
    # Helpers build fresh dicts per template: nothing is shared by reference.
    seen: set[int] = set()
    for template in BUILTIN_TEMPLATES:
        for node in walk(template["nodes"]):
            assert id(node) not in seen
            seen.add(id(node))
        for field in template["fields"]:
            assert id(field) not in seen
            seen.add(id(field))


# --- a realistic form of each template cleans ------------------------------------------------


def upload(actor: User, name: str, data: bytes) -> str:
    attachment = realtime.attachment_upload(
        actor=actor, name=name, size=len(data), stream=io.BytesIO(data)
    )
    return attachment.token


def sample_forms(staff: User, clerk: User, director: User) -> dict[str, dict[str, Any]]:
    return {
        "leave": {
            "leave_type": "病假",
            "period": {"start": "2026-11-23", "end": "2026-11-27"},
            "reason": "急性肠胃炎，医嘱休息一周",
            "attachments": [upload(staff, "病假证明.png", image_bytes(gps=False))],
        },
        "travel": {
            "destination": "省城 省财政厅",
            "period": {"start": "2026-12-01", "end": "2026-12-03"},
            "transport": "火车",
            "companions": [clerk.pk],
            "budget": "2680.00",
            "reason": "参加全省预算绩效管理培训班",
        },
        "vehicle": {
            "time": {"start": "2026-11-24T08:30:00+08:00", "end": "2026-11-24T12:00:00+08:00"},
            "origin": "市政府大院",
            "destination": "江城市高新区管委会",
            "passengers": 3,
            "reason": "陪同领导调研重点项目建设",
        },
        "seal": {
            "seal_type": "单位公章",
            "document": "关于申请2027年度专项经费的请示",
            "copies": 2,
            "reason": "报送市财政局",
            "files": [upload(staff, "请示.pdf", pdf_bytes())],
        },
        "room": {
            "room": 1,
            "time": {"start": "2026-11-25T14:30", "end": "2026-11-25T16:00"},
            "topic": "第四季度工作推进会",
            "attendees": 18,
        },
        "expense": {
            "lines": [
                {"category": "差旅费", "amount": "1380.00", "note": "省城往返高铁"},
                {"category": "会议费", "amount": 4200},
                {"category": "交通费", "amount": 56.5, "note": "市内出租车"},
            ],
            "invoices": [upload(staff, "发票.pdf", pdf_bytes())],
            "remark": "11月省城培训及季度会议费用",
        },
    }


@pytest.mark.django_db
def test_a_realistic_form_of_each_template_cleans(
    org: dict[str, Any], staff: User, clerk: User, director: User, private_media: None
) -> None:
    office: Unit = org["office"]
    samples = sample_forms(staff, clerk, director)
    cleaned = {
        code: forms.clean_form(
            forms.validate_schema(BY_CODE[code]["fields"]),
            values,
            initiator=staff,
            unit=office,
            room_exists=lambda pk: pk == 1,
        )
        for code, values in samples.items()
    }
    assert cleaned["leave"]["period"]["days"] == 5
    assert cleaned["leave"]["attachments"][0]["kind"] == "image"
    assert cleaned["travel"]["companions"] == [clerk.pk]
    assert cleaned["vehicle"]["time"]["hours"] == 3.5
    assert cleaned["seal"]["files"][0]["name"] == "请示.pdf"
    assert cleaned["room"]["time"]["start"] == "2026-11-25T14:30:00+08:00"
    assert "remark" not in cleaned["room"]
    assert cleaned["expense"]["lines"]["total"] == "5636.50"

    # The conditions route them as their names say.
    leave_facts = forms.facts(BY_CODE["leave"]["fields"], cleaned["leave"])
    assert forms.evaluate(BY_CODE["leave"]["nodes"][1]["branches"][0]["when"], leave_facts)
    expense_facts = forms.facts(BY_CODE["expense"]["fields"], cleaned["expense"])
    assert forms.evaluate(BY_CODE["expense"]["nodes"][1]["branches"][0]["when"], expense_facts)

    shown = forms.display(
        BY_CODE["expense"]["fields"],
        cleaned["expense"],
        lookups={"person": lambda ids: {}, "department": lambda ids: {}, "room": lambda ids: {}},
    )
    assert [row["value"] for row in shown] == [
        # The approver sees the lines, not only their count.
        "3项，合计¥5,636.50：差旅费 ¥1,380.00 省城往返高铁；"
        "会议费 ¥4,200.00；交通费 ¥56.50 市内出租车",
        "1个附件",
        "11月省城培训及季度会议费用",
    ]


@pytest.mark.django_db
def test_an_empty_form_names_every_required_field(
    org: dict[str, Any], staff: User, private_media: None
) -> None:
    with pytest.raises(InvalidInput) as caught:
        forms.clean_form(BY_CODE["seal"]["fields"], {}, initiator=staff, unit=org["office"])
    assert caught.value.fields == {
        "seal_type": "请选择印章类型",
        "document": "请填写用印文件名称",
        "copies": "请填写份数",
        "reason": "请填写用印事由",
        "files": "请上传用印文件",
    }
