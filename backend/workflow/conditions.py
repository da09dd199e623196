"""Condition branches: a comparison of one form fact against a constant."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "contains")
ORDERING_OPS = ("gt", "gte", "lt", "lte")


def as_number(value: Any) -> Decimal | None:
    """Numbers compare as Decimal, so money strings, ints and floats agree."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _equal(left: Any, right: Any) -> bool:
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return a == b
    return bool(left == right)


def evaluate(condition: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether `facts[field] <op> value` holds; a missing fact never matches."""
    field, op, expected = str(condition.get("field")), condition.get("op"), condition.get("value")
    if field not in facts or facts[field] is None:
        return False
    actual = facts[field]
    if op == "eq":
        return _equal(actual, expected)
    if op == "ne":
        return not _equal(actual, expected)
    if op in ORDERING_OPS:
        a, b = as_number(actual), as_number(expected)
        if a is None or b is None:
            return False
        return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[str(op)]
    if op == "in":
        return isinstance(expected, list) and any(_equal(actual, item) for item in expected)
    if op == "contains":
        if isinstance(actual, list):
            return any(_equal(item, expected) for item in actual)
        return isinstance(actual, str) and str(expected) in actual
    return False
