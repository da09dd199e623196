"""Approval forms: checking a template's fields, cleaning submissions, showing them.

A template's `fields` is data an administrator edits (docs/workflow.md, "Form
schemas"). `validate_schema` checks and normalises it when it is saved;
`clean_form` checks what an initiator submits against it; `facts` turns the
cleaned values into the scalars flow conditions compare; `display` renders
them as Chinese strings for the detail view and the chat card.

Each field type has one entry in a few small tables (schema options, cleaner,
required message, fact, display) instead of one long if-chain, so adding a
type means adding a row to each table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput, NotFound
from backend.directory.models import Department, Unit, User

# The comparison itself lives with the flow engine, which decides branches;
# it is re-exported here because forms produce the facts it compares.
from backend.workflow.conditions import OPS, ORDERING_OPS, evaluate
from realtime.selectors import attachment_get

__all__ = [
    "FIELD_TYPES",
    "TABLE_COLUMN_TYPES",
    "clean_form",
    "display",
    "evaluate",
    "facts",
    "validate_condition",
    "validate_schema",
]

Field = dict[str, Any]

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "money",
    "date",
    "daterange",
    "datetimerange",
    "select",
    "multiselect",
    "person",
    "department",
    "attachment",
    "room",
    "table",
)
TABLE_COLUMN_TYPES = ("text", "number", "money", "select", "date")

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_FIELDS = 30
MAX_COLUMNS = 10
MAX_LABEL = 20
MAX_PLACEHOLDER = 100
MAX_UNIT = 8
MAX_OPTIONS = 50
MAX_OPTION_LENGTH = 40
MAX_ROWS = 100
DEFAULT_MAX_ROWS = 50
MAX_ATTACHMENTS = 20
DEFAULT_MAX_ATTACHMENTS = 9
MAX_PEOPLE = 200
MAX_DAYS = 3660
TEXT_LIMITS = {"text": (200, 200), "textarea": (5000, 2000)}  # (ceiling, default) per type

# Far beyond any real amount, but small enough that floats and Decimals stay
# exact and a hostile "1e999999" never reaches quantize().
MAX_MAGNITUDE = Decimal("1e15")
CENT = Decimal("0.01")

_NUMBER_RE = re.compile(r"-?\d{1,16}(\.\d{1,12})?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# fromisoformat alone would also take "20261123T0900" and bare dates.
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?"
)

INVALID_FORM = "表单填写有误"


# --- shared parsing -------------------------------------------------------------


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _to_decimal(value: Any) -> Decimal | None:
    """A finite number from JSON (int, float or a plain decimal string), else None.

    Booleans are refused although Python counts them as ints: `true` is never
    a quantity somebody typed.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        number = Decimal(repr(value))  # repr is the shortest exact spelling: 0.1 stays 0.1
    elif isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        return None
    return number


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _plain(number: Decimal | int | float) -> str:
    """A number as people write it: 5000, 0.01, 2.5 (never 5E+3)."""
    text = format(Decimal(repr(number)) if isinstance(number, float) else Decimal(number), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_datetime(value: Any) -> datetime | None:
    """An aware datetime; a naive one is read in the site's zone (Asia/Shanghai)."""
    if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return not value
    if isinstance(value, dict):
        return all(_is_empty(item) for item in value.values())
    return False


# --- schema validation ------------------------------------------------------------


class _Problems:
    """Errors keyed by where they are, first one per place wins."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.first_label: str | None = None

    def add(self, where: str, message: str, label: str | None = None) -> None:
        if not self.errors:
            self.first_label = label
        self.errors.setdefault(where, message)


def validate_schema(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check a template's field list as an administrator authored it; return it normalised.

    Defaults are filled (`required` False, type options), unknown keys are
    dropped. Errors are keyed `fields.<index>.<attribute>` (0-based, like the
    flow editor's `nodes.<index>`).
    """
    problems = _Problems()
    if not isinstance(fields, list):
        raise _schema_error({"fields": "表单字段格式错误"}, None)
    if not fields:
        problems.add("fields", "表单至少需要一个字段")
    if len(fields) > MAX_FIELDS:
        problems.add("fields", f"表单最多{MAX_FIELDS}个字段")
    normalised = _check_fields(fields, "fields", problems, FIELD_TYPES)
    if problems.errors:
        raise _schema_error(problems.errors, problems.first_label)
    return normalised


def _schema_error(errors: dict[str, str], label: str | None) -> InvalidInput:
    first = next(iter(errors.values()))
    named = f"「{label}」{first}" if label else first
    return InvalidInput.of(codes.INVALID_SCHEMA, f"表单设计有误:{named}", fields=errors)


def _check_fields(
    raw_fields: list[Any], path: str, problems: _Problems, types: tuple[str, ...]
) -> list[Field]:
    normalised: list[Field] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_fields):
        where = f"{path}.{index}"
        field = _check_field(raw, where, problems, types)
        key = field.get("key")
        if isinstance(key, str):
            if key in seen:
                problems.add(f"{where}.key", f"字段标识「{key}」重复", field.get("label"))
            seen.add(key)
        normalised.append(field)
    return normalised


