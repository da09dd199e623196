"""三员分立: system, security and audit administrator as separate duties.

- 系统管理员 `system_admin`: people, units, departments, positions (the
  directory), configuration; never grants roles or duties, never reads the
  audit log.
- 安全管理员 `security_admin`: grants/revokes unit roles and the three
  duties, security policy; never reads the audit log or edits people's data.
- 审计管理员 `audit_admin`: reads, searches and exports the audit log;
  nothing else.

Each duty is a Django group with exactly the permissions below
(`duties_ensure`, run after every migrate) *and* our checks
(`require_duty`): a Django superuser gets none of them implicitly, one
account holds at most one duty, and the audit duty never goes to a
superuser. So no single account can both change permissions and read the
audit trail; nobody can erase it (the trigger, the hash chain).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.common import error_catalogue as codes
from backend.common.errors import Conflict, InvalidInput, PermissionDenied
from backend.directory.models import User

SYSTEM = "system_admin"
SECURITY = "security_admin"
AUDIT = "audit_admin"

LABELS = {SYSTEM: "系统管理员", SECURITY: "安全管理员", AUDIT: "审计管理员"}

PERMISSIONS: dict[str, list[str]] = {
    SYSTEM: [
        "directory.view_user",
        "directory.change_user",
        "directory.view_unit",
        "directory.add_unit",
        "directory.change_unit",
        "directory.view_department",
        "directory.add_department",
        "directory.change_department",
        "directory.delete_department",
        "directory.view_position",
        "directory.add_position",
        "directory.change_position",
        "directory.delete_position",
    ],
    SECURITY: [
        "directory.view_user",
        "directory.view_unit",
        "directory.view_roleassignment",
        "directory.add_roleassignment",
        "directory.change_roleassignment",
        "directory.delete_roleassignment",
        "auth.view_group",
        "auth.view_permission",
    ],
    AUDIT: ["audit.view_auditentry", "audit.export_auditentry"],
}


def duties_ensure(**_: Any) -> None:
    """Create the three groups with exactly their permissions (idempotent; post_migrate)."""
    for duty, names in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=LABELS[duty])
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)


def duties_of(user: Any) -> set[str]:
    if user is None or not getattr(user, "pk", None):
        return set()
    names = set(user.groups.values_list("name", flat=True))
    return {duty for duty, label in LABELS.items() if label in names}


def holds(user: Any, duty: str) -> bool:
    """The user holds `duty` and nothing that conflicts with it (checked on every use)."""
    if not getattr(user, "is_active", False):
        return False
    held = duties_of(user)
    if duty not in held or len(held) > 1:
        return False
    # The audit log's reader never also holds every permission.
    return not (duty == AUDIT and user.is_superuser)


def require_duty(user: Any, duty: str) -> None:
    if not holds(user, duty):
        raise PermissionDenied.of(codes.DUTY_REQUIRED, f"需要{LABELS[duty]}权限")


def _target(user_id: int) -> User:
    target = User.objects.select_for_update().filter(pk=user_id).first()
    if target is None:
        raise InvalidInput.of(codes.INVALID_USER)
    return target


def duty_grant(
    *,
    actor: User | None,
    user_id: int,
    duty: str,
    context: RequestContext = NO_CONTEXT,
) -> User:
    """Give `duty` to a person. Only a security administrator may (`actor=None`: the
    operator's `manage.py duty_grant` at installation, audited as such)."""
    if duty not in LABELS:
        raise InvalidInput.of(
            codes.INVALID_FIELD, "职责应为 system_admin、security_admin 或 audit_admin"
        )
    with transaction.atomic():
        if actor is not None:
            require_duty(actor, SECURITY)
            if actor.pk == user_id:
                raise InvalidInput.of(codes.DUTY_SELF)
        target = _target(user_id)
        held = duties_of(target)
        if duty in held:
            return target
        if held or (duty == AUDIT and target.is_superuser):
            raise Conflict.of(codes.DUTY_CONFLICT)
        target.groups.add(Group.objects.get(name=LABELS[duty]))
        if not target.is_staff:
            target.is_staff = True
            target.save(update_fields=["is_staff"])
        audit_record(
            "duty.grant",
            actor=actor,
            target=target,
            data={"duty": duty, "by": "operator" if actor is None else "security_admin"},
            context=context,
        )
    return target


def duty_revoke(
    *,
    actor: User | None,
    user_id: int,
    duty: str,
    context: RequestContext = NO_CONTEXT,
) -> User:
    """Take `duty` away (security administrator, or the operator's command)."""
    if duty not in LABELS:
        raise InvalidInput.of(
            codes.INVALID_FIELD, "职责应为 system_admin、security_admin 或 audit_admin"
        )
    with transaction.atomic():
        if actor is not None:
            require_duty(actor, SECURITY)
            if actor.pk == user_id:
                raise InvalidInput.of(codes.DUTY_SELF)
        target = _target(user_id)
        if duty not in duties_of(target):
            return target
        target.groups.remove(Group.objects.get(name=LABELS[duty]))
        audit_record(
            "duty.revoke",
            actor=actor,
            target=target,
            data={"duty": duty, "by": "operator" if actor is None else "security_admin"},
            context=context,
        )
    return target
