"""Approval form schemas: validation, cleaning, facts, display and conditions."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest

from backend.approvals import forms
from backend.common.errors import InvalidInput
from backend.directory.models import Department, Unit, User
from realtime import services as realtime
from realtime.models import Attachment
from tests.realtime.factories import image_bytes, pdf_bytes

# Fields that need no database are cleaned on behalf of an unsaved person.
NOBODY = User(mobile="13800009999", name="路人")
NOWHERE = Unit(name="测试单位", code="TEST")


def schema(*fields: dict[str, Any]) -> list[dict[str, Any]]:
    return forms.validate_schema(list(fields))


def clean(
    fields: list[dict[str, Any]],
    values: dict[str, Any],
    *,
    initiator: User = NOBODY,
    room_exists: Any = None,
) -> dict[str, Any]:
    return forms.clean_form(
        fields, values, initiator=initiator, unit=NOWHERE, room_exists=room_exists
    )


def errors_of(fields: list[dict[str, Any]], values: dict[str, Any], **kw: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        clean(fields, values, **kw)
    assert caught.value.code == "invalid_form"
    assert caught.value.message == "表单填写有误"
    assert caught.value.fields is not None
    return caught.value.fields


def one(kind: str, label: str = "字段", *, required: bool = True, **options: Any) -> list[Any]:
    return schema({"key": "f", "label": label, "type": kind, "required": required, **options})


def schema_errors(fields: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        forms.validate_schema(fields)
    assert caught.value.code == "invalid_schema"
    return caught.value


# --- validate_schema ------------------------------------------------------------------


def test_schema_is_normalised_with_defaults_and_unknown_keys_dropped() -> None:
    fields = schema(
        {"key": "title", "label": " 标题 ", "type": "text", "colour": "red"},
        {"key": "body", "label": "正文", "type": "textarea", "required": True},
        {"key": "count", "label": "人数", "type": "number"},
        {"key": "amount", "label": "金额", "type": "money"},
        {"key": "who", "label": "人员", "type": "person"},
        {"key": "files", "label": "附件", "type": "attachment"},
        {"key": "kind", "label": "类型", "type": "select", "options": [" 甲 ", "乙"]},
        {
            "key": "lines",
            "label": "明细",
            "type": "table",
            "columns": [{"key": "amount", "label": "金额", "type": "money"}],
        },
    )
    by_key = {f["key"]: f for f in fields}
    assert by_key["title"] == {
        "key": "title",
        "label": "标题",
        "type": "text",
        "required": False,
        "placeholder": "",
        "max_length": 200,
    }
    assert by_key["body"]["required"] is True
    assert by_key["body"]["max_length"] == 2000
    assert by_key["count"]["integer"] is False
    assert by_key["count"]["unit"] == ""
    assert "min" not in by_key["count"]
    assert by_key["amount"]["min"] == 0  # money is never negative unless the admin says so
    assert by_key["who"]["multiple"] is False
    assert by_key["files"]["max"] == 9
    assert by_key["kind"]["options"] == ["甲", "乙"]
    table = by_key["lines"]
    assert (table["min_rows"], table["max_rows"]) == (0, 50)
    assert "total" not in table
    assert table["columns"][0]["required"] is False


def test_schema_accepts_every_field_type() -> None:
    options_by_type: list[tuple[str, dict[str, Any]]] = [
        ("text", {"max_length": 50}),
        ("textarea", {"max_length": 5000}),
        ("number", {"min": -5, "max": 10.5, "integer": False, "unit": "个"}),
        ("money", {"min": 0.01, "max": 100000}),
        ("date", {}),
        ("daterange", {"max_days": 30}),
        ("datetimerange", {}),
        ("select", {"options": ["是", "否"]}),
        ("multiselect", {"options": ["甲", "乙", "丙"], "min": 1, "max": 2}),
        ("person", {"multiple": True}),
        ("department", {}),
        ("attachment", {"max": 20}),
        ("room", {}),
        (
            "table",
            {
                "columns": [
                    {"key": "a", "label": "文本", "type": "text"},
                    {"key": "b", "label": "数字", "type": "number"},
                    {"key": "c", "label": "金额", "type": "money"},
                    {"key": "d", "label": "类型", "type": "select", "options": ["x"]},
                    {"key": "e", "label": "日期", "type": "date"},
                ],
                "min_rows": 1,
                "max_rows": 100,
                "total": "c",
            },
        ),
    ]
    fields = schema(
        *[
            {"key": f"f_{kind}", "label": kind, "type": kind, **extra}
            for kind, extra in options_by_type
        ]
    )
    assert [f["type"] for f in fields] == list(forms.FIELD_TYPES)
    assert fields[-1]["total"] == "c"


def test_schema_refuses_empty_select_options_naming_the_field() -> None:
    error = schema_errors(
        [
            {"key": "a", "label": "甲", "type": "text"},
            {"key": "b", "label": "乙", "type": "text"},
            {"key": "leave_type", "label": "请假类型", "type": "select", "options": []},
        ]
    )
    assert error.fields == {"fields.2.options": "下拉选项不能为空"}
    assert error.message == "表单设计有误：「请假类型」下拉选项不能为空"


@pytest.mark.parametrize(
    "key",
    ["Reason", "1st", "_x", "has-dash", "中文", "a" * 33, "abc\n", "", None, 7],
)
def test_schema_refuses_bad_keys(key: Any) -> None:
    error = schema_errors([{"key": key, "label": "事由", "type": "text"}])
    assert set(error.fields or {}) == {"fields.0.key"}


def test_schema_accepts_the_longest_key() -> None:
    assert schema({"key": "a" + "b_9" * 10 + "c", "label": "长标识", "type": "text"})


def test_schema_collects_every_problem_at_once() -> None:
    error = schema_errors(
        [
            {"key": "reason", "label": "事由", "type": "text"},
            {"key": "reason", "label": "", "type": "text"},
            {"key": "x", "label": "这是一个超过二十个字的非常非常非常长的字段名称", "type": "text"},
            {"key": "y", "label": "类型", "type": "colour"},
            {"key": "z", "label": "必填", "type": "text", "required": "yes"},
            {"key": "w", "label": "字数", "type": "text", "max_length": 201},
            {"key": "v", "label": "正文", "type": "textarea", "max_length": 0},
            "not a field",
        ]
    )
    assert error.fields == {
        "fields.1.key": "字段标识「reason」重复",
        "fields.1.label": "请填写字段名称",
        "fields.2.label": "字段名称最多20个字",
        "fields.3.type": "不支持的字段类型",
        "fields.4.required": "必填设置格式错误",
        "fields.5.max_length": "最大字数应为1至200之间的整数",
        "fields.6.max_length": "最大字数应为1至5000之间的整数",
        "fields.7": "字段格式错误",
    }


def test_schema_select_option_rules() -> None:
    error = schema_errors(
        [
            {"key": "a", "label": "甲", "type": "select", "options": ["同意", "同意"]},
            {"key": "b", "label": "乙", "type": "select", "options": ["  "]},
            {"key": "c", "label": "丙", "type": "select", "options": ["长" * 41]},
            {"key": "d", "label": "丁", "type": "select", "options": [str(i) for i in range(51)]},
            {"key": "e", "label": "戊", "type": "multiselect", "options": "同意,不同意"},
            {"key": "f", "label": "己", "type": "select", "options": [1, 2]},
        ]
    )
    assert error.fields == {
        "fields.0.options": "选项「同意」重复",
        "fields.1.options": "第1个选项为空",
        "fields.2.options": "第1个选项超过40个字",
        "fields.3.options": "下拉选项最多50个",
        "fields.4.options": "下拉选项不能为空",
        "fields.5.options": "第1个选项为空",
    }


def test_schema_select_allows_exactly_fifty_options_of_forty_chars() -> None:
    options = [f"{i:02d}" + "项" * 38 for i in range(50)]
    (field,) = schema({"key": "a", "label": "甲", "type": "select", "options": options})
    assert len(field["options"]) == 50


def test_schema_number_and_money_bounds() -> None:
    error = schema_errors(
        [
            {"key": "a", "label": "人数", "type": "number", "min": 10, "max": 1},
            {"key": "b", "label": "金额", "type": "money", "min": 0.001},
            {"key": "c", "label": "上限", "type": "money", "max": "1000"},
            {"key": "d", "label": "数量", "type": "number", "min": True},
            {"key": "e", "label": "无穷", "type": "number", "max": float("inf")},
            {"key": "f", "label": "整数", "type": "number", "integer": 1},
            {"key": "g", "label": "单位", "type": "number", "unit": "非常非常长的计量单位"},
            {"key": "h", "label": "区间", "type": "money", "min": 100, "max": 50},
        ]
    )
    assert error.fields == {
        "fields.0.max": "最大值不能小于最小值",
        "fields.1.min": "最小金额最多两位小数",
        "fields.2.max": "最大金额应为数字",
        "fields.3.min": "最小值应为数字",
        "fields.4.max": "最大值应为数字",
        "fields.5.integer": "整数设置格式错误",
        "fields.6.unit": "单位最多8个字",
        "fields.7.max": "最大金额不能小于最小金额",
    }


def test_schema_multiselect_daterange_attachment_person_options() -> None:
    error = schema_errors(
        [
            {"key": "a", "label": "甲", "type": "multiselect", "options": ["x", "y"], "max": 3},
            {"key": "b", "label": "乙", "type": "multiselect", "options": ["x"], "min": 2},
            {"key": "c", "label": "丙", "type": "daterange", "max_days": 0},
            {"key": "d", "label": "丁", "type": "attachment", "max": 21},
            {"key": "e", "label": "戊", "type": "person", "multiple": "yes"},
            {
                "key": "f",
                "label": "己",
                "type": "multiselect",
                "options": ["x", "y", "z"],
                "min": 3,
                "max": 2,
            },
        ]
    )
    assert error.fields == {
        "fields.0.max": "最多选择数应为1至2之间的整数",
        "fields.1.min": "最少选择数应为0至1之间的整数",
        "fields.2.max_days": "最长天数应为1至3660之间的整数",
        "fields.3.max": "最多附件数应为1至20之间的整数",
        "fields.4.multiple": "多选设置格式错误",
        "fields.5.max": "最多选择数不能小于最少选择数",
    }


def test_schema_table_rules() -> None:
    error = schema_errors(
        [
            {"key": "a", "label": "无列", "type": "table", "columns": []},
            {
                "key": "b",
                "label": "坏列",
                "type": "table",
                "columns": [
                    {"key": "file", "label": "附件", "type": "attachment"},
                    {"key": "who", "label": "人员", "type": "person"},
                    {"key": "name", "label": "名称", "type": "text"},
                    {"key": "name", "label": "名称2", "type": "text"},
                    {"key": "kind", "label": "类型", "type": "select"},
                ],
                "total": "name",
            },
            {
                "key": "c",
                "label": "行数",
                "type": "table",
                "columns": [{"key": "x", "label": "x", "type": "text"}],
                "min_rows": 5,
                "max_rows": 2,
            },
            {
                "key": "d",
                "label": "嵌套",
                "type": "table",
                "columns": [{"key": "t", "label": "表", "type": "table", "columns": []}],
                "max_rows": 101,
            },
            {
                "key": "e",
                "label": "太宽",
                "type": "table",
                "columns": [{"key": f"c{i}", "label": "列", "type": "text"} for i in range(11)],
            },
        ]
    )
    table_only = "表格列只能是文本、数字、金额、下拉选择或日期"
    assert error.fields == {
        "fields.0.columns": "表格至少需要一列",
        "fields.1.columns.0.type": table_only,
        "fields.1.columns.1.type": table_only,
        "fields.1.columns.3.key": "字段标识「name」重复",
        "fields.1.columns.4.options": "下拉选项不能为空",
        "fields.1.total": "合计列必须是表格中的金额列",
        "fields.2.max_rows": "最多行数不能小于最少行数",
        "fields.3.columns.0.type": table_only,
        "fields.3.max_rows": "最多行数应为1至100之间的整数",
        "fields.4.columns": "表格最多10列",
    }


def test_schema_field_count_limits() -> None:
    thirty = [{"key": f"f{i}", "label": f"字段{i}", "type": "text"} for i in range(30)]
    assert len(forms.validate_schema(thirty)) == 30
    error = schema_errors([*thirty, {"key": "f30", "label": "多一个", "type": "text"}])
    assert error.fields == {"fields": "表单最多30个字段"}
    assert schema_errors([]).fields == {"fields": "表单至少需要一个字段"}
    assert schema_errors({"key": "a"}).fields == {"fields": "表单字段格式错误"}


def test_validated_schema_validates_again_unchanged() -> None:
    fields = schema(
        {"key": "a", "label": "金额", "type": "money", "min": 0.01},
        {"key": "b", "label": "类型", "type": "multiselect", "options": ["x", "y"], "max": 1},
    )
    assert forms.validate_schema(fields) == fields


# --- clean_form: text ---------------------------------------------------------------------


def test_text_is_stripped_and_limited() -> None:
    fields = one("text", "标题", max_length=5)
    assert clean(fields, {"f": "  关于经费  "}) == {"f": "关于经费"}
    assert errors_of(fields, {"f": "一二三四五六"}) == {"f": "标题最多5个字"}
    assert errors_of(fields, {"f": 12}) == {"f": "标题格式不正确"}
    assert errors_of(fields, {"f": "a\x00b"}) == {"f": "标题包含无效字符"}


@pytest.mark.parametrize("empty", [None, "", "   ", "\n"])
def test_required_text_asks_to_fill_in(empty: Any) -> None:
    assert errors_of(one("textarea", "请假事由"), {"f": empty}) == {"f": "请填写请假事由"}
    assert errors_of(one("textarea", "请假事由"), {}) == {"f": "请填写请假事由"}


def test_textarea_default_limit_is_2000() -> None:
    fields = one("textarea", "正文")
    assert clean(fields, {"f": "字" * 2000}) == {"f": "字" * 2000}
    assert errors_of(fields, {"f": "字" * 2001}) == {"f": "正文最多2000个字"}


def test_empty_optional_fields_and_unknown_keys_are_dropped() -> None:
    fields = schema(
        {"key": "title", "label": "标题", "type": "text", "required": True},
        {"key": "remark", "label": "备注", "type": "textarea"},
        {"key": "count", "label": "数量", "type": "number"},
        {"key": "kinds", "label": "类型", "type": "multiselect", "options": ["x"]},
    )
    cleaned = clean(
        fields, {"title": "会议", "remark": "  ", "count": None, "kinds": [], "hack": "x"}
    )
    assert cleaned == {"title": "会议"}


# --- numbers and money --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(3, 3), (2.5, 2.5), ("4", 4), (" 1.25 ", 1.25), (2.0, 2), (0, 0), (-1, -1)],
)
def test_number_accepts_numbers_and_numeric_strings(sent: Any, stored: Any) -> None:
    cleaned = clean(one("number", "数量"), {"f": sent})
    assert cleaned == {"f": stored}
    assert type(cleaned["f"]) is type(stored)


@pytest.mark.parametrize(
    "sent", [True, False, float("nan"), float("inf"), "abc", "1e5", "1,000", [1], {"v": 1}]
)
def test_number_refuses_non_numbers(sent: Any) -> None:
    assert errors_of(one("number", "数量"), {"f": sent}) == {"f": "数量必须是数字"}


def test_number_integer_and_range() -> None:
    fields = one("number", "乘车人数", integer=True, min=1, max=50, unit="人")
    assert clean(fields, {"f": 50}) == {"f": 50}
    assert clean(fields, {"f": 1.0}) == {"f": 1}
    assert errors_of(fields, {"f": 2.5}) == {"f": "乘车人数必须是整数"}
    assert errors_of(fields, {"f": 0}) == {"f": "乘车人数不能小于1"}
    assert errors_of(fields, {"f": 51}) == {"f": "乘车人数不能大于50"}
    assert errors_of(one("number", "比例", max=0.5), {"f": 0.75}) == {"f": "比例不能大于0.5"}
    assert errors_of(one("number", "大数"), {"f": 10**16}) == {"f": "大数超出允许范围"}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (1234.5, "1234.50"),
        ("1234.5", "1234.50"),
        (0.1, "0.10"),
        (100, "100.00"),
        ("12.500", "12.50"),
        ("0", "0.00"),
        ("-0", "0.00"),
        (999999.99, "999999.99"),
    ],
)
def test_money_is_stored_as_a_two_decimal_string(sent: Any, stored: str) -> None:
    assert clean(one("money", "金额"), {"f": sent}) == {"f": stored}


@pytest.mark.parametrize("sent", [1.005, "0.001", 0.1 + 0.2])
def test_money_refuses_fractions_of_a_cent_instead_of_rounding(sent: Any) -> None:
    assert errors_of(one("money", "金额"), {"f": sent}) == {"f": "金额最多两位小数"}


def test_money_refuses_bad_values_and_respects_bounds() -> None:
    fields = one("money", "预计费用")
    assert errors_of(fields, {"f": -5}) == {"f": "预计费用不能小于0"}
    assert errors_of(fields, {"f": True}) == {"f": "预计费用必须是数字"}
    assert errors_of(fields, {"f": "¥100"}) == {"f": "预计费用必须是数字"}
    assert errors_of(fields, {"f": "1e999999"}) == {"f": "预计费用必须是数字"}
    assert errors_of(fields, {"f": 1e20}) == {"f": "预计费用超出允许范围"}
    bounded = one("money", "金额", min=0.01, max=5000)
    assert errors_of(bounded, {"f": 0}) == {"f": "金额不能小于0.01"}
    assert errors_of(bounded, {"f": "5000.01"}) == {"f": "金额不能大于5000"}
    assert clean(bounded, {"f": "5000"}) == {"f": "5000.00"}
    assert errors_of(bounded, {}) == {"f": "请填写金额"}


# --- dates ---------------------------------------------------------------------------------


def test_date_is_strict_iso() -> None:
    fields = one("date", "出发日期")
    assert clean(fields, {"f": "2026-11-23"}) == {"f": "2026-11-23"}
    for bad in ["2026-2-3", "2026-02-30", "20261123", "2026/11/23", "2026-11-23T00:00", 20261123]:
        assert errors_of(fields, {"f": bad}) == {"f": "出发日期格式不正确"}
    assert errors_of(fields, {}) == {"f": "请选择出发日期"}


def test_daterange_counts_days_inclusively() -> None:
    fields = one("daterange", "请假时间", max_days=180)
    assert clean(fields, {"f": {"start": "2026-11-23", "end": "2026-11-25"}}) == {
        "f": {"start": "2026-11-23", "end": "2026-11-25", "days": 3}
    }
    same_day = clean(fields, {"f": {"start": "2026-11-23", "end": "2026-11-23"}})
    assert same_day["f"]["days"] == 1
    across_leap_day = clean(fields, {"f": {"start": "2028-02-28", "end": "2028-03-01"}})
    assert across_leap_day["f"]["days"] == 3


def test_daterange_errors() -> None:
    fields = one("daterange", "请假时间", max_days=5)
    assert errors_of(fields, {"f": {"start": "2026-11-25", "end": "2026-11-23"}}) == {
        "f": "结束日期不能早于开始日期"
    }
    assert errors_of(fields, {"f": {"start": "2026-11-01", "end": "2026-11-06"}}) == {
        "f": "请假时间不能超过5天"
    }
    assert errors_of(fields, {"f": {"start": "2026-11-01"}}) == {
        "f": "请选择请假时间的开始和结束日期"
    }
    assert errors_of(fields, {"f": {"start": "2026-11-01", "end": "11/02"}}) == {
        "f": "请假时间格式不正确"
    }
    assert errors_of(fields, {"f": "2026-11-01"}) == {"f": "请假时间格式不正确"}
    assert errors_of(fields, {"f": {"start": "", "end": ""}}) == {"f": "请选择请假时间"}


def test_datetimerange_normalises_to_the_site_zone_and_computes_hours() -> None:
    fields = one("datetimerange", "用车时间")
    cleaned = clean(fields, {"f": {"start": "2026-11-23T01:00:00Z", "end": "2026-11-23T03:20Z"}})
    assert cleaned == {
        "f": {
            "start": "2026-11-23T09:00:00+08:00",
            "end": "2026-11-23T11:20:00+08:00",
            "hours": 2.3,
        }
    }


def test_datetimerange_naive_times_are_read_in_beijing_time() -> None:
    fields = one("datetimerange", "使用时间")
    naive = clean(fields, {"f": {"start": "2026-11-23T09:00", "end": "2026-11-23 10:30:00"}})
    assert naive["f"]["start"] == "2026-11-23T09:00:00+08:00"
    assert naive["f"]["hours"] == 1.5
    # An explicit offset wins over the site zone: 09:00 in Tokyo is 08:00 here.
    tokyo = clean(
        fields, {"f": {"start": "2026-11-23T09:00:00+09:00", "end": "2026-11-23T12:00+0900"}}
    )
    assert tokyo["f"]["start"] == "2026-11-23T08:00:00+08:00"
    assert tokyo["f"]["end"] == "2026-11-23T11:00:00+08:00"
    assert tokyo["f"]["hours"] == 3.0


def test_datetimerange_errors() -> None:
    fields = one("datetimerange", "用车时间")
    start = "2026-11-23T09:00:00+08:00"
    assert errors_of(fields, {"f": {"start": start, "end": start}}) == {
        "f": "结束时间必须晚于开始时间"
    }
    # The same instant written in two zones is still not later.
    assert errors_of(fields, {"f": {"start": start, "end": "2026-11-23T01:00:00Z"}}) == {
        "f": "结束时间必须晚于开始时间"
    }
    for bad in ["2026-11-23", "明天上午", "2026-11-23T25:00", "2026-11-23T09:00+8"]:
        assert errors_of(fields, {"f": {"start": start, "end": bad}}) == {"f": "用车时间格式不正确"}
    assert errors_of(fields, {"f": {"end": start}}) == {"f": "请选择用车时间的开始和结束时间"}
    assert errors_of(fields, {}) == {"f": "请选择用车时间"}


# --- choices -------------------------------------------------------------------------------


def test_select() -> None:
    fields = one("select", "请假类型", options=["事假", "病假"])
    assert clean(fields, {"f": "病假"}) == {"f": "病假"}
    assert errors_of(fields, {"f": "旷工"}) == {"f": "请假类型的选项无效"}
    assert errors_of(fields, {"f": ["事假"]}) == {"f": "请假类型的选项无效"}
    assert errors_of(fields, {}) == {"f": "请选择请假类型"}


def test_multiselect() -> None:
    fields = one("multiselect", "议题", options=["预算", "人事", "基建"], min=1, max=2)
    assert clean(fields, {"f": ["人事", "预算", "人事"]}) == {"f": ["人事", "预算"]}
    assert errors_of(fields, {"f": ["预算", "其他"]}) == {"f": "议题的选项无效"}
    assert errors_of(fields, {"f": ["预算", "人事", "基建"]}) == {"f": "议题最多选择2项"}
    assert errors_of(fields, {"f": "预算"}) == {"f": "议题格式不正确"}
    assert errors_of(fields, {"f": []}) == {"f": "请选择议题"}
    at_least_two = one("multiselect", "议题", required=False, options=["a", "b"], min=2)
    assert errors_of(at_least_two, {"f": ["a"]}) == {"f": "议题至少选择2项"}
    assert clean(at_least_two, {"f": []}) == {}


# --- people, departments, rooms ---------------------------------------------------------


@pytest.mark.django_db
def test_person_single_and_multiple(staff: User, clerk: User, director: User) -> None:
    single = one("person", "交接人")
    assert clean(single, {"f": clerk.pk}, initiator=staff) == {"f": clerk.pk}
    several = one("person", "同行人员", multiple=True)
    cleaned = clean(several, {"f": [clerk.pk, director.pk, clerk.pk]}, initiator=staff)
    assert cleaned == {"f": [clerk.pk, director.pk]}
    assert errors_of(single, {"f": [clerk.pk]}) == {"f": "交接人只能选择一人"}
    assert errors_of(several, {"f": clerk.pk}) == {"f": "同行人员格式不正确"}
    assert errors_of(single, {}) == {"f": "请选择交接人"}


@pytest.mark.django_db
def test_person_must_exist_and_be_active(staff: User, clerk: User) -> None:
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    several = one("person", "同行人员", multiple=True)
    assert errors_of(several, {"f": [staff.pk, clerk.pk]}) == {"f": "人员不存在"}
    assert errors_of(several, {"f": [staff.pk, 987654]}) == {"f": "人员不存在"}
    assert errors_of(one("person", "交接人"), {"f": True}) == {"f": "人员不存在"}
    assert errors_of(one("person", "交接人"), {"f": str(staff.pk)}) == {"f": "人员不存在"}


@pytest.mark.django_db
def test_department(org: dict[str, Any]) -> None:
    fields = one("department", "用车部门")
    budget: Department = org["budget"]
    assert clean(fields, {"f": budget.pk}) == {"f": budget.pk}
    assert errors_of(fields, {"f": 987654}) == {"f": "部门不存在"}
    assert errors_of(fields, {"f": "秘书科"}) == {"f": "部门不存在"}
    assert errors_of(fields, {}) == {"f": "请选择用车部门"}


def test_room_needs_a_lookup_that_knows_it() -> None:
    fields = one("room", "会议室")
    assert errors_of(fields, {"f": 3}) == {"f": "会议室不存在"}
    asked: list[int] = []

    def exists(pk: int) -> bool:
        asked.append(pk)
        return pk == 3

    assert clean(fields, {"f": 3}, room_exists=exists) == {"f": 3}
    assert errors_of(fields, {"f": 4}, room_exists=exists) == {"f": "会议室不存在"}
    assert errors_of(fields, {"f": "3"}, room_exists=exists) == {"f": "会议室不存在"}
    assert asked == [3, 4]
    assert errors_of(fields, {}, room_exists=exists) == {"f": "请选择会议室"}


# --- attachments ---------------------------------------------------------------------------


def upload(actor: User, name: str, data: bytes) -> Attachment:
    return realtime.attachment_upload(
        actor=actor, name=name, size=len(data), stream=io.BytesIO(data)
    )


@pytest.mark.django_db
def test_attachment_tokens_become_file_descriptions(staff: User, private_media: None) -> None:
    photo = upload(staff, "病假条.png", image_bytes(gps=False))
    scan = upload(staff, "诊断证明.pdf", pdf_bytes())
    fields = one("attachment", "附件")
    cleaned = clean(fields, {"f": [photo.token, scan.token, photo.token]}, initiator=staff)
    assert cleaned == {
        "f": [
            {"id": photo.token, "name": "病假条.png", "size": photo.size, "kind": "image"},
            {"id": scan.token, "name": "诊断证明.pdf", "size": scan.size, "kind": "file"},
        ]
    }
    # A returned form is resubmitted with what was stored.
    assert clean(fields, cleaned, initiator=staff) == cleaned


@pytest.mark.django_db
def test_attachment_must_be_visible_to_the_initiator(
    staff: User, outsider: User, private_media: None
) -> None:
    theirs = upload(outsider, "预算表.pdf", pdf_bytes())
    fields = one("attachment", "用印文件")
    assert errors_of(fields, {"f": [theirs.token]}, initiator=staff) == {"f": "附件不存在或已失效"}
    assert errors_of(fields, {"f": ["0" * 32]}, initiator=staff) == {"f": "附件不存在或已失效"}
    assert errors_of(fields, {"f": [7]}, initiator=staff) == {"f": "附件不存在或已失效"}
    assert errors_of(fields, {"f": theirs.token}, initiator=staff) == {"f": "用印文件格式不正确"}
    assert errors_of(fields, {"f": []}, initiator=staff) == {"f": "请上传用印文件"}


@pytest.mark.django_db
def test_attachment_count_limit(staff: User, private_media: None) -> None:
    tokens = [upload(staff, f"{i}.pdf", pdf_bytes()).token for i in range(3)]
    fields = one("attachment", "发票", max=2)
    assert errors_of(fields, {"f": tokens}, initiator=staff) == {"f": "发票最多2个"}
    assert len(clean(fields, {"f": tokens[:2]}, initiator=staff)["f"]) == 2


# --- tables --------------------------------------------------------------------------------

EXPENSE_LINES: dict[str, Any] = {
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
            "options": ["差旅费", "交通费", "办公用品"],
        },
        {"key": "amount", "label": "金额", "type": "money", "required": True, "min": 0.01},
        {"key": "note", "label": "说明", "type": "text"},
    ],
    "min_rows": 1,
    "max_rows": 3,
    "total": "amount",
}


def test_table_rows_are_cleaned_and_totalled() -> None:
    fields = schema(EXPENSE_LINES)
    cleaned = clean(
        fields,
        {
            "lines": [
                {"category": "差旅费", "amount": 1200.5, "note": " 北京往返 "},
                {"category": "交通费", "amount": "35", "note": "", "extra": "dropped"},
                {"category": "办公用品", "amount": 0.1},
            ]
        },
    )
    assert cleaned == {
        "lines": {
            "rows": [
                {"category": "差旅费", "amount": "1200.50", "note": "北京往返"},
                {"category": "交通费", "amount": "35.00"},
                {"category": "办公用品", "amount": "0.10"},
            ],
            "total": "1235.60",
        }
    }


def test_table_errors_are_keyed_by_row_and_column() -> None:
    fields = schema(EXPENSE_LINES)
    errors = errors_of(
        fields,
        {
            "lines": [
                {"category": "差旅费", "amount": "10"},
                {"category": "差旅费", "amount": "12.345"},
                {"amount": 0},
            ]
        },
    )
    assert errors == {
        "lines.1.amount": "第2行金额最多两位小数",
        "lines.2.category": "第3行请选择费用类型",
        "lines.2.amount": "第3行金额不能小于0.01",
    }


def test_table_row_counts() -> None:
    fields = schema(EXPENSE_LINES)
    row = {"category": "差旅费", "amount": 1}
    assert errors_of(fields, {"lines": [row] * 4}) == {"lines": "报销明细最多3行"}
    assert errors_of(fields, {"lines": []}) == {"lines": "请填写报销明细"}
    assert errors_of(fields, {"lines": [row, "row"]}) == {"lines": "报销明细格式不正确"}
    optional = schema({**EXPENSE_LINES, "required": False, "min_rows": 2})
    assert clean(optional, {"lines": []}) == {}
    assert errors_of(optional, {"lines": [{"category": "差旅费"}]}) == {
        "lines": "报销明细至少填写2行",
        "lines.0.amount": "第1行请填写金额",
    }


def test_table_without_a_total_column() -> None:
    fields = schema(
        {
            "key": "schedule",
            "label": "行程",
            "type": "table",
            "columns": [
                {"key": "day", "label": "日期", "type": "date", "required": True},
                {"key": "people", "label": "人数", "type": "number", "integer": True},
            ],
        }
    )
    cleaned = clean(fields, {"schedule": [{"day": "2026-11-23", "people": "3"}]})
    assert cleaned == {"schedule": {"rows": [{"day": "2026-11-23", "people": 3}]}}


# --- the whole form ------------------------------------------------------------------------


def test_every_problem_is_reported_at_once() -> None:
    fields = schema(
        {
            "key": "leave_type",
            "label": "请假类型",
            "type": "select",
            "required": True,
            "options": ["事假"],
        },
        {"key": "period", "label": "请假时间", "type": "daterange", "required": True},
        {"key": "reason", "label": "请假事由", "type": "textarea", "required": True},
        {"key": "files", "label": "附件", "type": "attachment", "required": True},
        {"key": "amount", "label": "金额", "type": "money"},
        EXPENSE_LINES,
    )
    errors = errors_of(
        fields,
        {
            "period": {"start": "2026-11-25", "end": "2026-11-23"},
            "amount": "1.234",
            "lines": [{"category": "差旅费", "amount": -1}],
        },
    )
    assert errors == {
        "leave_type": "请选择请假类型",
        "period": "结束日期不能早于开始日期",
        "reason": "请填写请假事由",
        "files": "请上传附件",
        "amount": "金额最多两位小数",
        "lines.0.amount": "第1行金额不能小于0.01",
    }


def test_values_must_be_an_object() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean(one("text"), ["not", "a", "dict"])  # type: ignore[arg-type]
    assert caught.value.code == "invalid_form"
    assert caught.value.fields == {"form": "表单格式错误"}


# --- facts ---------------------------------------------------------------------------------


def test_facts_are_scalars_for_conditions() -> None:
    fields = schema(
        {"key": "period", "label": "时间", "type": "daterange"},
        {"key": "time", "label": "用车", "type": "datetimerange"},
        {"key": "budget", "label": "费用", "type": "money"},
        {"key": "kind", "label": "类型", "type": "select", "options": ["事假"]},
        {"key": "count", "label": "人数", "type": "number"},
        {"key": "tags", "label": "标签", "type": "multiselect", "options": ["a", "b"]},
        {"key": "remark", "label": "备注", "type": "text"},
        EXPENSE_LINES,
    )
    cleaned = clean(
        fields,
        {
            "period": {"start": "2026-11-23", "end": "2026-11-26"},
            "time": {"start": "2026-11-23T09:00", "end": "2026-11-23T11:30"},
            "budget": "5000.5",
            "kind": "事假",
            "count": 3,
            "tags": ["b"],
            "lines": [{"category": "差旅费", "amount": 4999}, {"category": "交通费", "amount": 2}],
        },
    )
    assert forms.facts(fields, cleaned) == {
        "period": 4,
        "time": 2.5,
        "budget": Decimal("5000.50"),
        "kind": "事假",
        "count": 3,
        "tags": ["b"],
        "lines": Decimal("5001.00"),
    }


def test_a_table_without_total_gives_no_fact() -> None:
    fields = schema(
        {
            "key": "t",
            "label": "表",
            "type": "table",
            "columns": [{"key": "a", "label": "a", "type": "text"}],
        }
    )
    assert forms.facts(fields, {"t": {"rows": [{"a": "x"}]}}) == {}


# --- display -------------------------------------------------------------------------------


class Lookups:
    """Name lookups that record how they were called."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []

    def names(self, ids: list[int]) -> dict[int, str]:
        self.calls.append(("names", ids))
        return {1: "王建国", 2: "李秀英"}

    def departments(self, ids: list[int]) -> dict[int, str]:
        self.calls.append(("departments", ids))
        return {7: "秘书科"}

    def rooms(self, ids: list[int]) -> dict[int, str]:
        self.calls.append(("rooms", ids))
        return {3: "第一会议室"}

    def by_kind(self) -> dict[str, Any]:
        return {"person": self.names, "department": self.departments, "room": self.rooms}

    def show(self, fields: list[dict[str, Any]], cleaned: dict[str, Any]) -> dict[str, str]:
        rows = forms.display(fields, cleaned, lookups=self.by_kind())
        assert all(set(row) == {"key", "label", "value"} for row in rows)
        return {row["label"]: row["value"] for row in rows}


