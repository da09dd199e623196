"""The field-type interface, the registry, and parsing shared by every type.

A `FieldType` is one object carrying everything the engine knows about a kind
of field: its schema options, how a submitted value is cleaned, the fact flow
conditions compare, how the value reads in Chinese, and which comparisons it
supports. The engine never asks "which type is this?"; it asks the type.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from backend.workflow.conditions import ORDERING_OPS

if TYPE_CHECKING:
    from backend.directory.models import Unit, User
    from backend.forms.schema import OptionReader

Field = dict[str, Any]
# ids -> display names, for one kind of referenced object (people, departments…)
NameLookup = Callable[[list[int]], dict[int, str]]

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


# --- the interface ------------------------------------------------------------------


class FieldError(Exception):
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
class Context:
    """Who submits a form and for which unit; app-specific types may need more.

    An app subclasses it to hand its own field types what they need (approvals
    adds which meeting rooms may be booked).
    """

    initiator: User
    unit: Unit | None = None


@dataclass(frozen=True)
class Comparable:
    """What a field may be compared with: the ops, and a check for one constant."""

    ops: tuple[str, ...]
    accepts: Callable[[Field, Any], bool]
    expected: str  # what the constant should be, for the error message


class FieldType(ABC):
    """One kind of form field. Subclass it and override what differs from the defaults.

    - `name`: the `type` a schema uses; `required_verb`: 请填写 / 请选择 / 请上传.
    - `options(reader)`: the type's schema options, checked and normalised.
    - `clean(field, raw, context)`: a submitted non-empty value as stored;
      raises FieldError in Chinese.
    - `fact(field, value)`: the scalar flow conditions compare (None: none).
    - `comparable(field)`: the ops and constants a condition may use, or None.
    - `references` / `referenced_ids` / `load_names`: a value that names
      objects (people, departments, rooms) is shown by name; the engine
      collects the ids of a whole page of forms and calls `load_names` once
      per kind, so a list costs one query per kind, not one per row.
    - `show(field, value, names)`: the value as a Chinese string;
      `names` maps this type's referenced ids to names.
    """

    name: str = ""
    required_verb: str = "请填写"
    references: str | None = None

    def options(self, reader: OptionReader) -> dict[str, Any]:
        return {}

    @abstractmethod
    def clean(self, field: Field, raw: Any, context: Context) -> Any:
        """The submitted value, cleaned; `FieldError` when it is not acceptable."""

    def fact(self, field: Field, value: Any) -> object:
        return value

    def comparable(self, field: Field) -> Comparable | None:
        return None

    def referenced_ids(self, field: Field, value: Any) -> list[int]:
        if self.references is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def load_names(self, ids: list[int]) -> dict[int, str]:
        return {}

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        return str(value)


FieldTypes = Mapping[str, FieldType]


def registry(
    *types: FieldType, base: FieldTypes | None = None, before: str | None = None
) -> FieldTypes:
    """A read-only registry `name -> type`, in the order a form editor lists them.

    `base` extends an existing registry (an app adding its own types to the
    shared ones); `before` names the type the new ones are listed ahead of.
    A name registered twice is a programming error.
    """
    ordered = list(base.values()) if base is not None else []
    position = len(ordered)
    if before is not None:
        position = next(i for i, kind in enumerate(ordered) if kind.name == before)
    ordered[position:position] = types
    by_name: dict[str, FieldType] = {}
    for kind in ordered:
        if not kind.name or kind.name in by_name:
            raise ValueError(f"field type {kind.name!r} is unnamed or registered twice")
        by_name[kind.name] = kind
    return MappingProxyType(by_name)


def clean_value(kind: FieldType, field: Field, raw: Any, context: Context) -> Any:
    """The stored value, None for an empty optional field; FieldError otherwise."""
    if is_empty(raw):
        if field.get("required"):
            raise FieldError(kind.required_verb + field["label"])
        return None
    return kind.clean(field, raw, context)


# --- shared parsing -----------------------------------------------------------------


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def to_decimal(value: Any) -> Decimal | None:
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


def decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def plain(number: Decimal | int | float) -> str:
    """A number as people write it: 5000, 0.01, 2.5 (never 5E+3)."""
    text = format(Decimal(repr(number)) if isinstance(number, float) else Decimal(number), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def yuan(amount: Any) -> str:
    number = Decimal(str(amount)).quantize(CENT)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number):,.2f}"


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
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


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return not value
    if isinstance(value, dict):
        return all(is_empty(item) for item in value.values())
    return False


# --- comparisons ------------------------------------------------------------------------


def _numeric_value(field: Field, value: Any) -> bool:
    number = to_decimal(value)
    return number is not None and abs(number) < MAX_MAGNITUDE


def id_value(field: Field, value: Any) -> bool:
    return is_id(value)


NUMERIC_OPS = ("eq", "ne", *ORDERING_OPS, "in")
EQUALITY_OPS = ("eq", "ne", "in")
# Ordering ops are offered only for numbers, because the flow engine compares
# ordered values as Decimals; lists (multiselect, several people) only
# support `contains`.
COMPARE_NUMBER = Comparable(NUMERIC_OPS, _numeric_value, "数字")
COMPARE_ID = Comparable(EQUALITY_OPS, id_value, "编号")
