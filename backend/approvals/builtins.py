"""The six approval templates every unit starts with, as data.

Each is `{code, name, icon, category, description, fields, nodes}` in the
formats of docs/workflow.md; a unit admin may later edit its copy (a new
flow version), so nothing here is special-cased at run time. Icons are
Vant icon names. Node ids are unique across each whole tree.
"""

from __future__ import annotations

from typing import Any

Template = dict[str, Any]


def _approver(
    node_id: str,
    name: str,
    assignees: dict[str, Any],
    *,
    mode: str = "sequential",
    deadline_hours: int | None = None,
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": node_id,
        "type": "approver",
        "name": name,
        "assignees": assignees,
        "mode": mode,
    }
    if deadline_hours is not None:
        node["deadline_hours"] = deadline_hours
    return node


def _dept_head(node_id: str) -> dict[str, Any]:
    return _approver(node_id, "部门负责人审批", {"kind": "dept_head"}, deadline_hours=24)


def _leader(node_id: str, name: str = "分管领导审批") -> dict[str, Any]:
    # 或签: any one of the heads two levels up may decide.
    return _approver(node_id, name, {"kind": "leader", "levels": 2}, mode="any", deadline_hours=48)


def _role(node_id: str, name: str, role: str) -> dict[str, Any]:
    return _approver(node_id, name, {"kind": "role", "role": role}, mode="any", deadline_hours=24)


def _cc_office(node_id: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "cc",
        "name": "抄送办公室",
        "assignees": {"kind": "role", "role": "clerk"},
    }


def _only_if(
    node_id: str, name: str, branch: str, when: dict[str, Any], nodes: list[dict[str, Any]]
) -> dict[str, Any]:
    """A condition with one guarded branch and an empty 「其他情况」."""
    return {
        "id": node_id,
        "type": "condition",
        "name": name,
        "branches": [
            {"name": branch, "when": when, "nodes": nodes},
            {"name": "其他情况", "when": None, "nodes": []},
        ],
    }


def _reason(label: str) -> dict[str, Any]:
    return {"key": "reason", "label": label, "type": "textarea", "required": True}


LEAVE: Template = {
    "code": "leave",
    "name": "请假",
    "icon": "calendar-o",
    "category": "人事",
    "description": "事假、病假、年休假等各类请假，超过3天需分管领导审批",
    "fields": [
        {
            "key": "leave_type",
            "label": "请假类型",
            "type": "select",
            "required": True,
            "options": ["事假", "病假", "年休假", "调休", "婚假", "产假", "陪产假", "丧假"],
        },
        {
            "key": "period",
            "label": "请假时间",
            "type": "daterange",
            "required": True,
            "max_days": 180,
        },
        _reason("请假事由"),
        {
            "key": "attachments",
            "label": "附件",
            "type": "attachment",
            "required": False,
            "placeholder": "病假请上传医院证明",
        },
    ],
    "nodes": [
        _dept_head("n1"),
        _only_if(
            "b1",
            "请假天数判断",
            "请假超过3天",
            {"field": "period", "op": "gt", "value": 3},
            [_leader("n2")],
        ),
        _cc_office("c1"),
    ],
}

TRAVEL: Template = {
    "code": "travel",
    "name": "出差",
    "icon": "guide-o",
    "category": "行政",
    "description": "公务出差事前审批，含出差地点、时间、交通方式和预计费用",
    "fields": [
        {"key": "destination", "label": "出差地点", "type": "text", "required": True},
        {
            "key": "period",
            "label": "出差时间",
            "type": "daterange",
            "required": True,
            "max_days": 90,
        },
        {
            "key": "transport",
            "label": "交通方式",
            "type": "select",
            "required": True,
            "options": ["火车", "飞机", "公务用车", "自驾", "其他"],
        },
        {
            "key": "companions",
            "label": "同行人员",
            "type": "person",
            "required": False,
            "multiple": True,
        },
        {"key": "budget", "label": "预计费用", "type": "money", "required": True},
        _reason("出差事由"),
    ],
    "nodes": [_dept_head("n1"), _leader("n2"), _cc_office("c1")],
}

