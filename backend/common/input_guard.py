"""Limits every request and frame meets before any view or service sees it.

One place for the checks that keep odd input a clear 400 (or a socket
`error` frame) instead of a 500: JSON nesting depth, NUL characters (which
PostgreSQL refuses in text and SQLite treats as the end of a pattern), and
integers beyond the 64-bit columns they are compared with. The REST parser
(`mobile_api.parsers`), the query-string middleware below, the `id` path
converter and the WebSocket consumer all use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput

# The range of a BigAutoField / BigIntegerField (PostgreSQL bigint, SQLite INTEGER).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
NUL = "\x00"


def loads(text: str | bytes) -> Any:
    """`json.loads` that refuses deep nesting, NUL characters and huge integers.

    Raises `InvalidInput` with `malformed_json`, `too_deep`, `nul_character`
    or `out_of_range`.
    """
    value = parse_json(text)
    check(value)
    return value


def parse_json(text: str | bytes) -> Any:
    """`json.loads` whose failures are `malformed_json` or `too_deep` (limits not applied)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise too_deep() from None
    except ValueError:
        raise InvalidInput.of(codes.MALFORMED_JSON) from None


def check(value: Any) -> None:
    """Walk a parsed JSON value (without recursion) and apply the limits."""
    max_depth = settings.ZT_JSON_MAX_DEPTH
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            check_int(item)
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise too_deep()
            if isinstance(item, dict):
                for key, inner in item.items():
                    check_text(key)
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)


def too_deep() -> InvalidInput:
    max_depth = settings.ZT_JSON_MAX_DEPTH
    return InvalidInput.of(codes.TOO_DEEP, f"数据嵌套过深，最多{max_depth}层")


def check_text(text: str) -> None:
    if NUL in text:
        raise InvalidInput.of(codes.NUL_CHARACTER)


def check_int(number: int, name: str = "") -> int:
    if not INT_MIN <= number <= INT_MAX:
        raise InvalidInput.of(codes.OUT_OF_RANGE, f"{name} 超出范围" if name else None)
    return number


class IdConverter:
    """`<id:…>` in a URL: a database id, at most 19 digits and within bigint.

    Out of range is a client error (400 `out_of_range`), not a lookup that
    overflows the database driver.
    """

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > INT_MAX:
            raise BadRequest(codes.OUT_OF_RANGE.code)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class QueryGuardMiddleware:
    """Refuses a query string with a NUL character: 400 `nul_character`, for every URL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(NUL in key or NUL in value for key, value in _query_items(request)):
            return error_response(codes.NUL_CHARACTER)
        return self.get_response(request)


def _query_items(request: HttpRequest) -> list[tuple[str, str]]:
    return [(key, value) for key in request.GET for value in request.GET.getlist(key)]


def error_response(entry: codes.ErrorCode, message: str | None = None) -> JsonResponse:
    """An error in the API's shape, for code that runs outside DRF (middleware, handlers)."""
    return JsonResponse(
        {"error": {"code": entry.code, "message": message or entry.message}},
        status=entry.status,
        json_dumps_params={"ensure_ascii": False},
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """settings-level handler400: the API's error shape (`out_of_range` from the `id` converter)."""
    if str(exception) == codes.OUT_OF_RANGE.code:
        return error_response(codes.OUT_OF_RANGE, "编号超出范围")
    return error_response(codes.MALFORMED_REQUEST)
