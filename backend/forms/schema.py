"""Checking a form schema as somebody authored it, and conditions that compare its fields.

A schema is a JSON list of fields, `{key, label, type, required, placeholder,
…type options}`. What is common to every field is checked here; each type's
own options are checked by its `FieldType.options`, through an `OptionReader`
that records problems under `<where>.<option>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.forms.base import MAX_MAGNITUDE, Field, FieldTypes, decimals, to_decimal
from backend.workflow.conditions import OPS

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_FIELDS = 30
MAX_LABEL = 20
MAX_PLACEHOLDER = 100

OP_NAMES = {
    "eq": "等于",
    "ne": "不等于",
    "gt": "大于",
    "gte": "大于等于",
    "lt": "小于",
    "lte": "小于等于",
    "in": "属于",
    "contains": "包含",
}


class Problems:
    """Errors keyed by where they are, first one per place wins."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.first_label: str | None = None

    def add(self, where: str, message: str, label: str | None = None) -> None:
        if not self.errors:
            self.first_label = label
        self.errors.setdefault(where, message)


def validate_schema(fields: list[dict[str, Any]], types: FieldTypes) -> list[dict[str, Any]]:
    """Check a field list against the `types` registry; return it normalised.

    Defaults are filled (`required` False, type options), unknown keys are
    dropped. Errors are keyed `fields.<index>.<attribute>` (0-based, like the
    flow editor's `nodes.<index>`) in one InvalidInput(code="invalid_schema").
    """
    problems = Problems()
    if not isinstance(fields, list):
        raise _schema_error({"fields": "表单字段格式错误"}, None)
    if not fields:
        problems.add("fields", "表单至少需要一个字段")
    if len(fields) > MAX_FIELDS:
        problems.add("fields", f"表单最多{MAX_FIELDS}个字段")
    normalised = check_fields(fields, "fields", problems, types, "不支持的字段类型")
    if problems.errors:
        raise _schema_error(problems.errors, problems.first_label)
    return normalised


def _schema_error(errors: dict[str, str], label: str | None) -> InvalidInput:
    first = next(iter(errors.values()))
    named = f"「{label}」{first}" if label else first
    return InvalidInput.of(codes.INVALID_SCHEMA, f"表单设计有误：{named}", fields=errors)


def check_fields(
    raw_fields: list[Any], path: str, problems: Problems, types: FieldTypes, unknown_type: str
) -> list[Field]:
    """Check a list of fields under `path` (a form's, or a table's columns)."""
    normalised: list[Field] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_fields):
        where = f"{path}.{index}"
        field = _check_field(raw, where, problems, types, unknown_type)
        key = field.get("key")
        if isinstance(key, str):
            if key in seen:
                problems.add(f"{where}.key", f"字段标识「{key}」重复", field.get("label"))
            seen.add(key)
        normalised.append(field)
    return normalised


def _check_field(
    raw: Any, where: str, problems: Problems, types: FieldTypes, unknown_type: str
) -> Field:
    if not isinstance(raw, dict):
        problems.add(where, "字段格式错误")
        return {}
    label = raw.get("label")
    name = label.strip() if isinstance(label, str) else None
    if not name:
        problems.add(f"{where}.label", "请填写字段名称")
    elif len(name) > MAX_LABEL:
        problems.add(f"{where}.label", f"字段名称最多{MAX_LABEL}个字", name)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        message = "字段标识须以小写字母开头，只含小写字母、数字和下划线，最长32位"
        problems.add(f"{where}.key", message, name)
    kind = raw.get("type")
    # A JSON list or object is not a type name (and not hashable either).
    field_type = types.get(kind) if isinstance(kind, str) else None
    if field_type is None:
        problems.add(f"{where}.type", unknown_type, name)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        problems.add(f"{where}.required", "必填设置格式错误", name)
    placeholder = raw.get("placeholder", "")
    if not isinstance(placeholder, str) or len(placeholder) > MAX_PLACEHOLDER:
        problems.add(f"{where}.placeholder", f"提示文字最多{MAX_PLACEHOLDER}个字", name)
    field: Field = {
        "key": key,
        "label": name or "",
        "type": kind,
        "required": required is True,
        "placeholder": placeholder.strip() if isinstance(placeholder, str) else "",
    }
    if field_type is not None:
        field.update(field_type.options(OptionReader(raw, where, problems, name)))
    return field


@dataclass
class OptionReader:
    """Reads one field's type options, recording problems under `<where>.<option>`."""

    raw: dict[str, Any]
    where: str
    problems: Problems
    label: str | None

    def fail(self, option: str, message: str) -> None:
        self.problems.add(f"{self.where}.{option}", message, self.label)

    def integer(
        self, option: str, what: str, low: int, high: int, default: int | None = None
    ) -> int | None:
        value = self.raw.get(option)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(option, f"{what}应为{low}至{high}之间的整数")
            return default
        return value

    def number(self, option: str, what: str, *, cents: bool = False) -> int | float | None:
        value = self.raw.get(option)
        if value is None:
            return None
        number = to_decimal(value) if isinstance(value, int | float) else None
        if number is None or abs(number) >= MAX_MAGNITUDE:
            self.fail(option, f"{what}应为数字")
            return None
        if cents and decimals(number) > 2:
            self.fail(option, f"{what}最多两位小数")
            return None
        return value

    def flag(self, option: str, what: str) -> bool:
        value = self.raw.get(option, False)
        if not isinstance(value, bool):
            self.fail(option, f"{what}设置格式错误")
            return False
        return value

    def bounds(self, low: int | float | None, high: int | float | None, message: str) -> None:
        if low is not None and high is not None and Decimal(repr(high)) < Decimal(repr(low)):
            self.fail("max", message)


def validate_condition(
    condition: Mapping[str, Any],
    fields: list[dict[str, Any]],
    types: FieldTypes,
    *,
    path: str = "when",
) -> None:
    """Check a branch condition against a schema's fields, for a flow editor.

    Raises InvalidInput(code="invalid_flow") keyed `<path>.field|op|value`.
    """

    def fail(part: str, message: str) -> InvalidInput:
        return InvalidInput.of(codes.INVALID_FLOW, message, fields={f"{path}.{part}": message})

    if not isinstance(condition, Mapping):
        raise fail("field", "请设置分支条件")
    key, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    field = next((f for f in fields if f.get("key") == key), None)
    if field is None:
        raise fail("field", f"条件中的字段「{key}」不存在")
    label = field["label"]
    field_type = types.get(field["type"])
    comparable = field_type.comparable(field) if field_type is not None else None
    if comparable is None:
        raise fail("field", f"「{label}」不能作为条件")
    if op not in OPS or op not in comparable.ops:
        allowed = "、".join(OP_NAMES[o] for o in comparable.ops)
        raise fail("op", f"「{label}」只能用{allowed}比较")
    constants = [value]
    if op == "in":
        if not isinstance(value, list) or not value:
            raise fail("value", f"「{label}」属于比较需要至少一个值")
        constants = value
    if not all(comparable.accepts(field, item) for item in constants):
        raise fail("value", f"「{label}」的比较值应为{comparable.expected}")
