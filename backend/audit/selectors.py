"""Reading the audit log: only the audit administrator (三员分立), and every read is audited."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from backend.audit.chain import content
from backend.audit.models import AuditEntry
from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory import duties

PAGE_MAX = 200
EXPORT_MAX = 100_000
EXPORT_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "data",
    "ip",
    "user_agent",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit administrator searches for (all optional, combined with AND)."""

    action: str = ""
    actor_id: int | None = None
    target_type: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""

    def as_data(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in self.__dict__.items()
            if v not in ("", None)
        }


def _filtered(f: AuditFilter) -> QuerySet[AuditEntry]:
    if f.since and f.until and f.since > f.until:
        raise InvalidInput.of(codes.INVALID_AUDIT_QUERY, "开始时间不能晚于结束时间")
    for value in (f.action, f.target_type, f.target_id, f.text):
        if "\x00" in value:
            raise InvalidInput.of(codes.INVALID_AUDIT_QUERY, "查询条件包含非法字符")
    qs = AuditEntry.objects.select_related("actor")
    if f.action:
        # "group." finds every group action; "login" exactly that action.
        qs = (
            qs.filter(action__startswith=f.action)
            if f.action.endswith(".")
            else qs.filter(action=f.action)
        )
    if f.actor_id is not None:
        qs = qs.filter(actor_id=f.actor_id)
    if f.target_type:
        qs = qs.filter(target_type=f.target_type)
    if f.target_id:
        qs = qs.filter(target_id=f.target_id)
    if f.since:
        qs = qs.filter(created_at__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__lt=f.until)
    if f.text:
        qs = qs.filter(
            Q(action__icontains=f.text)
            | Q(target_id=f.text)
            | Q(user_agent__icontains=f.text)
            | Q(actor__name__icontains=f.text)
        )
    return qs


def audit_search(
    *,
    viewer: Any,
    filters: AuditFilter,
    before_seq: int | None = None,
    limit: int = 50,
    context: RequestContext = NO_CONTEXT,
) -> tuple[list[AuditEntry], bool]:
    """A page of entries, newest first, older than `before_seq`. Audit administrator only."""
    duties.require_duty(viewer, duties.AUDIT)
    limit = max(1, min(limit, PAGE_MAX))
    qs = _filtered(filters)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    page = list(qs.order_by("-seq")[: limit + 1])
    if before_seq is None:  # the first page of a search is recorded, not every page
        audit_record("audit.search", actor=viewer, data=filters.as_data(), context=context)
    return page[:limit], len(page) > limit


def _row(entry: AuditEntry) -> dict[str, Any]:
    """An exported row: the hashed fields (with the time as stored), who, and the chain links."""
    return {
        **content(entry),
        "created_at": entry.created_at.isoformat(),
        "actor_name": entry.actor.name if entry.actor_id and entry.actor else "",
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def audit_export(
    *, viewer: Any, filters: AuditFilter, fmt: str, context: RequestContext = NO_CONTEXT
) -> Iterator[str]:
    """CSV or JSONL of the matching entries in chain order (at most EXPORT_MAX), recorded
    as `audit.export` before the first line leaves. Audit administrator only."""
    duties.require_duty(viewer, duties.AUDIT)
    if fmt not in ("csv", "jsonl"):
        raise InvalidInput.of(codes.INVALID_AUDIT_QUERY, "导出格式应为 csv 或 jsonl")
    qs = _filtered(filters).order_by("seq")[:EXPORT_MAX]
    audit_record(
        "audit.export", actor=viewer, data={**filters.as_data(), "format": fmt}, context=context
    )

    def lines() -> Iterator[str]:
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
            writer.writeheader()
            for entry in qs.iterator(chunk_size=2000):
                row = _row(entry)
                row["data"] = json.dumps(row["data"], ensure_ascii=False, sort_keys=True)
                writer.writerow(row)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
            yield buffer.getvalue()
        else:
            for entry in qs.iterator(chunk_size=2000):
                yield json.dumps(_row(entry), ensure_ascii=False, sort_keys=True) + "\n"

    return lines()