DISPLAY_FIELDS: list[dict[str, Any]] = [
    {"key": "amount", "label": "预计费用", "type": "money"},
    {"key": "period", "label": "请假时间", "type": "daterange"},
    {"key": "time", "label": "用车时间", "type": "datetimerange"},
    {"key": "trip", "label": "跨天", "type": "datetimerange"},
    {"key": "topics", "label": "议题", "type": "multiselect", "options": ["预算", "人事"]},
    {"key": "leader", "label": "审批人", "type": "person"},
    {"key": "companions", "label": "同行人员", "type": "person", "multiple": True},
    {"key": "dept", "label": "部门", "type": "department"},
    {"key": "room", "label": "会议室", "type": "room"},
    {"key": "files", "label": "附件", "type": "attachment"},
    {"key": "count", "label": "乘车人数", "type": "number", "unit": "人"},
    {"key": "ratio", "label": "比例", "type": "number"},
    {"key": "day", "label": "日期", "type": "date"},
    {"key": "kind", "label": "类型", "type": "select", "options": ["事假"]},
    {"key": "reason", "label": "事由", "type": "textarea"},
    EXPENSE_LINES,
    {"key": "remark", "label": "备注", "type": "text"},
]


def test_display_renders_chinese_strings() -> None:
    fields = schema(*DISPLAY_FIELDS)
    cleaned = {
        "amount": "1234.50",
        "period": {"start": "2026-11-23", "end": "2026-11-25", "days": 3},
        "time": {"start": "2026-11-23T09:00:00+08:00", "end": "2026-11-23T11:00:00+08:00"},
        "trip": {"start": "2026-11-23T01:00:00Z", "end": "2026-11-24T10:30:00+08:00"},
        "topics": ["预算", "人事"],
        "leader": 1,
        "companions": [2, 1, 99],
        "dept": 7,
        "room": 3,
        "files": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "count": 3,
        "ratio": 0.25,
        "day": "2026-11-23",
        "kind": "事假",
        "reason": "参加培训",
        "lines": {"rows": [{}, {}, {}, {}], "total": "12345.60"},
    }
    lookups = Lookups()
    assert lookups.show(fields, cleaned) == {
        "预计费用": "¥1,234.50",
        "请假时间": "2026-11-23 至 2026-11-25（3天）",
        "用车时间": "11月23日 09:00–11:00",
        "跨天": "11月23日 09:00 – 11月24日 10:30",
        "议题": "预算、人事",
        "审批人": "王建国",
        "同行人员": "李秀英、王建国、未知人员",
        "部门": "秘书科",
        "会议室": "第一会议室",
        "附件": "3个附件",
        "乘车人数": "3人",
        "比例": "0.25",
        "日期": "2026-11-23",
        "类型": "事假",
        "事由": "参加培训",
        "报销明细": "4项，合计¥12,345.60",
    }
    # One call per kind of name, with every id the form mentions.
    assert lookups.calls == [
        ("names", [1, 2, 1, 99]),
        ("departments", [7]),
        ("rooms", [3]),
    ]


