"""A plain admin for the org directory (support staff fix data here).

People are created through `services.user_create` (pinyin, hashing), so the
admin edits existing people but does not add them and never shows the
password hash. New units go through `services.unit_create` (apps set them up).
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from backend.directory import duties, services, sign_out
from backend.directory.models import Department, Position, RoleAssignment, Unit, User


class PositionInline(admin.TabularInline[Position, User]):
    model = Position
    extra = 0
    autocomplete_fields = ("department",)


class RoleInline(admin.TabularInline[RoleAssignment, User]):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("unit",)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("name", "mobile", "employee_no", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("name", "name_pinyin", "name_initials", "mobile", "employee_no")
    fields = (
        "name",
        "mobile",
        "employee_no",
        "office_phone",
        "avatar",
        "is_active",
        "is_staff",
        "is_superuser",
        "locked_until",
        "last_login",
        "date_joined",
    )
    # 三员分立: staff/superuser status is never edited here (duties are granted by the
    # security administrator through `backend.directory.duties`, audited).
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined")
    inlines = (PositionInline, RoleInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deactivate instead: messages and audit entries keep pointing at people.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        old = User.objects.filter(pk=obj.pk).values_list("avatar", flat=True).first() or ""
        super().save_model(request, obj, form, change)
        # 剩余信息保护: a replaced or cleared avatar leaves storage.
        services.avatar_discard(user=obj, old_name=old)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # A deactivated person's open sockets close (after this save commits).
            sign_out.run(obj.pk, reason="deactivated")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("name", "short_name", "level", "kind", "parent", "code", "order")
    list_filter = ("level", "kind")
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent",)

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new unit is set up by every app (built-in templates…): through the service.
        created = services.unit_create(
            name=obj.name,
            short_name=obj.short_name,
            code=obj.code,
            level=obj.level,
            kind=obj.kind,
            parent=obj.parent,
            order=obj.order,
        )
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("name", "unit", "parent", "order")
    list_select_related = ("unit", "parent")
    search_fields = ("name", "unit__name")
    autocomplete_fields = ("unit", "parent")


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin[Position]):
    list_display = ("user", "department", "title", "rank", "is_leader", "is_primary")
    list_select_related = ("user", "department__unit")
    search_fields = ("user__name", "title", "department__name")
    autocomplete_fields = ("user", "department")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin[RoleAssignment]):
    list_display = ("user", "unit", "role")
    list_filter = ("role",)
    list_select_related = ("user", "unit")
    search_fields = ("user__name", "unit__name")
    autocomplete_fields = ("user", "unit")


admin.site.unregister(Group)


@admin.register(Group)
class DutyGroupAdmin(GroupAdmin):
    """The three duties' groups: shown to the security administrator, changed by nobody here
    (their permissions are fixed by `duties.duties_ensure`, membership by `duty_grant`)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return duties.holds(request.user, duties.SECURITY)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return duties.holds(request.user, duties.SECURITY)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
