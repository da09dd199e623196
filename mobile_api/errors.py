"""One error shape for the whole API: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from backend.common import error_catalogue as codes
from backend.common.errors import ZtError

# DRF's own exceptions, as catalogued codes (the text where it differs from the default).
DRF_CODES: dict[type[exceptions.APIException], tuple[codes.ErrorCode, str]] = {
    exceptions.NotAuthenticated: (codes.NOT_AUTHENTICATED, "请先登录"),
    exceptions.AuthenticationFailed: (codes.NOT_AUTHENTICATED, "登录已失效，请重新登录"),
    exceptions.PermissionDenied: (codes.PERMISSION_DENIED, "您没有权限执行此操作"),
    exceptions.NotFound: (codes.NOT_FOUND, "对象不存在"),
    exceptions.MethodNotAllowed: (codes.METHOD_NOT_ALLOWED, "不支持的请求方法"),
    exceptions.UnsupportedMediaType: (codes.UNSUPPORTED_MEDIA_TYPE, "不支持的内容类型"),
    exceptions.ParseError: (codes.MALFORMED_REQUEST, "请求格式错误"),
    exceptions.Throttled: (codes.RATE_LIMITED, "操作过于频繁，请稍后再试"),
}


def _error(code: str, message: str, status_code: int, fields: Any = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response({"error": body}, status=status_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ZtError):
        return _error(exc.code, exc.message, exc.status, exc.fields)
    if isinstance(exc, exceptions.ValidationError):
        # `fields` is always an object (field → messages), as the schema says; a
        # ValidationError raised with a bare message list names no field.
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        return _error(
            codes.INVALID.code, _first_message(detail), status.HTTP_400_BAD_REQUEST, fields
        )
    response = drf_handler(exc, context)
    if response is None:
        return None
    for cls, (entry, message) in DRF_CODES.items():
        if isinstance(exc, cls):
            if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
                # 401 needs a WWW-Authenticate header; sessions have none, so 403
                # would mislead: keep 401 for every unauthenticated call.
                response.status_code = status.HTTP_401_UNAUTHORIZED
            return _error(entry.code, message, response.status_code)
    return _error(codes.ERROR.code, "请求失败", response.status_code)


def _first_message(detail: Any) -> str:
    """The first human message in DRF's nested error detail, for the banner."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            return inner if key == "non_field_errors" else f"{key}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail) or "输入有误"


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """Django's CSRF rejection in the API's error shape (settings.CSRF_FAILURE_VIEW)."""
    return JsonResponse(
        {"error": {"code": codes.CSRF_FAILED.code, "message": codes.CSRF_FAILED.message}},
        status=codes.CSRF_FAILED.status,
        json_dumps_params={"ensure_ascii": False},
    )