def _check_field(raw: Any, where: str, problems: _Problems, types: tuple[str, ...]) -> Field:
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
        message = "字段标识须以小写字母开头,只含小写字母、数字和下划线,最长32位"
        problems.add(f"{where}.key", message, name)
    kind = raw.get("type")
    if kind not in types:
        message = (
            "不支持的字段类型"
            if types == FIELD_TYPES
            else "表格列只能是文本、数字、金额、下拉选择或日期"
        )
        problems.add(f"{where}.type", message, name)
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
    if kind in types:
        options = _SCHEMA_OPTIONS[str(kind)](_OptionReader(raw, where, problems, name))
        field.update(options)
    return field


@dataclass
class _OptionReader:
    """Reads one field's type options, recording problems under `<where>.<option>`."""

    raw: dict[str, Any]
    where: str
    problems: _Problems
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
        number = _to_decimal(value) if isinstance(value, int | float) else None
        if number is None or abs(number) >= MAX_MAGNITUDE:
            self.fail(option, f"{what}应为数字")
            return None
        if cents and _decimals(number) > 2:
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


def _options_text(reader: _OptionReader) -> dict[str, Any]:
    ceiling, default = TEXT_LIMITS[reader.raw["type"]]
    return {"max_length": reader.integer("max_length", "最大字数", 1, ceiling, default)}


def _options_number(reader: _OptionReader) -> dict[str, Any]:
    low, high = reader.number("min", "最小值"), reader.number("max", "最大值")
    reader.bounds(low, high, "最大值不能小于最小值")
    unit = reader.raw.get("unit", "")
    if not isinstance(unit, str) or len(unit.strip()) > MAX_UNIT:
        reader.fail("unit", f"单位最多{MAX_UNIT}个字")
        unit = ""
    options: dict[str, Any] = {"integer": reader.flag("integer", "整数"), "unit": unit.strip()}
    options.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
    return options


def _options_money(reader: _OptionReader) -> dict[str, Any]:
    low = reader.number("min", "最小金额", cents=True)
    high = reader.number("max", "最大金额", cents=True)
    # An approval amount is a sum being asked for; a refund would be its own field.
    low = 0 if low is None else low
    reader.bounds(low, high, "最大金额不能小于最小金额")
    return {"min": low} if high is None else {"min": low, "max": high}


def _options_daterange(reader: _OptionReader) -> dict[str, Any]:
    max_days = reader.integer("max_days", "最长天数", 1, MAX_DAYS)
    return {} if max_days is None else {"max_days": max_days}


def _choices(reader: _OptionReader) -> list[str]:
    options = reader.raw.get("options")
    if not isinstance(options, list) or not options:
        reader.fail("options", "下拉选项不能为空")
        return []
    if len(options) > MAX_OPTIONS:
        reader.fail("options", f"下拉选项最多{MAX_OPTIONS}个")
    cleaned: list[str] = []
    for number, option in enumerate(options, start=1):
        text = option.strip() if isinstance(option, str) else ""
        if not text:
            reader.fail("options", f"第{number}个选项为空")
        elif len(text) > MAX_OPTION_LENGTH:
            reader.fail("options", f"第{number}个选项超过{MAX_OPTION_LENGTH}个字")
        elif text in cleaned:
            reader.fail("options", f"选项「{text}」重复")
        cleaned.append(text)
    return cleaned


def _options_select(reader: _OptionReader) -> dict[str, Any]:
    return {"options": _choices(reader)}