def test_display_keeps_schema_order_and_omits_empty_values() -> None:
    fields = schema(*DISPLAY_FIELDS)
    lookups = Lookups()
    rows = forms.display(
        fields,
        {"remark": "", "reason": "开会", "amount": "0.00", "day": "2026-01-02"},
        lookups=lookups.by_kind(),
    )
    assert rows == [
        {"key": "amount", "label": "预计费用", "value": "¥0.00"},
        {"key": "day", "label": "日期", "value": "2026-01-02"},
        {"key": "reason", "label": "事由", "value": "开会"},
    ]
    assert lookups.calls == []  # nothing to name, nothing asked


def test_display_of_a_single_day_and_of_a_cleaned_form() -> None:
    fields = schema(
        {"key": "period", "label": "请假时间", "type": "daterange"},
        {"key": "time", "label": "用车时间", "type": "datetimerange"},
        {"key": "budget", "label": "预计费用", "type": "money"},
    )
    cleaned = clean(
        fields,
        {
            "period": {"start": "2026-11-23", "end": "2026-11-23"},
            "time": {"start": "2026-11-23T06:00:00Z", "end": "2026-11-23T07:30:00Z"},
            "budget": 1000000,
        },
    )
    assert Lookups().show(fields, cleaned) == {
        "请假时间": "2026-11-23（1天）",
        "用车时间": "11月23日 14:00–15:30",
        "预计费用": "¥1,000,000.00",
    }