VEHICLE: Template = {
    "code": "vehicle",
    "name": "用车",
    "icon": "logistics",
    "category": "行政",
    "description": "申请公务用车，由办公室统一调度",
    "fields": [
        {"key": "time", "label": "用车时间", "type": "datetimerange", "required": True},
        {"key": "origin", "label": "出发地", "type": "text", "required": True},
        {"key": "destination", "label": "目的地", "type": "text", "required": True},
        {
            "key": "passengers",
            "label": "乘车人数",
            "type": "number",
            "required": True,
            "integer": True,
            "min": 1,
            "max": 50,
            "unit": "人",
        },
        _reason("用车事由"),
    ],
    "nodes": [_dept_head("n1"), _role("n2", "车辆调度", "clerk")],
}

SEAL: Template = {
    "code": "seal",
    "name": "用印",
    "icon": "certificate",
    "category": "行政",
    "description": "申请加盖单位印章，须上传用印文件",
    "fields": [
        {
            "key": "seal_type",
            "label": "印章类型",
            "type": "select",
            "required": True,
            "options": ["单位公章", "党组印章", "法人章", "合同专用章"],
        },
        {"key": "document", "label": "用印文件名称", "type": "text", "required": True},
        {
            "key": "copies",
            "label": "份数",
            "type": "number",
            "required": True,
            "integer": True,
            "min": 1,
            "max": 100,
            "unit": "份",
        },
        _reason("用印事由"),
        {"key": "files", "label": "用印文件", "type": "attachment", "required": True},
    ],
    "nodes": [_dept_head("n1"), _role("n2", "印章管理员审核", "unit_admin"), _cc_office("c1")],
}

ROOM: Template = {
    "code": "room",
    "name": "会议室预约",
    "icon": "hotel-o",
    "category": "行政",
    "description": "预约本单位会议室，由办公室审核",
    "fields": [
        {"key": "room", "label": "会议室", "type": "room", "required": True},
        {"key": "time", "label": "使用时间", "type": "datetimerange", "required": True},
        {"key": "topic", "label": "会议主题", "type": "text", "required": True},
        {
            "key": "attendees",
            "label": "参会人数",
            "type": "number",
            "required": True,
            "integer": True,
            "min": 1,
            "max": 1000,
            "unit": "人",
        },
        {"key": "remark", "label": "备注", "type": "textarea", "required": False},
    ],
    "nodes": [_role("n1", "办公室审核", "clerk")],
}

EXPENSE: Template = {
    "code": "expense",
    "name": "费用报销",
    "icon": "balance-o",
    "category": "财务",
    "description": "差旅、交通、办公用品等费用报销，超过5000元需分管领导审批",
    "fields": [
        {
            "key": "lines",
            "label": "报销明细",
            "type": "table",
            "required": True,
            "columns": [
                {
                    "key": "category",
                    "label": "费用类型",
                    "type": "select",
                    "required": True,
                    "options": ["差旅费", "交通费", "办公用品", "会议费", "培训费", "其他"],
                },
                {
                    "key": "amount",
                    "label": "金额",
                    "type": "money",
                    "required": True,
                    "min": 0.01,
                },
                {"key": "note", "label": "说明", "type": "text", "required": False},
            ],
            "min_rows": 1,
            "max_rows": 20,
            "total": "amount",
        },
        {"key": "invoices", "label": "发票", "type": "attachment", "required": True},
        {"key": "remark", "label": "报销说明", "type": "textarea", "required": False},
    ],
    "nodes": [
        _dept_head("n1"),
        _only_if(
            "b1",
            "金额判断",
            "金额超过5000元",
            {"field": "lines", "op": "gt", "value": 5000},
            [_leader("n2")],
        ),
        _role("n3", "财务审核", "clerk"),
    ],
}

BUILTIN_TEMPLATES: list[Template] = [LEAVE, TRAVEL, VEHICLE, SEAL, ROOM, EXPENSE]