def _options_multiselect(reader: _OptionReader) -> dict[str, Any]:
    choices = _choices(reader)
    count = max(len(choices), 1)
    low = reader.integer("min", "最少选择数", 0, count)
    high = reader.integer("max", "最多选择数", 1, count)
    reader.bounds(low, high, "最多选择数不能小于最少选择数")
    options: dict[str, Any] = {"options": choices}
    options.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
    return options


def _options_person(reader: _OptionReader) -> dict[str, Any]:
    return {"multiple": reader.flag("multiple", "多选")}


def _options_attachment(reader: _OptionReader) -> dict[str, Any]:
    limit = reader.integer("max", "最多附件数", 1, MAX_ATTACHMENTS, DEFAULT_MAX_ATTACHMENTS)
    return {"max": limit}


def _options_table(reader: _OptionReader) -> dict[str, Any]:
    raw_columns = reader.raw.get("columns")
    columns: list[Field] = []
    if not isinstance(raw_columns, list) or not raw_columns:
        reader.fail("columns", "表格至少需要一列")
    elif len(raw_columns) > MAX_COLUMNS:
        reader.fail("columns", f"表格最多{MAX_COLUMNS}列")
    else:
        columns = _check_fields(
            raw_columns, f"{reader.where}.columns", reader.problems, TABLE_COLUMN_TYPES
        )
    low = reader.integer("min_rows", "最少行数", 0, MAX_ROWS, 0)
    high = reader.integer("max_rows", "最多行数", 1, MAX_ROWS, DEFAULT_MAX_ROWS)
    if low is not None and high is not None and high < low:
        reader.fail("max_rows", "最多行数不能小于最少行数")
    options: dict[str, Any] = {"columns": columns, "min_rows": low, "max_rows": high}
    total = reader.raw.get("total")
    if total is not None:
        money_keys = [c.get("key") for c in columns if c.get("type") == "money"]
        if total not in money_keys:
            reader.fail("total", "合计列必须是表格中的金额列")
        options["total"] = total
    return options


def _no_options(reader: _OptionReader) -> dict[str, Any]:
    return {}


_SCHEMA_OPTIONS: dict[str, Callable[[_OptionReader], dict[str, Any]]] = {
    "text": _options_text,
    "textarea": _options_text,
    "number": _options_number,
    "money": _options_money,
    "date": _no_options,
    "daterange": _options_daterange,
    "datetimerange": _no_options,
    "select": _options_select,
    "multiselect": _options_multiselect,
    "person": _options_person,
    "department": _no_options,
    "attachment": _options_attachment,
    "room": _no_options,
    "table": _options_table,
}


# --- cleaning submitted values ------------------------------------------------------