# --- evaluate ------------------------------------------------------------------------------


def holds(op: str, fact: Any, value: Any) -> bool:
    return forms.evaluate({"field": "x", "op": op, "value": value}, {"x": fact})


@pytest.mark.parametrize(
    ("op", "fact", "value", "expected"),
    [
        ("eq", Decimal("5000.00"), 5000, True),
        ("eq", Decimal("5000.00"), "5000", True),
        ("eq", 3, 3.0, True),
        ("eq", 2.5, "2.50", True),
        ("eq", "事假", "事假", True),
        ("eq", "事假", "病假", False),
        ("ne", Decimal("1.10"), 1.1, False),
        ("ne", "事假", "病假", True),
        ("gt", Decimal("5000.01"), 5000, True),
        ("gt", Decimal("5000.00"), 5000, False),
        ("gt", 4, 3, True),
        ("gt", 3, "3", False),
        ("gte", 3, "3", True),
        ("gte", 2.9, 3, False),
        ("lt", 2.5, 3, True),
        ("lt", Decimal("3"), 3.0, False),
        ("lte", 3, Decimal("3.00"), True),
        ("lte", "4", 3, False),
        ("gt", "事假", 3, False),  # words are not numbers
        ("gt", 4, "三", False),
        ("in", "病假", ["事假", "病假"], True),
        ("in", "婚假", ["事假", "病假"], False),
        ("in", Decimal("2.00"), [1, 2], True),
        ("in", 5, "5", False),  # `in` needs a list
        ("contains", ["预算", "人事"], "人事", True),
        ("contains", ["预算"], "人事", False),
        ("contains", [1, 2], 2, True),
        ("contains", "关于年度预算的请示", "预算", True),
        ("contains", "关于人事的请示", "预算", False),
        ("contains", 5, 5, False),
    ],
)
def test_evaluate(op: str, fact: Any, value: Any, expected: bool) -> None:
    assert holds(op, fact, value) is expected


