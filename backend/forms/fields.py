"""The shared field types, one object each, and the registry built from them.

Adding a type means one subclass of `FieldType` here (or in the app that owns
it, see backend/approvals/forms.py's meeting room) and one entry in a
registry; nothing else in the engine changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from django.utils import timezone

from backend.common.errors import NotFound
from backend.directory.models import Department, User
from backend.forms.base import (
    CENT,
    COMPARE_ID,
    COMPARE_NUMBER,
    EQUALITY_OPS,
    MAX_MAGNITUDE,
    Comparable,
    Context,
    Field,
    FieldError,
    FieldType,
    FieldTypes,
    clean_value,
    decimals,
    id_value,
    is_empty,
    is_id,
    parse_date,
    parse_datetime,
    plain,
    registry,
    to_decimal,
    yuan,
)
from backend.forms.schema import OptionReader, check_fields
from realtime.selectors import attachment_get

MAX_COLUMNS = 10
MAX_UNIT = 8
MAX_OPTIONS = 50
MAX_OPTION_LENGTH = 40
MAX_ROWS = 100
DEFAULT_MAX_ROWS = 50
MAX_ATTACHMENTS = 20
DEFAULT_MAX_ATTACHMENTS = 9
MAX_PEOPLE = 200
MAX_DAYS = 3660
# A date in a form lies within this many years of today: 1900 or 9999 is a slip
# of the finger on a picker, never a real leave, trip or receipt.
DATE_WINDOW_YEARS = 10
# Table rows spelled out where a table is shown as one line (cards, the detail's fields).
SHOWN_ROWS = 5


def _text_value(field: Field, value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _option_value(field: Field, value: Any) -> bool:
    return isinstance(value, str) and value in field.get("options", [])


def _date_value(field: Field, value: Any) -> bool:
    return parse_date(value) is not None


# --- text ---------------------------------------------------------------------------


class TextField(FieldType):
    """A line (`text`) or a paragraph (`textarea`): a stripped string."""

    def __init__(self, name: str, *, ceiling: int, default_length: int) -> None:
        self.name = name  # one class, two registered types
        self.ceiling = ceiling
        self.default_length = default_length

    def options(self, reader: OptionReader) -> dict[str, Any]:
        limit = reader.integer("max_length", "最大字数", 1, self.ceiling, self.default_length)
        return {"max_length": limit}

    def clean(self, field: Field, raw: Any, context: Context) -> str:
        label = field["label"]
        if not isinstance(raw, str):
            raise FieldError(f"{label}格式不正确")
        text = raw.strip()
        if "\x00" in text:  # PostgreSQL's jsonb cannot hold NUL
            raise FieldError(f"{label}包含无效字符")
        limit = field.get("max_length") or self.default_length
        if len(text) > limit:
            raise FieldError(f"{label}最多{limit}个字")
        return text

    def comparable(self, field: Field) -> Comparable | None:
        return Comparable(("eq", "ne", "in", "contains"), _text_value, "文字")


# --- numbers ------------------------------------------------------------------------


def _quantity(field: Field, raw: Any) -> Decimal:
    """A number within a sane magnitude."""
    label = field["label"]
    number = to_decimal(raw)
    if number is None:
        raise FieldError(f"{label}必须是数字")
    if abs(number) >= MAX_MAGNITUDE:
        raise FieldError(f"{label}超出允许范围")
    return number


def _check_range(field: Field, number: Decimal) -> None:
    label = field["label"]
    low, high = to_decimal(field.get("min")), to_decimal(field.get("max"))
    if low is not None and number < low:
        raise FieldError(f"{label}不能小于{plain(low)}")
    if high is not None and number > high:
        raise FieldError(f"{label}不能大于{plain(high)}")


class NumberField(FieldType):
    """A number, optionally whole, within `min`/`max`, shown with its `unit` (「人」)."""

    name = "number"

    def options(self, reader: OptionReader) -> dict[str, Any]:
        low, high = reader.number("min", "最小值"), reader.number("max", "最大值")
        reader.bounds(low, high, "最大值不能小于最小值")
        unit = reader.raw.get("unit", "")
        if not isinstance(unit, str) or len(unit.strip()) > MAX_UNIT:
            reader.fail("unit", f"单位最多{MAX_UNIT}个字")
            unit = ""
        options: dict[str, Any] = {"integer": reader.flag("integer", "整数"), "unit": unit.strip()}
        options.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
        return options

    def clean(self, field: Field, raw: Any, context: Context) -> int | float:
        number = _quantity(field, raw)
        whole = number == number.to_integral_value()
        if field.get("integer") and not whole:
            raise FieldError(f"{field['label']}必须是整数")
        _check_range(field, number)
        return int(number) if whole else float(number)

    def comparable(self, field: Field) -> Comparable | None:
        return COMPARE_NUMBER

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        return f"{plain(value)}{field.get('unit', '')}"


class MoneyField(FieldType):
    """An amount in yuan, stored as a string with two decimals ("1234.50")."""

    name = "money"

    def options(self, reader: OptionReader) -> dict[str, Any]:
        low = reader.number("min", "最小金额", cents=True)
        high = reader.number("max", "最大金额", cents=True)
        # An approval amount is a sum being asked for; a refund would be its own field.
        low = 0 if low is None else low
        reader.bounds(low, high, "最大金额不能小于最小金额")
        return {"min": low} if high is None else {"min": low, "max": high}

    def clean(self, field: Field, raw: Any, context: Context) -> str:
        amount = _quantity(field, raw)
        if decimals(amount) > 2:
            raise FieldError(f"{field['label']}最多两位小数")
        # Unnormalised schemas still get the non-negative default.
        _check_range({"min": 0, **field}, amount)
        return str(abs(amount).quantize(CENT) if amount == 0 else amount.quantize(CENT))

    def fact(self, field: Field, value: Any) -> object:
        return Decimal(value)

    def comparable(self, field: Field) -> Comparable | None:
        return COMPARE_NUMBER

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        return yuan(value)


# --- dates --------------------------------------------------------------------------


def _in_window(field: Field, day: date) -> None:
    """Refuse a day more than `DATE_WINDOW_YEARS` before or after today."""
    today = timezone.localdate()
    low, high = today.year - DATE_WINDOW_YEARS, today.year + DATE_WINDOW_YEARS
    if not low <= day.year <= high:
        raise FieldError(f"{field['label']}须在{low}年至{high}年之间")


class DateField(FieldType):
    """A day, "YYYY-MM-DD", within `DATE_WINDOW_YEARS` of today."""

    name = "date"
    required_verb = "请选择"

    def clean(self, field: Field, raw: Any, context: Context) -> str:
        day = parse_date(raw)
        if day is None:
            raise FieldError(f"{field['label']}格式不正确")
        _in_window(field, day)
        return day.isoformat()

    def comparable(self, field: Field) -> Comparable | None:
        return Comparable(("eq", "ne", "in"), _date_value, "日期(YYYY-MM-DD)")


Moment = TypeVar("Moment", date, datetime)


def _span(
    field: Field, raw: Any, parse: Callable[[Any], Moment | None], unit: str
) -> tuple[Moment, Moment]:
    """A range value's `start` and `end`, both given and parsed; `unit` names what is
    picked (日期, 时间) in the message for a missing end."""
    label = field["label"]
    if not isinstance(raw, dict):
        raise FieldError(f"{label}格式不正确")
    if is_empty(raw.get("start")) or is_empty(raw.get("end")):
        raise FieldError(f"请选择{label}的开始和结束{unit}")
    start, end = parse(raw["start"]), parse(raw["end"])
    if start is None or end is None:
        raise FieldError(f"{label}格式不正确")
    for moment in (start, end):
        _in_window(field, moment.date() if isinstance(moment, datetime) else moment)
    return start, end


class DateRangeField(FieldType):
    """Whole days, inclusive; its fact is the number of days."""

    name = "daterange"
    required_verb = "请选择"

    def options(self, reader: OptionReader) -> dict[str, Any]:
        max_days = reader.integer("max_days", "最长天数", 1, MAX_DAYS)
        return {} if max_days is None else {"max_days": max_days}

    def clean(self, field: Field, raw: Any, context: Context) -> dict[str, Any]:
        label = field["label"]
        start, end = _span(field, raw, parse_date, "日期")
        if end < start:
            raise FieldError("结束日期不能早于开始日期")
        days = (end - start).days + 1  # inclusive: 23rd to 25th is three days off
        max_days = field.get("max_days")
        if max_days is not None and days > max_days:
            raise FieldError(f"{label}不能超过{max_days}天")
        return {"start": start.isoformat(), "end": end.isoformat(), "days": days}

    def fact(self, field: Field, value: Any) -> object:
        return value["days"]

    def comparable(self, field: Field) -> Comparable | None:
        return COMPARE_NUMBER

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        start, end, days = value["start"], value["end"], value["days"]
        span = start if start == end else f"{start} 至 {end}"
        return f"{span}（{days}天）"


def _month_day(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日"


class DateTimeRangeField(FieldType):
    """A span of time in the site's zone; its fact is the number of hours."""

    name = "datetimerange"
    required_verb = "请选择"

    def clean(self, field: Field, raw: Any, context: Context) -> dict[str, Any]:
        start, end = _span(field, raw, parse_datetime, "时间")
        if end <= start:
            raise FieldError("结束时间必须晚于开始时间")
        zone = timezone.get_default_timezone()
        return {
            # Stored in the site's zone so every reader sees the wall-clock time the
            # initiator picked, with the offset kept for exactness.
            "start": timezone.localtime(start, zone).isoformat(timespec="seconds"),
            "end": timezone.localtime(end, zone).isoformat(timespec="seconds"),
            "hours": round((end - start).total_seconds() / 3600, 1),
        }

    def fact(self, field: Field, value: Any) -> object:
        return value["hours"]

    def comparable(self, field: Field) -> Comparable | None:
        return COMPARE_NUMBER

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        zone = timezone.get_default_timezone()
        start = timezone.localtime(datetime.fromisoformat(value["start"]), zone)
        end = timezone.localtime(datetime.fromisoformat(value["end"]), zone)
        if start.date() == end.date():
            return f"{_month_day(start)} {start:%H:%M}–{end:%H:%M}"
        return f"{_month_day(start)} {start:%H:%M} – {_month_day(end)} {end:%H:%M}"


