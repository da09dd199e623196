from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.audit.models import AuditEntry
from backend.directory import duties


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only, and only for the audit administrator (三员分立): not even a superuser.

    Searches and exports go through `GET /api/v1/audit/entries` and
    `/api/v1/audit/export`, which are audited themselves.
    """

    list_display = ("seq", "created_at", "actor", "action", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("action", "target_id")
    readonly_fields = ("prev_hash", "hash")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return duties.holds(request.user, duties.AUDIT)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return duties.holds(request.user, duties.AUDIT)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