@pytest.mark.parametrize("op", ["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains"])
def test_evaluate_with_a_missing_fact_never_holds(op: str) -> None:
    condition = {"field": "amount", "op": op, "value": [1] if op == "in" else 1}
    assert forms.evaluate(condition, {}) is False
    assert forms.evaluate(condition, {"amount": None}) is False


def test_evaluate_on_cleaned_facts() -> None:
    fields = schema(EXPENSE_LINES)
    cleaned = clean(fields, {"lines": [{"category": "差旅费", "amount": "5000.01"}]})
    over = {"field": "lines", "op": "gt", "value": 5000}
    assert forms.evaluate(over, forms.facts(fields, cleaned)) is True
    cleaned = clean(fields, {"lines": [{"category": "差旅费", "amount": "5000"}]})
    assert forms.evaluate(over, forms.facts(fields, cleaned)) is False


# --- validate_condition ----------------------------------------------------------------------

CONDITION_FIELDS = schema(
    {"key": "period", "label": "请假时间", "type": "daterange"},
    {"key": "time", "label": "用车时间", "type": "datetimerange"},
    {"key": "budget", "label": "预计费用", "type": "money"},
    {"key": "count", "label": "人数", "type": "number"},
    {"key": "kind", "label": "请假类型", "type": "select", "options": ["事假", "病假"]},
    {"key": "tags", "label": "议题", "type": "multiselect", "options": ["预算", "人事"]},
    {"key": "title", "label": "标题", "type": "text"},
    {"key": "day", "label": "日期", "type": "date"},
    {"key": "boss", "label": "领导", "type": "person"},
    {"key": "team", "label": "同行人员", "type": "person", "multiple": True},
    {"key": "dept", "label": "部门", "type": "department"},
    {"key": "room", "label": "会议室", "type": "room"},
    {"key": "files", "label": "附件", "type": "attachment"},
    EXPENSE_LINES,
    {
        "key": "plain",
        "label": "无合计表",
        "type": "table",
        "columns": [{"key": "a", "label": "a", "type": "text"}],
    },
)


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "period", "op": "gt", "value": 3},
        {"field": "time", "op": "gte", "value": 2.5},
        {"field": "budget", "op": "lte", "value": "5000.00"},
        {"field": "count", "op": "in", "value": [1, 2, 3]},
        {"field": "lines", "op": "gt", "value": 5000},
        {"field": "kind", "op": "eq", "value": "病假"},
        {"field": "kind", "op": "in", "value": ["事假", "病假"]},
        {"field": "tags", "op": "contains", "value": "预算"},
        {"field": "title", "op": "contains", "value": "预算"},
        {"field": "title", "op": "ne", "value": "无"},
        {"field": "day", "op": "eq", "value": "2026-10-01"},
        {"field": "boss", "op": "eq", "value": 5},
        {"field": "team", "op": "contains", "value": 5},
        {"field": "dept", "op": "in", "value": [1, 2]},
        {"field": "room", "op": "ne", "value": 3},
    ],
)
def test_valid_conditions(condition: dict[str, Any]) -> None:
    forms.validate_condition(condition, CONDITION_FIELDS)


