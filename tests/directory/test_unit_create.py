"""Units are created by one service that runs every app's set-up hook, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from backend.approvals.models import MeetingRoom, Template
from backend.common.errors import InvalidInput
from backend.directory import services as directory
from backend.directory import unit_setup
from backend.directory.models import Unit, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BUILTINS = {"leave", "travel", "vehicle", "seal", "room", "expense"}


def codes(unit: Unit) -> set[str]:
    return set(Template.objects.filter(unit=unit).values_list("code", flat=True))


@pytest.fixture
def recorded() -> Iterator[list[str]]:
    seen: list[str] = []
    unit_setup.register("test-recorder", lambda unit: seen.append(unit.code))
    yield seen
    unit_setup.unregister("test-recorder")


def test_unit_create_runs_every_set_up_hook(recorded: list[str]) -> None:
    unit = directory.unit_create(name="江城市审计局", level="city", kind="department", code="AUD")
    assert codes(unit) == BUILTINS  # approvals' hook
    assert MeetingRoom.objects.filter(unit=unit).count() == 3
    assert recorded == ["AUD"]


def test_a_failing_hook_leaves_no_half_set_up_unit() -> None:
    def broken(unit: Unit) -> None:
        raise RuntimeError("set-up failed")

    unit_setup.register("test-broken", broken)
    try:
        with pytest.raises(RuntimeError):
            directory.unit_create(name="江城市统计局", level="city", kind="department", code="STA")
    finally:
        unit_setup.unregister("test-broken")
    assert not Unit.objects.filter(code="STA").exists()
    assert not Template.objects.filter(unit__code="STA").exists()


def test_a_unit_saved_without_the_service_is_not_set_up() -> None:
    """No signal does it behind the caller's back: creation goes through the service."""
    unit = Unit.objects.create(name="旁路单位", level="city", kind="department", code="RAW")
    assert codes(unit) == set()


def test_bad_units_are_refused(org: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as taken:
        directory.unit_create(name="重复", level="city", kind="department", code="JC-FIN")
    assert taken.value.code == "unit_code_taken"
    with pytest.raises(InvalidInput) as bad:
        directory.unit_create(name="错级", level="galaxy", kind="department", code="BAD")
    assert bad.value.code == "invalid_unit" and "level" in (bad.value.fields or {})
    with pytest.raises(InvalidInput):
        directory.unit_create(name="  ", level="city", kind="department", code="EMPTY")


def test_the_admin_adds_units_through_the_service(org: dict[str, Any]) -> None:
    User.objects.create_superuser("13700000099", PASSWORD, name="管理员")
    client = Client()
    client.force_login(User.objects.get(mobile="13700000099"))
    response = client.post(
        "/admin/directory/unit/add/",
        {
            "name": "江城市档案馆",
            "short_name": "档案馆",
            "parent": org["city"].pk,
            "level": "city",
            "kind": "department",
            "code": "ARCH",
            "order": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="ARCH")
    assert unit.parent_id == org["city"].pk
    assert codes(unit) == BUILTINS
