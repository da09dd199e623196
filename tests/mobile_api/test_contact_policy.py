"""Personal mobiles and employee numbers by policy; office phones to everyone (#11: 17, 2)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.directory import services as directory
from backend.directory.models import Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def as_(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def person(client: APIClient, who: User) -> dict[str, Any]:
    response = client.get(f"/api/v1/people/{who.pk}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def contact(body: dict[str, Any]) -> tuple[str, bool, str, str]:
    return body["mobile"], body["mobile_masked"], body["employee_no"], body["office_phone"]


@pytest.fixture
def numbered(staff: User, outsider: User, director: User) -> None:
    for user, number, phone in (
        (outsider, "CZ20230017", "0571-87650002"),
        (director, "BG0001", ""),
        (staff, "BG0090", "0571-87650090"),
    ):
        User.objects.filter(pk=user.pk).update(employee_no=number, office_phone=phone)


def test_other_units_see_a_masked_mobile_and_the_office_phone(
    numbered: None, staff: User, outsider: User
) -> None:
    assert contact(person(as_(staff), outsider)) == (
        "139****0002",
        True,
        "CZ******17",
        "0571-87650002",
    )


def test_the_same_unit_sees_everything(numbered: None, staff: User, director: User) -> None:
    assert contact(person(as_(staff), director)) == ("13800000001", False, "BG0001", "")
    assert contact(person(as_(director), staff)) == (
        "13800000003",
        False,
        "BG0090",
        "0571-87650090",
    )


def test_a_contact_role_sees_its_unit_and_the_units_below(
    org: dict[str, Any], numbered: None, staff: User, outsider: User
) -> None:
    directory.role_grant(actor=None, user=staff, unit=org["city"], role=Role.UNIT_ADMIN)
    assert contact(person(as_(staff), outsider))[:3] == ("13900000002", False, "CZ20230017")


def test_a_role_outside_the_contact_roles_does_not_widen_the_scope(
    org: dict[str, Any], numbered: None, staff: User, outsider: User
) -> None:
    directory.role_grant(actor=None, user=staff, unit=org["city"], role=Role.LEADER)
    assert person(as_(staff), outsider)["mobile_masked"] is True


def test_administrators_personal_data_is_hidden_even_in_their_unit(
    org: dict[str, Any], staff: User
) -> None:
    root = User.objects.create_superuser("13700000099", PASSWORD, name="系统管理员")
    User.objects.filter(pk=root.pk).update(employee_no="ADMIN1")
    directory.position_assign(user=root, department=org["secretariat"], title="信息员")
    body = person(as_(staff), root)
    assert contact(body) == ("137****0099", True, "AD**N1", "")
    # They still see their own.
    assert person(as_(root), root)["mobile"] == "13700000099"


def test_every_people_list_applies_the_policy(
    org: dict[str, Any], numbered: None, staff: User, outsider: User, director: User
) -> None:
    client = as_(staff)
    lists = [
        f"/api/v1/directory/departments/{org['budget'].pk}/people",
        "/api/v1/directory/search?q=zhaoliu",
    ]
    for url in lists:
        (row,) = client.get(url).json()
        assert (row["name"], row["mobile"], row["mobile_masked"]) == ("赵六", "139****0002", True)
    # The online list only ever holds one's own departments' people: in scope.
    online = as_(director).get("/api/v1/directory/online").json()
    assert {(p["name"], p["mobile_masked"]) for p in online} == {("张三", False)}


def test_me_shows_my_own_data_in_full(numbered: None, staff: User) -> None:
    staff.refresh_from_db()
    me = as_(staff).get("/api/v1/me").json()
    assert (me["mobile"], me["employee_no"], me["office_phone"]) == (
        "13800000003",
        "BG0090",
        "0571-87650090",
    )