# --- choices ------------------------------------------------------------------------


def _choices(reader: OptionReader) -> list[str]:
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


class SelectField(FieldType):
    """One of `options`."""

    name = "select"
    required_verb = "请选择"

    def options(self, reader: OptionReader) -> dict[str, Any]:
        return {"options": _choices(reader)}

    def clean(self, field: Field, raw: Any, context: Context) -> str:
        if not isinstance(raw, str) or raw not in field.get("options", []):
            raise FieldError(f"{field['label']}的选项无效")
        return raw

    def comparable(self, field: Field) -> Comparable | None:
        return Comparable(EQUALITY_OPS, _option_value, "下拉选项之一")


class MultiSelectField(FieldType):
    """Several of `options`, between `min` and `max` of them."""

    name = "multiselect"
    required_verb = "请选择"

    def options(self, reader: OptionReader) -> dict[str, Any]:
        choices = _choices(reader)
        count = max(len(choices), 1)
        low = reader.integer("min", "最少选择数", 0, count)
        high = reader.integer("max", "最多选择数", 1, count)
        reader.bounds(low, high, "最多选择数不能小于最少选择数")
        options: dict[str, Any] = {"options": choices}
        options.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
        return options

    def clean(self, field: Field, raw: Any, context: Context) -> list[str]:
        label = field["label"]
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise FieldError(f"{label}格式不正确")
        chosen = list(dict.fromkeys(raw))  # a double tap is not two choices
        if any(item not in field.get("options", []) for item in chosen):
            raise FieldError(f"{label}的选项无效")
        low, high = field.get("min"), field.get("max")
        if low is not None and len(chosen) < low:
            raise FieldError(f"{label}至少选择{low}项")
        if high is not None and len(chosen) > high:
            raise FieldError(f"{label}最多选择{high}项")
        return chosen

    def comparable(self, field: Field) -> Comparable | None:
        return Comparable(("contains",), _option_value, "下拉选项之一")

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        return "、".join(value)