@pytest.mark.parametrize(
    ("condition", "where", "message"),
    [
        ({"field": "nope", "op": "eq", "value": 1}, "field", "条件中的字段「nope」不存在"),
        ({"field": "files", "op": "eq", "value": 1}, "field", "「附件」不能作为条件"),
        ({"field": "plain", "op": "gt", "value": 1}, "field", "「无合计表」不能作为条件"),
        (
            {"field": "kind", "op": "gt", "value": "事假"},
            "op",
            "「请假类型」只能用等于、不等于、属于比较",
        ),
        ({"field": "tags", "op": "eq", "value": "预算"}, "op", "「议题」只能用包含比较"),
        ({"field": "budget", "op": "between", "value": 1}, "op", None),
        ({"field": "day", "op": "gt", "value": "2026-10-01"}, "op", None),
        ({"field": "team", "op": "eq", "value": 5}, "op", None),
        ({"field": "budget", "op": "gt", "value": "五千"}, "value", "「预计费用」的比较值应为数字"),
        ({"field": "budget", "op": "gt", "value": True}, "value", None),
        ({"field": "budget", "op": "gt", "value": None}, "value", None),
        ({"field": "kind", "op": "eq", "value": "婚假"}, "value", None),
        ({"field": "kind", "op": "in", "value": []}, "value", "「请假类型」属于比较需要至少一个值"),
        ({"field": "count", "op": "in", "value": 3}, "value", None),
        ({"field": "count", "op": "in", "value": [1, "x"]}, "value", None),
        ({"field": "title", "op": "contains", "value": " "}, "value", None),
        ({"field": "day", "op": "eq", "value": "10月1日"}, "value", None),
        ({"field": "boss", "op": "eq", "value": "王建国"}, "value", "「领导」的比较值应为编号"),
        ({"field": "team", "op": "contains", "value": 0}, "value", None),
    ],
)
def test_invalid_conditions(condition: dict[str, Any], where: str, message: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        forms.validate_condition(condition, CONDITION_FIELDS, path="nodes.1.branches.0.when")
    assert caught.value.code == "invalid_flow"
    assert caught.value.fields is not None
    assert list(caught.value.fields) == [f"nodes.1.branches.0.when.{where}"]
    if message is not None:
        assert caught.value.message == message


def test_condition_must_be_an_object() -> None:
    with pytest.raises(InvalidInput) as caught:
        forms.validate_condition(None, CONDITION_FIELDS)  # type: ignore[arg-type]
    assert caught.value.fields == {"when.field": "请设置分支条件"}