class _Invalid(Exception):
    """A value's problems: `message` for the field itself, `nested` under its sub-keys."""

    def __init__(self, message: str = "", nested: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.nested = nested or {}

    def keyed(self, key: str) -> dict[str, str]:
        errors = {key: self.message} if self.message else {}
        errors.update({f"{key}.{sub}": message for sub, message in self.nested.items()})
        return errors


@dataclass(frozen=True)
class _Context:
    initiator: User
    unit: Unit
    room_exists: Callable[[int], bool] | None


def clean_form(
    fields: list[dict[str, Any]],
    values: dict[str, Any],
    *,
    initiator: User,
    unit: Unit,
    room_exists: Callable[[int], bool] | None = None,
) -> dict[str, Any]:
    """Check submitted values against a (validated) schema; return what is stored.

    Every field is checked so the initiator sees all problems at once. Keys
    the schema does not know are dropped, and so are empty optional fields:
    an absent key means "not filled in" everywhere downstream.
    `room_exists(id)` says whether a meeting room of `unit` may be booked;
    without it no room value is accepted.
    """
    if not isinstance(values, dict):
        raise InvalidInput.of(codes.INVALID_FORM, INVALID_FORM, fields={"form": "表单格式错误"})
    context = _Context(initiator=initiator, unit=unit, room_exists=room_exists)
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        key = field["key"]
        try:
            value = _clean_value(field, values.get(key), context)
        except _Invalid as problem:
            errors.update(problem.keyed(key))
            continue
        if value is not None:
            cleaned[key] = value
    if errors:
        raise InvalidInput.of(codes.INVALID_FORM, INVALID_FORM, fields=errors)
    return cleaned


def _clean_value(field: Field, raw: Any, context: _Context) -> Any:
    if _is_empty(raw):
        if field.get("required"):
            raise _Invalid(_REQUIRED_VERB[field["type"]] + field["label"])
        return None
    return _CLEANERS[field["type"]](field, raw, context)


def _clean_text(field: Field, raw: Any, context: _Context) -> str:
    label = field["label"]
    if not isinstance(raw, str):
        raise _Invalid(f"{label}格式不正确")
    text = raw.strip()
    if "\x00" in text:  # PostgreSQL's jsonb cannot hold NUL
        raise _Invalid(f"{label}包含无效字符")
    limit = field.get("max_length") or TEXT_LIMITS[field["type"]][1]
    if len(text) > limit:
        raise _Invalid(f"{label}最多{limit}个字")
    return text


def _quantity(field: Field, raw: Any) -> Decimal:
    """A number within the field's min/max (and sane magnitude)."""
    label = field["label"]
    number = _to_decimal(raw)
    if number is None:
        raise _Invalid(f"{label}必须是数字")
    if abs(number) >= MAX_MAGNITUDE:
        raise _Invalid(f"{label}超出允许范围")
    return number


def _check_range(field: Field, number: Decimal) -> None:
    label = field["label"]
    low, high = _to_decimal(field.get("min")), _to_decimal(field.get("max"))
    if low is not None and number < low:
        raise _Invalid(f"{label}不能小于{_plain(low)}")
    if high is not None and number > high:
        raise _Invalid(f"{label}不能大于{_plain(high)}")


def _clean_number(field: Field, raw: Any, context: _Context) -> int | float:
    number = _quantity(field, raw)
    whole = number == number.to_integral_value()
    if field.get("integer") and not whole:
        raise _Invalid(f"{field['label']}必须是整数")
    _check_range(field, number)
    return int(number) if whole else float(number)


def _clean_money(field: Field, raw: Any, context: _Context) -> str:
    amount = _quantity(field, raw)
    if _decimals(amount) > 2:
        raise _Invalid(f"{field['label']}最多两位小数")
    # Unnormalised schemas still get the non-negative default.
    _check_range({"min": 0, **field}, amount)
    return str(abs(amount).quantize(CENT) if amount == 0 else amount.quantize(CENT))


def _clean_date(field: Field, raw: Any, context: _Context) -> str:
    day = _parse_date(raw)
    if day is None:
        raise _Invalid(f"{field['label']}格式不正确")
    return day.isoformat()


def _clean_daterange(field: Field, raw: Any, context: _Context) -> dict[str, Any]:
    label = field["label"]
    if not isinstance(raw, dict):
        raise _Invalid(f"{label}格式不正确")
    if _is_empty(raw.get("start")) or _is_empty(raw.get("end")):
        raise _Invalid(f"请选择{label}的开始和结束日期")
    start, end = _parse_date(raw["start"]), _parse_date(raw["end"])
    if start is None or end is None:
        raise _Invalid(f"{label}格式不正确")
    if end < start:
        raise _Invalid("结束日期不能早于开始日期")
    days = (end - start).days + 1  # inclusive: 23rd to 25th is three days off
    max_days = field.get("max_days")
    if max_days is not None and days > max_days:
        raise _Invalid(f"{label}不能超过{max_days}天")
    return {"start": start.isoformat(), "end": end.isoformat(), "days": days}


def _clean_datetimerange(field: Field, raw: Any, context: _Context) -> dict[str, Any]:
    label = field["label"]
    if not isinstance(raw, dict):
        raise _Invalid(f"{label}格式不正确")
    if _is_empty(raw.get("start")) or _is_empty(raw.get("end")):
        raise _Invalid(f"请选择{label}的开始和结束时间")
    start, end = _parse_datetime(raw["start"]), _parse_datetime(raw["end"])
    if start is None or end is None:
        raise _Invalid(f"{label}格式不正确")
    if end <= start:
        raise _Invalid("结束时间必须晚于开始时间")
    zone = timezone.get_default_timezone()
    return {
        # Stored in the site's zone so every reader sees the wall-clock time the
        # initiator picked, with the offset kept for exactness.
        "start": timezone.localtime(start, zone).isoformat(timespec="seconds"),
        "end": timezone.localtime(end, zone).isoformat(timespec="seconds"),
        "hours": round((end - start).total_seconds() / 3600, 1),
    }


def _clean_select(field: Field, raw: Any, context: _Context) -> str:
    if not isinstance(raw, str) or raw not in field.get("options", []):
        raise _Invalid(f"{field['label']}的选项无效")
    return raw


def _clean_multiselect(field: Field, raw: Any, context: _Context) -> list[str]:
    label = field["label"]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise _Invalid(f"{label}格式不正确")
    chosen = list(dict.fromkeys(raw))  # a double tap is not two choices
    if any(item not in field.get("options", []) for item in chosen):
        raise _Invalid(f"{label}的选项无效")
    low, high = field.get("min"), field.get("max")
    if low is not None and len(chosen) < low:
        raise _Invalid(f"{label}至少选择{low}项")
    if high is not None and len(chosen) > high:
        raise _Invalid(f"{label}最多选择{high}项")
    return chosen


def _clean_person(field: Field, raw: Any, context: _Context) -> int | list[int]:
    label, multiple = field["label"], bool(field.get("multiple"))
    if multiple and not isinstance(raw, list):
        raise _Invalid(f"{label}格式不正确")
    if not multiple and isinstance(raw, list):
        raise _Invalid(f"{label}只能选择一人")
    ids = list(dict.fromkeys(raw if isinstance(raw, list) else [raw]))
    if not all(_is_id(pk) for pk in ids):
        raise _Invalid("人员不存在")
    if len(ids) > MAX_PEOPLE:
        raise _Invalid(f"{label}最多选择{MAX_PEOPLE}人")
    found = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise _Invalid("人员不存在")
    return ids if multiple else ids[0]


def _clean_department(field: Field, raw: Any, context: _Context) -> int:
    if not _is_id(raw) or not Department.objects.filter(pk=raw).exists():
        raise _Invalid("部门不存在")
    return int(raw)


def _clean_room(field: Field, raw: Any, context: _Context) -> int:
    if not _is_id(raw) or context.room_exists is None or not context.room_exists(raw):
        raise _Invalid("会议室不存在")
    return int(raw)


def _attachment_token(item: Any) -> str | None:
    # A resubmitted form may carry back the stored {id, name, …} objects.
    token = item.get("id") if isinstance(item, dict) else item
    return token if isinstance(token, str) and 0 < len(token) <= 64 else None


def _clean_attachment(field: Field, raw: Any, context: _Context) -> list[dict[str, Any]]:
    label = field["label"]
    if not isinstance(raw, list):
        raise _Invalid(f"{label}格式不正确")
    tokens = list(dict.fromkeys(_attachment_token(item) for item in raw))
    limit = field.get("max") or DEFAULT_MAX_ATTACHMENTS
    if len(tokens) > limit:
        raise _Invalid(f"{label}最多{limit}个")
    files: list[dict[str, Any]] = []
    for token in tokens:
        if token is None:
            raise _Invalid("附件不存在或已失效")
        try:
            # Only files the initiator may see: an uploaded token is not a
            # capability anyone can attach to their own request.
            attachment = attachment_get(viewer=context.initiator, token=token)
        except NotFound as missing:
            raise _Invalid("附件不存在或已失效") from missing
        files.append(
            {
                "id": attachment.token,
                "name": attachment.name,
                "size": attachment.size,
                "kind": attachment.kind,
            }
        )
    return files


def _clean_table(field: Field, raw: Any, context: _Context) -> dict[str, Any]:
    label = field["label"]
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        raise _Invalid(f"{label}格式不正确")
    max_rows = field.get("max_rows") or DEFAULT_MAX_ROWS
    if len(raw) > max_rows:
        raise _Invalid(f"{label}最多{max_rows}行")
    min_rows = field.get("min_rows") or 0
    message = f"{label}至少填写{min_rows}行" if len(raw) < min_rows else ""
    rows: list[dict[str, Any]] = []
    nested: dict[str, str] = {}
    for index, raw_row in enumerate(raw):
        row: dict[str, Any] = {}
        for column in field["columns"]:
            key = column["key"]
            try:
                value = _clean_value(column, raw_row.get(key), context)
            except _Invalid as problem:
                # Keys stay 0-based like any JSON path; people count rows from 1.
                nested[f"{index}.{key}"] = f"第{index + 1}行{problem.message}"
                continue
            if value is not None:
                row[key] = value
        rows.append(row)
    if message or nested:
        raise _Invalid(message, nested)
    cleaned: dict[str, Any] = {"rows": rows}
    total_key = field.get("total")
    if total_key:
        total = sum((Decimal(row[total_key]) for row in rows if total_key in row), Decimal(0))
        cleaned["total"] = str(total.quantize(CENT))
    return cleaned


_Cleaner = Callable[[Field, Any, _Context], Any]

_CLEANERS: dict[str, _Cleaner] = {
    "text": _clean_text,
    "textarea": _clean_text,
    "number": _clean_number,
    "money": _clean_money,
    "date": _clean_date,
    "daterange": _clean_daterange,
    "datetimerange": _clean_datetimerange,
    "select": _clean_select,
    "multiselect": _clean_multiselect,
    "person": _clean_person,
    "department": _clean_department,
    "attachment": _clean_attachment,
    "room": _clean_room,
    "table": _clean_table,
}

_REQUIRED_VERB = {
    "text": "请填写",
    "textarea": "请填写",
    "number": "请填写",
    "money": "请填写",
    "table": "请填写",
    "date": "请选择",
    "daterange": "请选择",
    "datetimerange": "请选择",
    "select": "请选择",
    "multiselect": "请选择",
    "person": "请选择",
    "department": "请选择",
    "room": "请选择",
    "attachment": "请上传",
}


# --- condition facts ----------------------------------------------------------------


def _table_total(value: dict[str, Any]) -> Decimal | None:
    total = value.get("total")
    return None if total is None else Decimal(total)


_FACTS: dict[str, Callable[[Any], object]] = {
    "daterange": lambda value: value["days"],
    "datetimerange": lambda value: value["hours"],
    "table": _table_total,
    "money": Decimal,
}


def facts(fields: list[dict[str, Any]], cleaned: Mapping[str, Any]) -> dict[str, object]:
    """One scalar per filled field, for flow conditions: days, hours, totals, amounts."""
    out: dict[str, object] = {}
    for field in fields:
        value = cleaned.get(field["key"])
        if value is None:
            continue
        convert = _FACTS.get(field["type"])
        fact = value if convert is None else convert(value)
        if fact is not None:
            out[field["key"]] = fact
    return out


# --- display ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    people: dict[int, str]
    departments: dict[int, str]
    rooms: dict[int, str]


def display(
    fields: list[dict[str, Any]],
    cleaned: Mapping[str, Any],
    *,
    names: Callable[[list[int]], dict[int, str]],
    departments: Callable[[list[int]], dict[int, str]],
    rooms: Callable[[list[int]], dict[int, str]],
) -> list[dict[str, str]]:
    """`[{key, label, value}]` in Chinese for people to read; empty fields are left out.

    Each lookup is called at most once, with every id the form mentions, so a
    card costs one query per kind of name, not one per field.
    """
    filled = [f for f in fields if not _is_empty(cleaned.get(f["key"]))]
    wanted: dict[str, list[int]] = {"person": [], "department": [], "room": []}
    for field in filled:
        if field["type"] in wanted:
            value = cleaned[field["key"]]
            wanted[field["type"]].extend(value if isinstance(value, list) else [value])
    lookup = _Names(
        people=names(wanted["person"]) if wanted["person"] else {},
        departments=departments(wanted["department"]) if wanted["department"] else {},
        rooms=rooms(wanted["room"]) if wanted["room"] else {},
    )
    return [
        {
            "key": field["key"],
            "label": field["label"],
            "value": _SHOW[field["type"]](field, cleaned[field["key"]], lookup),
        }
        for field in filled
    ]


def _yuan(amount: Any) -> str:
    number = Decimal(str(amount)).quantize(CENT)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number):,.2f}"


