"""`manage.py seed_demo`: a believable organisation, idempotent, usable logins."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count

from backend.directory import services as directory
from backend.directory.management.commands.seed_demo import DEMO_LOGINS, DEMO_PASSWORD
from backend.directory.models import Department, Position, Role, RoleAssignment, Unit, User
from backend.directory.services import InvalidCredentials, login_check
from realtime.models import Conversation, Membership, Message

MODELS = (Unit, Department, User, Position, RoleAssignment, Conversation, Membership, Message)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db: Any) -> str:
    return seed()


def test_seed_builds_a_realistic_organisation(seeded: str) -> None:
    assert 280 <= User.objects.count() <= 360
    names = set(Unit.objects.values_list("name", flat=True))
    assert {
        "江南省",
        "江城市",
        "中共江城市委员会",
        "中共江城市委办公室",
        "江城市人民政府",
        "江城市人民政府办公室",
        "江城市人民代表大会常务委员会",
        "中国人民政治协商会议江城市委员会",
        "江城市财政局",
        "江城市林业局",
        "江城市东湖区人民政府办公室",
        "江城市西山区人民政府",
    } <= names
    assert Unit.objects.filter(kind="department", level="city").count() >= 25
    # Every unit with people has an admin, a clerk and leaders; working units
    # have 2-4 departments and staff. Leadership bodies (市委, 市政府) have
    # only their leaders and are served by their office's admins and clerks.
    staffed = Unit.objects.annotate(n=Count("departments")).filter(n__gt=0)
    leadership_bodies = 0
    for unit in staffed:
        roles = set(RoleAssignment.objects.filter(unit=unit).values_list("role", flat=True))
        if unit.n == 1:
            leadership_bodies += 1
            assert unit.kind in ("party", "government"), unit.name
            assert roles == {Role.UNIT_ADMIN, Role.CLERK, Role.LEADER}, unit.name
        else:
            assert 2 <= unit.n <= 4, unit.name
            assert roles == {Role.UNIT_ADMIN, Role.CLERK, Role.LEADER, Role.STAFF}, unit.name
    assert leadership_bodies == 4  # 市委, 市政府, two 区政府
    # Unique mobiles and employee numbers, pinyin filled in, everyone placed.
    assert User.objects.values("employee_no").distinct().count() == User.objects.count()
    assert not User.objects.filter(name_pinyin="").exists()
    assert not User.objects.filter(positions__isnull=True).exists()
    assert Position.objects.filter(title="局长", is_leader=True).count() >= 20


def test_seed_creates_lively_conversations(seeded: str) -> None:
    dispatch = Conversation.objects.get(name="全市项目调度群")
    assert 25 <= dispatch.member_count <= 35
    assert Message.objects.filter(conversation=dispatch, kind="text").count() >= 40
    assert Conversation.objects.filter(name="市府办工作群").exists()
    directs = Conversation.objects.filter(kind=Conversation.Kind.DIRECT)
    assert directs.count() >= 4
    assert all(c.last_seq > 0 for c in directs)


def test_seed_twice_changes_nothing(seeded: str) -> None:
    before = counts()
    hashes = dict(User.objects.values_list("mobile", "password"))
    out = seed()
    assert counts() == before
    assert dict(User.objects.values_list("mobile", "password")) == hashes
    assert "本次新建 0 名" in out


def test_demo_logins_work_and_are_printed(seeded: str) -> None:
    for login in DEMO_LOGINS:
        user = login_check(mobile=login.mobile, password=DEMO_PASSWORD)
        assert user.name == login.name
        assert login.mobile in seeded
    assert DEMO_PASSWORD in seeded
    director = User.objects.get(mobile="13800000001")
    assert director.positions.get().title == "主任"
    assert set(director.roles.values_list("role", flat=True)) == {"leader", "unit_admin"}
    clerk = User.objects.get(mobile="13800000002")
    assert clerk.roles.filter(role=Role.CLERK).exists()
    with pytest.raises(InvalidCredentials):
        login_check(mobile="13800000003", password="wrong")


def test_if_empty_does_nothing_when_units_exist(db: Any) -> None:
    directory.unit_create(name="已有单位", level="city", kind="government", code="X")
    out = seed("--if-empty")
    assert "跳过" in out
    assert Unit.objects.count() == 1
    assert User.objects.count() == 0


def test_if_empty_seeds_an_empty_database_with_a_chosen_password(db: Any) -> None:
    out = seed("--if-empty", "--password", "Other-pass-1")
    assert "Other-pass-1" in out
    assert login_check(mobile="13800000004", password="Other-pass-1").name == "陈志明"
