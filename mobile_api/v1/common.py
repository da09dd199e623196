"""Small helpers every v1 view uses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request

from backend.audit.services import RequestContext
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
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return RequestContext(ip=ip or None, user_agent=request.META.get("HTTP_USER_AGENT", ""))


def user_of(request: Request) -> Any:
    return request.user


def valid(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    """The request body as an input serializer cleans it (its errors become `invalid`)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def int_param(request: Request, name: str) -> int | None:
    """An optional integer query parameter; anything else is `invalid_param`."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput.of(codes.INVALID_PARAM, f"参数 {name} 应为整数") from None


def uploaded_file(request: Request) -> Any:
    """The multipart `file` of an upload, or `no_file`."""
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput.of(codes.NO_FILE)
    return upload