# --- people and departments ---------------------------------------------------------


class PersonField(FieldType):
    """An active person's id, or several (`multiple`); shown by name."""

    name = "person"
    required_verb = "请选择"
    references = "person"

    def options(self, reader: OptionReader) -> dict[str, Any]:
        return {"multiple": reader.flag("multiple", "多选")}

    def clean(self, field: Field, raw: Any, context: Context) -> int | list[int]:
        label, multiple = field["label"], bool(field.get("multiple"))
        if multiple and not isinstance(raw, list):
            raise FieldError(f"{label}格式不正确")
        if not multiple and isinstance(raw, list):
            raise FieldError(f"{label}只能选择一人")
        ids = list(dict.fromkeys(raw if isinstance(raw, list) else [raw]))
        if not all(is_id(pk) for pk in ids):
            raise FieldError("人员不存在")
        if len(ids) > MAX_PEOPLE:
            raise FieldError(f"{label}最多选择{MAX_PEOPLE}人")
        found = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
        if len(found) != len(ids):
            raise FieldError("人员不存在")
        return ids if multiple else ids[0]

    def comparable(self, field: Field) -> Comparable | None:
        if field.get("multiple"):
            return Comparable(("contains",), id_value, "人员编号")
        return COMPARE_ID

    def load_names(self, ids: list[int]) -> dict[int, str]:
        return dict(User.objects.filter(pk__in=ids).values_list("pk", "name"))

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        ids = value if isinstance(value, list) else [value]
        return "、".join(names.get(pk, "未知人员") for pk in ids)


