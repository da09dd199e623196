"""三员分立: system, security and audit administrator hold separate powers.

No single account can both change permissions and read the audit trail; the
audit administrator reads, searches and exports the log and does nothing else.
Checked in the services, over REST and in the Django admin.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client

from backend.audit.models import AuditEntry
from backend.audit.services import audit_record
from backend.common.errors import ZtError
from backend.directory import duties
from backend.directory import services as directory
from backend.directory.models import Role, RoleAssignment, User
from tests.mobile_api.conftest import (
    _responses_match_the_schema,  # noqa: F401 - every response here is schema-checked
    error_of,
)

pytestmark = pytest.mark.django_db


def person(mobile: str, name: str) -> User:
    return directory.user_create(mobile=mobile, name=name, password="Zt-secret-2026")


@pytest.fixture
def officers(org: Any) -> dict[str, User]:
    """One person per duty, granted by the operator's command (installation)."""
    people = {
        duties.SYSTEM: person("13700000001", "系统管理员甲"),
        duties.SECURITY: person("13700000002", "安全管理员乙"),
        duties.AUDIT: person("13700000003", "审计管理员丙"),
    }
    for duty, user in people.items():
        call_command("duty_grant", user.mobile, duty, stdout=io.StringIO())
    for user in people.values():
        user.refresh_from_db()
    return people


@pytest.fixture
def superuser(org: Any) -> User:
    user = person("13700000009", "超级用户")
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def code(attempt: Any) -> str:
    with pytest.raises(ZtError) as err:
        attempt()
    return err.value.code


