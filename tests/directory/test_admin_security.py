"""The Django admin: login through the login service, every change in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import Client

from backend.audit.models import AuditEntry
from backend.directory.admin_security import AuditedAdminMixin
from backend.directory.models import Department, User
from tests.conftest import PASSWORD
from tests.twofactor.test_admin_login import admin_second_factor

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
ROOT = "13700000099"


@pytest.fixture
def root(org: dict[str, Any]) -> User:
    return User.objects.create_superuser(ROOT, PASSWORD, name="系统管理员")


def admin_login(client: Client, mobile: str = ROOT, password: str = PASSWORD) -> Any:
    return client.post(ADMIN_LOGIN, {"username": mobile, "password": password})


def signed_in(client: Client) -> bool:
    return django_settings.SESSION_COOKIE_NAME in client.cookies and (
        client.get("/admin/").status_code == 200
    )


def test_admin_login_is_audited(root: User) -> None:
    client = Client()
    response = admin_login(client)
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-factor/"  # an administrator: the second factor
    assert not signed_in(client)
    assert not AuditEntry.objects.filter(action="auth.login").exists()
    admin_second_factor(client)
    assert signed_in(client)
    entry = AuditEntry.objects.get(action="auth.login")
    assert (entry.actor_id, entry.data["via"], entry.ip) == (root.pk, "admin", "127.0.0.1")


def test_admin_login_locks_like_the_api(settings: Any, root: User) -> None:
    client = Client()
    for _ in range(settings.ZT_LOGIN_MAX_FAILURES):
        assert admin_login(client, password="wrong").status_code == 200
    refused = admin_login(client)  # the right password, while locked
    assert refused.status_code == 200
    assert "账号已锁定至" in refused.content.decode()
    assert not signed_in(client)
    assert AuditEntry.objects.filter(action="auth.lockout", actor=root).count() == 1
    assert AuditEntry.objects.filter(action="auth.login_failed", data__via="admin").count() == 5


def test_an_account_the_api_locked_cannot_log_in_to_the_admin(settings: Any, root: User) -> None:
    api = Client()
    for _ in range(settings.ZT_LOGIN_MAX_FAILURES):
        api.post(
            "/api/v1/auth/login",
            {"mobile": ROOT, "password": "wrong"},
            content_type="application/json",
        )
    client = Client()
    refused = admin_login(client)
    assert "账号已锁定至" in refused.content.decode()
    assert not signed_in(client)
    assert AuditEntry.objects.filter(action="auth.login_locked", data__via="admin").count() == 1


def test_admin_login_refuses_non_staff_after_checking_the_password(director: User) -> None:
    client = Client()
    response = admin_login(client, director.mobile)
    assert response.status_code == 200
    assert not signed_in(client)


def test_admin_login_is_rate_limited(login_rate: None, root: User) -> None:
    client = Client()
    for _ in range(3):
        admin_login(client, "13899999999", "x")
    response = admin_login(client)
    assert "操作过于频繁" in response.content.decode()
    assert not signed_in(client)
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_admin_changes_are_in_the_audit_log(org: dict[str, Any], root: User) -> None:
    client = Client()
    client.force_login(root)
    added = client.post(
        "/admin/directory/department/add/",
        {"unit": org["office"].pk, "name": "信息科", "order": 3},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    department = Department.objects.get(name="信息科")
    changed = client.post(
        f"/admin/directory/department/{department.pk}/change/",
        {"unit": org["office"].pk, "name": "信息化科", "order": 3},
    )
    assert changed.status_code == 302
    deleted = client.post(f"/admin/directory/department/{department.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not Department.objects.filter(pk=department.pk).exists()

    entries = list(
        AuditEntry.objects.filter(action__startswith="admin.")
        .order_by("id")
        .values_list("action", "actor_id", "target_type", "target_id", "ip")
    )
    target = ("directory.department", str(department.pk))
    assert entries == [
        ("admin.add", root.pk, *target, "127.0.0.1"),
        ("admin.change", root.pk, *target, "127.0.0.1"),
        ("admin.delete", root.pk, *target, "127.0.0.1"),
    ]
    change = AuditEntry.objects.get(action="admin.change")
    assert change.data["repr"].endswith("信息化科")
    assert change.data["message"] == [{"changed": {"fields": ["部门名称"]}}]


def test_bulk_deletes_in_the_admin_are_audited_one_by_one(org: dict[str, Any], root: User) -> None:
    first = Department.objects.create(unit=org["office"], name="甲科")
    second = Department.objects.create(unit=org["office"], name="乙科")
    client = Client()
    client.force_login(root)
    response = client.post(
        "/admin/directory/department/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert sorted(
        AuditEntry.objects.filter(action="admin.delete").values_list("target_id", flat=True)
    ) == sorted([str(first.pk), str(second.pk)])


def test_every_registered_admin_is_audited() -> None:
    """Django's own admins (groups, tokens…) and every app's, present and future."""
    assert admin.site._registry
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AuditedAdminMixin), model