class DepartmentField(FieldType):
    """A department's id; shown by name."""

    name = "department"
    required_verb = "请选择"
    references = "department"

    def clean(self, field: Field, raw: Any, context: Context) -> int:
        if not is_id(raw) or not Department.objects.filter(pk=raw).exists():
            raise FieldError("部门不存在")
        return int(raw)

    def comparable(self, field: Field) -> Comparable | None:
        return COMPARE_ID

    def load_names(self, ids: list[int]) -> dict[int, str]:
        return dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        return names.get(value, "未知部门")


# --- files --------------------------------------------------------------------------


def _attachment_token(item: Any) -> str | None:
    # A resubmitted form may carry back the stored {id, name, …} objects.
    token = item.get("id") if isinstance(item, dict) else item
    return token if isinstance(token, str) and 0 < len(token) <= 64 else None


class AttachmentField(FieldType):
    """Uploaded files the initiator may see, stored as `[{id, name, size, kind}]`."""

    name = "attachment"
    required_verb = "请上传"

    def options(self, reader: OptionReader) -> dict[str, Any]:
        limit = reader.integer("max", "最多附件数", 1, MAX_ATTACHMENTS, DEFAULT_MAX_ATTACHMENTS)
        return {"max": limit}

    def clean(self, field: Field, raw: Any, context: Context) -> list[dict[str, Any]]:
        label = field["label"]
        if not isinstance(raw, list):
            raise FieldError(f"{label}格式不正确")
        tokens = list(dict.fromkeys(_attachment_token(item) for item in raw))
        limit = field.get("max") or DEFAULT_MAX_ATTACHMENTS
        if len(tokens) > limit:
            raise FieldError(f"{label}最多{limit}个")
        files: list[dict[str, Any]] = []
        for token in tokens:
            if token is None:
                raise FieldError("附件不存在或已失效")
            try:
                # Only files the initiator may see: an uploaded token is not a
                # capability anyone can attach to their own request.
                attachment = attachment_get(viewer=context.initiator, token=token)
            except NotFound as missing:
                raise FieldError("附件不存在或已失效") from missing
            files.append(
                {
                    "id": attachment.token,
                    "name": attachment.name,
                    "size": attachment.size,
                    "kind": attachment.kind,
                }
            )
        return files

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        return f"{len(value)}个附件"


# --- tables -------------------------------------------------------------------------