def streamed(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_duty_is_a_group_with_exactly_its_permissions() -> None:
    for duty, names in duties.PERMISSIONS.items():
        group = Group.objects.get(name=duties.LABELS[duty])
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == set(names)
    audit = set(duties.PERMISSIONS[duties.AUDIT])
    assert audit == {"audit.view_auditentry", "audit.export_auditentry"}
    # Only the security administrator touches roles; only the auditor reads the log.
    assert not any("roleassignment" in p for p in duties.PERMISSIONS[duties.SYSTEM])
    assert not any(p.startswith("audit.") for p in duties.PERMISSIONS[duties.SECURITY])
    assert not any(p.startswith("audit.") for p in duties.PERMISSIONS[duties.SYSTEM])


def test_only_the_security_administrator_grants_duties(
    officers: dict[str, User], staff: User, clerk: User, superuser: User
) -> None:
    security, system, auditor = (
        officers[d] for d in (duties.SECURITY, duties.SYSTEM, duties.AUDIT)
    )
    for outsider in (system, auditor, superuser, staff):
        assert (
            code(lambda u=outsider: duties.duty_grant(actor=u, user_id=clerk.pk, duty=duties.AUDIT))
            == "duty_required"
        )
    assert code(
        lambda: duties.duty_grant(actor=security, user_id=security.pk, duty=duties.AUDIT)
    ) == ("duty_self")
    # One account, one duty: the auditor cannot also become security administrator.
    assert code(
        lambda: duties.duty_grant(actor=security, user_id=auditor.pk, duty=duties.SECURITY)
    ) == ("duty_conflict")
    # A superuser (who can change permissions) never reads the audit log.
    assert code(
        lambda: duties.duty_grant(actor=security, user_id=superuser.pk, duty=duties.AUDIT)
    ) == ("duty_conflict")
    duties.duty_grant(actor=security, user_id=clerk.pk, duty=duties.AUDIT)
    assert duties.duties_of(clerk) == {duties.AUDIT}
    clerk.refresh_from_db()
    assert clerk.is_staff
    grants = AuditEntry.objects.filter(action="duty.grant").order_by("seq")
    assert [(e.target_id, e.data["duty"], e.data["by"]) for e in grants][-1] == (
        str(clerk.pk),
        duties.AUDIT,
        "security_admin",
    )
    assert grants[0].data["by"] == "operator"
    duties.duty_revoke(actor=security, user_id=clerk.pk, duty=duties.AUDIT)
    assert duties.duties_of(clerk) == set()
    assert AuditEntry.objects.filter(action="duty.revoke", target_id=str(clerk.pk)).exists()
    with pytest.raises(CommandError, match="duty_conflict"):
        call_command("duty_grant", auditor.mobile, duties.SYSTEM, stdout=io.StringIO())


def test_an_account_forced_into_two_duties_loses_both(officers: dict[str, User]) -> None:
    auditor = officers[duties.AUDIT]
    # Written around the service (a database edit): the checks on use still hold.
    auditor.groups.add(Group.objects.get(name=duties.LABELS[duties.SECURITY]))
    assert not duties.holds(auditor, duties.AUDIT)
    assert not duties.holds(auditor, duties.SECURITY)
    response = logged_in(auditor).get("/api/v1/audit/entries")
    assert error_of(response) == (403, "duty_required")


def test_only_the_auditor_reads_the_log_over_rest(
    officers: dict[str, User], superuser: User, staff: User, director: User
) -> None:
    audit_record("group.create", actor=director, data={"name": "预算工作群"})
    assert error_of(Client().get("/api/v1/audit/entries")) == (401, "not_authenticated")
    for user in (staff, director, superuser, officers[duties.SYSTEM], officers[duties.SECURITY]):
        for url in ("/api/v1/audit/entries", "/api/v1/audit/export"):
            assert error_of(logged_in(user).get(url)) == (403, "duty_required"), (user, url)
    auditor = logged_in(officers[duties.AUDIT])
    page = auditor.get("/api/v1/audit/entries", {"action": "group.", "limit": "10"})
    assert page.status_code == 200
    body = page.json()
    assert [e["action"] for e in body["entries"]] == ["group.create"]
    entry = body["entries"][0]
    assert entry["actor_name"] == "王建国"
    assert entry["data"] == {"name": "预算工作群"}
    assert len(entry["hash"]) == 64
    searched = AuditEntry.objects.filter(action="audit.search").get()
    assert searched.actor_id == officers[duties.AUDIT].pk
    assert searched.data == {"action": "group."}
    # Paging back by seq.
    first = auditor.get("/api/v1/audit/entries", {"limit": 1}).json()
    assert first["has_more"] is True
    older = auditor.get(
        "/api/v1/audit/entries", {"limit": 1, "before_seq": first["entries"][0]["seq"]}
    ).json()
    assert older["entries"][0]["seq"] == first["entries"][0]["seq"] - 1
    bad = auditor.get("/api/v1/audit/entries", {"since": "yesterday"})
    assert error_of(bad) == (400, "invalid_audit_query")
    backwards = auditor.get(
        "/api/v1/audit/entries",
        {"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
    )
    assert error_of(backwards) == (400, "invalid_audit_query")


def test_the_auditor_exports_csv_and_jsonl(officers: dict[str, User], director: User) -> None:
    audit_record("group.create", actor=director, data={"name": "预算工作群"})
    auditor = logged_in(officers[duties.AUDIT])
    response = auditor.get("/api/v1/audit/export", {"fmt": "csv", "action": "group.create"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = streamed(response)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == ["group.create"]
    assert json.loads(rows[0]["data"]) == {"name": "预算工作群"}
    response = auditor.get("/api/v1/audit/export", {"fmt": "jsonl"})
    lines = [json.loads(x) for x in streamed(response).splitlines()]
    seqs = [line["seq"] for line in lines]
    assert seqs == sorted(seqs)
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(lines))
    exports = AuditEntry.objects.filter(action="audit.export").order_by("seq")
    assert [e.data["format"] for e in exports] == ["csv", "jsonl"]
    assert error_of(auditor.get("/api/v1/audit/export", {"fmt": "xml"})) == (
        400,
        "invalid_audit_query",
    )


def test_django_admin_audit_pages_are_for_the_auditor_only(
    officers: dict[str, User], superuser: User
) -> None:
    url = "/admin/audit/auditentry/"
    assert logged_in(officers[duties.AUDIT]).get(url).status_code == 200
    for user in (superuser, officers[duties.SYSTEM], officers[duties.SECURITY]):
        assert logged_in(user).get(url).status_code == 403, user
    # The auditor sees nothing else and changes nothing.
    auditor = logged_in(officers[duties.AUDIT])
    assert auditor.get("/admin/directory/user/").status_code == 403
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    change = auditor.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "x"})
    assert change.status_code == 403
    assert (
        auditor.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_the_system_administrator_cannot_raise_anyones_powers(
    officers: dict[str, User], staff: User
) -> None:
    system = logged_in(officers[duties.SYSTEM])
    assert system.get("/admin/directory/user/").status_code == 200
    page = system.get(f"/admin/directory/user/{staff.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html
    assert 'name="is_staff"' not in html
    # Roles (unit permissions) are the security administrator's: not even shown here.
    assert 'name="positions-TOTAL_FORMS"' in html
    assert 'name="roles-TOTAL_FORMS"' not in html
    assert system.get("/admin/auth/group/").status_code == 403
    security = logged_in(officers[duties.SECURITY])
    html = security.get(f"/admin/directory/user/{staff.pk}/change/").content.decode()
    assert 'name="roles-TOTAL_FORMS"' in html
    assert 'name="name"' not in html  # people's data is the system administrator's
    assert security.get("/admin/auth/group/").status_code == 200
    assert security.get("/admin/auth/group/add/").status_code == 403


def test_only_the_security_administrator_grants_unit_roles(
    officers: dict[str, User], org: Any, director: User, staff: User, superuser: User
) -> None:
    """`role_grant` checks its actor (it had no check): a unit role is a permission, so
    only the security administrator gives one (never to themself); audited."""
    security = officers[duties.SECURITY]
    for refused in (officers[duties.SYSTEM], officers[duties.AUDIT], superuser, director):
        assert (
            code(
                lambda u=refused: directory.role_grant(
                    actor=u, user=staff, unit=org["office"], role=Role.UNIT_ADMIN
                )
            )
            == "duty_required"
        )
    assert (
        code(
            lambda: directory.role_grant(
                actor=security, user=security, unit=org["office"], role=Role.UNIT_ADMIN
            )
        )
        == "role_self"
    )
    assert not RoleAssignment.objects.filter(user=staff, role=Role.UNIT_ADMIN).exists()
    assert not AuditEntry.objects.filter(action="role.grant", target_id=str(staff.pk)).exists()

    directory.role_grant(actor=security, user=staff, unit=org["office"], role=Role.UNIT_ADMIN)
    directory.role_grant(actor=security, user=staff, unit=org["office"], role=Role.UNIT_ADMIN)
    assert RoleAssignment.objects.filter(user=staff, role=Role.UNIT_ADMIN).count() == 1
    [entry] = AuditEntry.objects.filter(action="role.grant", target_id=str(staff.pk))
    assert (entry.actor_id, entry.data) == (
        security.pk,
        {"unit_id": org["office"].pk, "role": "unit_admin", "by": "security_admin"},
    )
