"""Small helpers every v1 view uses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request

from backend.audit.services import RequestContext
from backend.common import client_ip, input_guard
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(required=False),
            },
        )
    },
)


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI entries for the error statuses an endpoint can return."""
    described = {
        400: "输入有误 (code: invalid, …)",
        401: "未登录 (code: not_authenticated)",
        403: "无权限 (code: permission_denied, not_a_member, csrf_failed, …)",
        404: "不存在 (code: not_found, …)",
        409: "状态冲突 (code: conflict, …)",
        413: "文件过大",
        423: "账号锁定 (code: account_locked)",
        429: "过于频繁 (code: rate_limited)",
    }
    return {s: OpenApiResponse(ErrorSerializer, description=described.get(s, "")) for s in statuses}


def request_context(request: Request) -> RequestContext:
    """Where the request came from (`backend.common.client_ip`: trusted proxies only)."""
    return client_ip.request_context(request.META)


def validated(
    serializer_class: type[serializers.Serializer[Any]], data: Any, *, partial: bool = False
) -> dict[str, Any]:
    """`data` checked by an input serializer (a 400 `invalid` naming the fields if it is
    not), as a plain dict."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def user_of(request: Request) -> Any:
    return request.user


def query_int(
    request: Request, name: str, *, not_int: codes.ErrorCode = codes.INVALID_PARAM
) -> int | None:
    """An optional integer query parameter (absent or empty: None), within bigint.

    `not_int` is the code for a value that is no integer (the message lists
    have long answered `invalid_field`; the contract keeps it).
    """
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        number = int(raw)
    except ValueError:
        raise InvalidInput.of(not_int, f"参数 {name} 应为整数") from None
    return input_guard.check_int(number, f"参数 {name}")


def query_int_list(
    request: Request, name: str, *, not_int: codes.ErrorCode = codes.INVALID_PARAM
) -> list[int]:
    """A required comma-separated list of integers (`seqs=1,2,3`): empty is a 400."""
    raw = request.query_params.get(name, "")
    try:
        numbers = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise InvalidInput.of(not_int, f"参数 {name} 应为逗号分隔的整数") from None
    if not numbers:
        raise InvalidInput.of(not_int, f"参数 {name} 不能为空")
    return [input_guard.check_int(n, f"参数 {name}") for n in numbers]


def uploaded_file(request: Request) -> Any:
    """The multipart `file` of an upload, or `no_file`."""
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput.of(codes.NO_FILE)
    return upload
