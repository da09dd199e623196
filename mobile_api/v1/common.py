"""Small helpers every v1 view uses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request

from backend.audit.services import RequestContext
from backend.common import client_ip

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


def user_of(request: Request) -> Any:
    return request.user
