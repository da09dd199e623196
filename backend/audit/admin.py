from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: the audit log can be looked at, never changed."""

    list_display = ("created_at", "actor", "action", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("action", "target_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