class TableField(FieldType):
    """Rows of simple columns (an expense list), with an optional `total` money column."""

    name = "table"
    column_error: ClassVar[str] = "表格列只能是文本、数字、金额、下拉选择或日期"

    def __init__(self, columns: FieldTypes) -> None:
        self.columns = columns

    def options(self, reader: OptionReader) -> dict[str, Any]:
        raw_columns = reader.raw.get("columns")
        columns: list[Field] = []
        if not isinstance(raw_columns, list) or not raw_columns:
            reader.fail("columns", "表格至少需要一列")
        elif len(raw_columns) > MAX_COLUMNS:
            reader.fail("columns", f"表格最多{MAX_COLUMNS}列")
        else:
            where = f"{reader.where}.columns"
            columns = check_fields(
                raw_columns, where, reader.problems, self.columns, self.column_error
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

    def clean(self, field: Field, raw: Any, context: Context) -> dict[str, Any]:
        label = field["label"]
        if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
            raise FieldError(f"{label}格式不正确")
        max_rows = field.get("max_rows") or DEFAULT_MAX_ROWS
        if len(raw) > max_rows:
            raise FieldError(f"{label}最多{max_rows}行")
        min_rows = field.get("min_rows") or 0
        message = f"{label}至少填写{min_rows}行" if len(raw) < min_rows else ""
        rows: list[dict[str, Any]] = []
        nested: dict[str, str] = {}
        for index, raw_row in enumerate(raw):
            row: dict[str, Any] = {}
            for column in field["columns"]:
                key = column["key"]
                try:
                    value = clean_value(
                        self.columns[column["type"]], column, raw_row.get(key), context
                    )
                except FieldError as problem:
                    # Keys stay 0-based like any JSON path; people count rows from 1.
                    nested[f"{index}.{key}"] = f"第{index + 1}行{problem.message}"
                    continue
                if value is not None:
                    row[key] = value
            rows.append(row)
        if message or nested:
            raise FieldError(message, nested)
        cleaned: dict[str, Any] = {"rows": rows}
        total_key = field.get("total")
        if total_key:
            total = sum((Decimal(row[total_key]) for row in rows if total_key in row), Decimal(0))
            cleaned["total"] = str(total.quantize(CENT))
        return cleaned

    def fact(self, field: Field, value: Any) -> object:
        total = value.get("total")
        return None if total is None else Decimal(total)

    def comparable(self, field: Field) -> Comparable | None:
        return COMPARE_NUMBER if field.get("total") else None

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        """「3项，合计¥1,353.00：交通 高铁 ¥553.00；住宿 ¥800.00；…」: the approver sees
        the lines themselves (the first `SHOWN_ROWS`), not only their count."""
        rows = value["rows"]
        count = f"{len(rows)}项"
        total = value.get("total")
        head = count if total is None else f"{count}，合计{yuan(total)}"
        lines = [self._line(field, row) for row in rows[:SHOWN_ROWS]]
        lines = [line for line in lines if line]
        if not lines:
            return head
        more = "；…" if len(rows) > SHOWN_ROWS else ""
        return f"{head}：{'；'.join(lines)}{more}"

    def _line(self, field: Field, row: Mapping[str, Any]) -> str:
        parts = [
            self.columns[column["type"]].show(column, row[column["key"]], {})
            for column in field["columns"]
            if not is_empty(row.get(column["key"]))
        ]
        return " ".join(part for part in parts if part)


# --- the registry -------------------------------------------------------------------

TEXT = TextField("text", ceiling=200, default_length=200)
TEXTAREA = TextField("textarea", ceiling=5000, default_length=2000)
NUMBER = NumberField()
MONEY = MoneyField()
DATE = DateField()
DATERANGE = DateRangeField()
DATETIMERANGE = DateTimeRangeField()
SELECT = SelectField()
MULTISELECT = MultiSelectField()
PERSON = PersonField()
DEPARTMENT = DepartmentField()
ATTACHMENT = AttachmentField()

# What a table's columns may be: simple values a row can hold.
TABLE_COLUMN_TYPES = registry(TEXT, NUMBER, MONEY, SELECT, DATE)
TABLE = TableField(TABLE_COLUMN_TYPES)

# Every shared type, in the order a form editor offers them.
FIELD_TYPES = registry(
    TEXT,
    TEXTAREA,
    NUMBER,
    MONEY,
    DATE,
    DATERANGE,
    DATETIMERANGE,
    SELECT,
    MULTISELECT,
    PERSON,
    DEPARTMENT,
    ATTACHMENT,
    TABLE,
)