def _month_day(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日"


def _show_text(field: Field, value: Any, lookup: _Names) -> str:
    return str(value)


def _show_number(field: Field, value: Any, lookup: _Names) -> str:
    return f"{_plain(value)}{field.get('unit', '')}"


def _show_money(field: Field, value: Any, lookup: _Names) -> str:
    return _yuan(value)


def _show_daterange(field: Field, value: Any, lookup: _Names) -> str:
    start, end, days = value["start"], value["end"], value["days"]
    span = start if start == end else f"{start} 至 {end}"
    return f"{span}({days}天)"


def _show_datetimerange(field: Field, value: Any, lookup: _Names) -> str:
    zone = timezone.get_default_timezone()
    start = timezone.localtime(datetime.fromisoformat(value["start"]), zone)
    end = timezone.localtime(datetime.fromisoformat(value["end"]), zone)
    if start.date() == end.date():
        return f"{_month_day(start)} {start:%H:%M}–{end:%H:%M}"
    return f"{_month_day(start)} {start:%H:%M} – {_month_day(end)} {end:%H:%M}"


def _show_choices(field: Field, value: Any, lookup: _Names) -> str:
    return "、".join(value)


def _show_person(field: Field, value: Any, lookup: _Names) -> str:
    ids = value if isinstance(value, list) else [value]
    return "、".join(lookup.people.get(pk, "未知人员") for pk in ids)


def _show_department(field: Field, value: Any, lookup: _Names) -> str:
    return lookup.departments.get(value, "未知部门")


def _show_room(field: Field, value: Any, lookup: _Names) -> str:
    return lookup.rooms.get(value, "未知会议室")


def _show_attachment(field: Field, value: Any, lookup: _Names) -> str:
    return f"{len(value)}个附件"


def _show_table(field: Field, value: Any, lookup: _Names) -> str:
    count = f"{len(value['rows'])}项"
    total = value.get("total")
    return count if total is None else f"{count},合计{_yuan(total)}"


_SHOW: dict[str, Callable[[Field, Any, _Names], str]] = {
    "text": _show_text,
    "textarea": _show_text,
    "number": _show_number,
    "money": _show_money,
    "date": _show_text,
    "daterange": _show_daterange,
    "datetimerange": _show_datetimerange,
    "select": _show_text,
    "multiselect": _show_choices,
    "person": _show_person,
    "department": _show_department,
    "attachment": _show_attachment,
    "room": _show_room,
    "table": _show_table,
}


# --- conditions in the flow editor ----------------------------------------------------

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
_NUMERIC_OPS = ("eq", "ne", *ORDERING_OPS, "in")
_EQUALITY_OPS = ("eq", "ne", "in")


def _numeric_value(field: Field, value: Any) -> bool:
    number = _to_decimal(value)
    return number is not None and abs(number) < MAX_MAGNITUDE


def _text_value(field: Field, value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _option_value(field: Field, value: Any) -> bool:
    return isinstance(value, str) and value in field.get("options", [])


def _date_value(field: Field, value: Any) -> bool:
    return _parse_date(value) is not None


def _id_value(field: Field, value: Any) -> bool:
    return _is_id(value)


@dataclass(frozen=True)
class _Comparable:
    """What a field may be compared with: the ops, and a check for one constant."""

    ops: tuple[str, ...]
    accepts: Callable[[Field, Any], bool]
    expected: str  # what the constant should be, for the error message


_NUMBER = _Comparable(_NUMERIC_OPS, _numeric_value, "数字")
_ID = _Comparable(_EQUALITY_OPS, _id_value, "编号")


def _comparable(field: Field) -> _Comparable | None:
    """How a field's fact can be compared (see `facts`); None when it cannot be.

    Ordering ops are offered only for numbers, because the engine compares
    ordered values as Decimals; lists (multiselect, several people) only
    support `contains`.
    """
    kind = field["type"]
    if kind in ("number", "money", "daterange", "datetimerange"):
        return _NUMBER
    if kind == "table":
        return _NUMBER if field.get("total") else None
    if kind in ("text", "textarea"):
        return _Comparable(("eq", "ne", "in", "contains"), _text_value, "文字")
    if kind == "select":
        return _Comparable(_EQUALITY_OPS, _option_value, "下拉选项之一")
    if kind == "multiselect":
        return _Comparable(("contains",), _option_value, "下拉选项之一")
    if kind == "date":
        return _Comparable(("eq", "ne", "in"), _date_value, "日期(YYYY-MM-DD)")
    if kind == "person":
        return _Comparable(("contains",), _id_value, "人员编号") if field.get("multiple") else _ID
    if kind in ("department", "room"):
        return _ID
    return None


def validate_condition(
    condition: Mapping[str, Any], fields: list[dict[str, Any]], *, path: str = "when"
) -> None:
    """Check a branch condition against the template's fields, for the flow editor.

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
    comparable = _comparable(field)
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
