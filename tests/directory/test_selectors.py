"""Directory reads: trees, people lists, search tiers, colleagues' presence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from backend.common.errors import NotFound
from backend.directory import selectors
from backend.directory import services as directory
from backend.directory.models import Department, Role, User
from realtime import presence
from tests.conftest import PASSWORD, person


@pytest.fixture(autouse=True)
def _fresh_presence() -> Iterator[None]:
    # Presence lives in the cache, which outlives each test's rollback.
    cache.clear()
    yield
    cache.clear()


def names(people: list[User]) -> list[str]:
    return [p.name for p in people]


# --- units and departments ------------------------------------------------------------


def test_unit_tree_nests_children_in_order(
    org: dict[str, Any], staff: User, django_assert_num_queries: Any
) -> None:
    directory.unit_create(
        name="江城市审计局", parent=org["city"], level="city", kind="department", code="A", order=-1
    )
    with django_assert_num_queries(1):
        roots = selectors.unit_tree(viewer=staff)
    assert [r.unit.name for r in roots] == ["江城市人民政府"]
    assert [c.unit.name for c in roots[0].children] == [
        "江城市审计局",  # order -1 comes first
        "江城市人民政府办公室",
        "江城市财政局",
    ]
    assert all(not c.children for c in roots[0].children)


def test_department_tree_counts_members_of_subtree(
    org: dict[str, Any], director: User, clerk: User, staff: User, django_assert_num_queries: Any
) -> None:
    secretariat = org["secretariat"]
    archive = Department.objects.create(unit=org["office"], parent=secretariat, name="档案室")
    general = Department.objects.create(unit=org["office"], name="综合科", order=1)
    person("13700000001", "孙档案", archive, "科员", 50)
    # Someone in both the parent and the child counts once.
    directory.position_assign(user=staff, department=archive, title="兼职", is_primary=False)
    retired = person("13700000002", "钱退休", archive, "科员", 50)
    retired.is_active = False
    retired.save(update_fields=["is_active"])

    with django_assert_num_queries(3):
        roots = selectors.department_tree(viewer=staff, unit_id=org["office"].pk)
    assert [(r.department.name, r.member_count) for r in roots] == [("秘书科", 4), ("综合科", 0)]
    assert [(c.department.name, c.member_count) for c in roots[0].children] == [("档案室", 2)]
    assert general.pk == roots[1].department.pk


def test_department_tree_of_missing_unit_is_not_found(staff: User) -> None:
    with pytest.raises(NotFound) as caught:
        selectors.department_tree(viewer=staff, unit_id=999_999)
    assert caught.value.code == "unit_not_found"


def test_department_people_by_rank_then_pinyin(
    org: dict[str, Any], director: User, clerk: User, staff: User
) -> None:
    secretariat = org["secretariat"]
    person("13700000003", "艾科员", secretariat, "科员", 90)  # ai… sorts before zhang…
    archive = Department.objects.create(unit=org["office"], parent=secretariat, name="档案室")
    person("13700000004", "孙档案", archive, "科长", 10)

    flat = selectors.department_people(viewer=staff, department_id=secretariat.pk)
    assert names(flat) == ["王建国", "李秀英", "艾科员", "张三"]

    deep = selectors.department_people(viewer=staff, department_id=secretariat.pk, recursive=True)
    assert names(deep) == ["王建国", "孙档案", "李秀英", "艾科员", "张三"]


def test_department_people_prefetches_positions(
    org: dict[str, Any], director: User, staff: User, django_assert_num_queries: Any
) -> None:
    for i in range(10):
        user = person(f"1370000010{i}", f"测试{i}", org["secretariat"], "科员", 90)
        directory.position_assign(user=user, department=org["budget"], title="兼职")
    with django_assert_num_queries(3):
        people = selectors.department_people(viewer=staff, department_id=org["secretariat"].pk)
        units = {p.department.unit.name for u in people for p in u.positions.all()}
    assert units == {"江城市人民政府办公室", "江城市财政局"}


def test_person_get_hides_missing_and_inactive(staff: User, outsider: User) -> None:
    assert selectors.person_get(viewer=staff, person_id=outsider.pk) == outsider
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    for missing in (outsider.pk, 999_999):
        with pytest.raises(NotFound):
            selectors.person_get(viewer=staff, person_id=missing)


# --- search ---------------------------------------------------------------------------


def search(viewer: User, query: str) -> list[str]:
    return names(selectors.people_search(viewer=viewer, query=query))


def test_search_by_name_exact_then_prefix_then_substring(staff: User, crowd: Any) -> None:
    assert search(staff, "张三") == ["张三", "张三丰", "王张三"]
    assert search(staff, " 张 ") == ["张三丰", "张三", "王张三"]  # prefix tier by rank


def test_search_by_initials_and_pinyin(staff: User, crowd: Any) -> None:
    # initials exact (赵四 ranks above 张三), then initials prefix, then nothing else
    assert search(staff, "zs") == ["赵四", "张三", "张三丰"]
    assert search(staff, "ZS") == ["赵四", "张三", "张三丰"]
    # full pinyin: exact, prefix, substring
    assert search(staff, "zhangsan") == ["张三", "张三丰", "王张三"]
    assert search(staff, "zhang san") == ["张三", "张三丰", "王张三"]
    assert search(staff, "wangjian") == ["王建国"]


def test_search_by_phone_digits(org: dict[str, Any], staff: User, crowd: Any) -> None:
    assert search(staff, "138 0000 0003") == ["张三"]
    # Mobiles match only where the viewer may see them (ContactScope): 张三 works in
    # the office, so the finance people's numbers cannot be guessed digit by digit…
    assert search(staff, "00000001") == ["王建国"]
    assert search(staff, "0000001") == ["王建国"]
    # …until a contact role over the city puts everyone in scope.
    directory.role_grant(actor=None, user=staff, unit=org["city"], role=Role.CLERK)
    # same rank (1): pinyin decides, chen… before wang…
    assert search(staff, "00000001") == ["陈志明", "王建国"]
    assert search(staff, "0000001") == ["陈志明", "王建国", "赵四", "张三丰", "王张三"]
    # two digits are too few to mean a phone number
    assert search(staff, "13") == []


def test_search_by_office_phone_reaches_everyone(staff: User, crowd: Any) -> None:
    User.objects.filter(pk=crowd["赵四"].pk).update(office_phone="0571-8765 4321")
    assert search(staff, "87654321") == []  # stored with its separators
    assert search(staff, "8765") == ["赵四"]


def test_search_by_title_and_employee_no(org: dict[str, Any], staff: User, crowd: Any) -> None:
    assert search(staff, "文书") == ["李秀英"]
    assert search(staff, "局长") == ["陈志明", "赵四"]  # 局长 and 副局长, by rank
    employee = directory.user_create(
        mobile="13700000099", name="工号人", password=PASSWORD, employee_no="JC00042"
    )
    # An employee number matches only where the viewer may see it (ContactScope).
    directory.position_assign(user=employee, department=org["budget"], title="科员")
    assert search(staff, "jc00042") == []
    directory.position_assign(user=employee, department=org["secretariat"], title="兼职")
    assert search(staff, "jc00042") == [employee.name]


def test_search_skips_inactive_and_limits(org: dict[str, Any], staff: User) -> None:
    for i in range(60):
        person(f"1360000{i:04d}", f"测试{i}", org["budget"], "科员", 90)
    gone = User.objects.get(mobile="13600000000")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    found = selectors.people_search(viewer=staff, query="测试")
    assert len(found) == 50
    assert gone not in found
    assert len(selectors.people_search(viewer=staff, query="测试", limit=5)) == 5
    assert selectors.people_search(viewer=staff, query="   ") == []


def test_search_escapes_like_wildcards(staff: User, crowd: Any) -> None:
    assert search(staff, "%") == []
    assert search(staff, "_") == []


def test_search_query_count_is_fixed(
    org: dict[str, Any], staff: User, crowd: Any, django_assert_num_queries: Any
) -> None:
    for i in range(20):
        user = person(f"1360001{i:04d}", f"张测{i}", org["budget"], "科员", 90)
        directory.position_assign(user=user, department=org["secretariat"], title="兼职")
    # +1: the viewer's contact scope (selectors.ContactScope)
    with django_assert_num_queries(3):
        found = selectors.people_search(viewer=staff, query="zh")
        titles = [p.title for u in found for p in u.positions.all()]
    assert len(found) == 26  # every zh… in pinyin: 张, 赵, 陈志明, 王张三
    assert "兼职" in titles


# --- presence ---------------------------------------------------------------------------


def test_department_online_lists_colleagues_online_first(
    org: dict[str, Any],
    director: User,
    clerk: User,
    staff: User,
    outsider: User,
    django_assert_num_queries: Any,
) -> None:
    presence.set_connection(staff.pk, "phone", presence.ONLINE)
    presence.set_connection(clerk.pk, "pc", presence.AWAY)
    presence.set_connection(outsider.pk, "pc", presence.ONLINE)  # another department
    with django_assert_num_queries(2):
        found = selectors.department_online(viewer=director, statuses=presence.statuses)
    assert [(f.person.name, f.status) for f in found] == [
        ("张三", "online"),
        ("李秀英", "away"),
    ]
    presence.set_connection(clerk.pk, "pc", None)
    found = selectors.department_online(viewer=staff, statuses=presence.statuses)
    assert [(f.person.name, f.status) for f in found] == [
        ("王建国", "offline"),
        ("李秀英", "offline"),
    ]


def test_department_online_without_position_is_empty(org: dict[str, Any]) -> None:
    loner = directory.user_create(mobile="13700000077", name="无岗位", password=PASSWORD)
    assert selectors.department_online(viewer=loner, statuses=presence.statuses) == []
