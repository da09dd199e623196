"""The audit log for the audit administrator (三员分立): search and export.

Everyone else — a superuser, the system or security administrator — gets
`403 duty_required`. Both reads are recorded in the log they read
(`audit.search`, `audit.export`).
"""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.audit import selectors
from backend.audit.models import AuditEntry
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from mobile_api.v1.common import errors, request_context, user_of
from mobile_api.v1.schemas import output


class AuditEntryOut(serializers.Serializer[Any]):
    seq = serializers.IntegerField(help_text="链上序号（连续）")
    created_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_name = serializers.CharField(help_text="操作人姓名（无操作人时为空）")
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]  # a field named data
    ip = serializers.CharField(allow_null=True)
    user_agent = serializers.CharField()
    prev_hash = serializers.CharField(help_text="上一条的 SM3 哈希")
    hash = serializers.CharField(help_text="SM3(prev_hash ‖ 规范化内容)")


class AuditPageOut(serializers.Serializer[Any]):
    entries = AuditEntryOut(many=True)
    has_more = serializers.BooleanField()


class AuditQuery(serializers.Serializer[Any]):
    action = serializers.CharField(required=False, max_length=64, help_text="以 . 结尾时按前缀")
    actor_id = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    target_type = serializers.CharField(required=False, max_length=64)
    target_id = serializers.CharField(required=False, max_length=64)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=100)


class AuditPageQuery(AuditQuery):
    before_seq = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=selectors.PAGE_MAX)


class AuditExportQuery(AuditQuery):
    # Not `format`: DRF reads that one as a renderer override.
    fmt = serializers.ChoiceField(choices=["csv", "jsonl"], default="csv", help_text="默认 csv")


def _filters(v: dict[str, Any]) -> selectors.AuditFilter:
    return selectors.AuditFilter(
        action=v.get("action", ""),
        actor_id=v.get("actor_id"),
        target_type=v.get("target_type", ""),
        target_id=v.get("target_id", ""),
        since=v.get("since"),
        until=v.get("until"),
        text=v.get("q", ""),
    )


def _valid(serializer: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    query = serializer(data=request.query_params)
    if not query.is_valid():
        names = "、".join(sorted(query.errors))
        raise InvalidInput.of(codes.INVALID_AUDIT_QUERY, f"审计查询条件有误：{names}")
    return dict(query.validated_data)


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "created_at": entry.created_at,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor.name if entry.actor_id and entry.actor else "",
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": entry.data if isinstance(entry.data, dict) else {"value": entry.data},
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


class AuditEntryListView(APIView):
    @extend_schema(
        operation_id="audit_entries",
        parameters=[AuditPageQuery],
        responses={200: AuditPageOut, **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        v = _valid(AuditPageQuery, request)
        entries, has_more = selectors.audit_search(
            viewer=user_of(request),
            filters=_filters(v),
            before_seq=v.get("before_seq"),
            limit=v.get("limit", 50),
            context=request_context(request),
        )
        return Response(
            output(AuditPageOut, {"entries": [_row(e) for e in entries], "has_more": has_more})
        )


class AuditExportView(APIView):
    @extend_schema(
        operation_id="audit_export",
        parameters=[AuditExportQuery],
        responses={
            (200, "text/csv"): bytes,
            (200, "application/x-ndjson"): bytes,
            **errors(400, 401, 403),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        v = _valid(AuditExportQuery, request)
        fmt = v["fmt"]
        lines = selectors.audit_export(
            viewer=user_of(request),
            filters=_filters(v),
            fmt=fmt,
            context=request_context(request),
        )
        mime = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        response = StreamingHttpResponse(lines, content_type=mime)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


urlpatterns: list[URLPattern] = [
    path("audit/entries", AuditEntryListView.as_view()),
    path("audit/export", AuditExportView.as_view()),
]
