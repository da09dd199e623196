"""Directory over REST: every endpoint, its errors and its query budget."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from PIL import Image
from rest_framework.test import APIClient

from backend.directory import services as directory
from backend.directory.models import Department, User
from realtime import presence
from tests.conftest import PASSWORD

ENDPOINTS = (
    "/api/v1/directory/units",
    "/api/v1/directory/units/1/departments",
    "/api/v1/directory/departments/1/people",
    "/api/v1/directory/search?q=zs",
    "/api/v1/directory/online",
    "/api/v1/people/1",
    "/api/v1/people/1/avatar",
)


@pytest.fixture(autouse=True)
def _fresh_presence() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(staff: User) -> APIClient:
    client = APIClient()
    # Skips the session lookups, so query counts below are the view's own.
    client.force_authenticate(staff)
    return client


def get(client: APIClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    return response.json()


def names(people: list[dict[str, Any]]) -> list[str]:
    return [p["name"] for p in people]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_endpoint_needs_login(db: Any, url: str) -> None:
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unit_tree(api: APIClient, org: dict[str, Any], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        body = get(api, "/api/v1/directory/units")
    assert body == [
        {
            "id": org["city"].pk,
            "name": "江城市人民政府",
            "short_name": "市政府",
            "level": "city",
            "kind": "government",
            "parent_id": None,
            "children": [
                {
                    "id": org["office"].pk,
                    "name": "江城市人民政府办公室",
                    "short_name": "市府办",
                    "level": "city",
                    "kind": "department",
                    "parent_id": org["city"].pk,
                    "children": [],
                },
                {
                    "id": org["finance"].pk,
                    "name": "江城市财政局",
                    "short_name": "财政局",
                    "level": "city",
                    "kind": "department",
                    "parent_id": org["city"].pk,
                    "children": [],
                },
            ],
        }
    ]


def test_unit_departments_tree(
    api: APIClient,
    org: dict[str, Any],
    director: User,
    clerk: User,
    staff: User,
    django_assert_num_queries: Any,
) -> None:
    archive = Department.objects.create(
        unit=org["office"], parent=org["secretariat"], name="档案室"
    )
    with django_assert_num_queries(3):
        body = get(api, f"/api/v1/directory/units/{org['office'].pk}/departments")
    assert body == [
        {
            "id": org["secretariat"].pk,
            "name": "秘书科",
            "parent_id": None,
            "member_count": 3,
            "children": [
                {
                    "id": archive.pk,
                    "name": "档案室",
                    "parent_id": org["secretariat"].pk,
                    "member_count": 0,
                    "children": [],
                }
            ],
        }
    ]
    missing = get(api, "/api/v1/directory/units/999999/departments", 404)
    assert missing["error"]["code"] == "unit_not_found"


def test_department_people_in_rank_order_with_positions(
    api: APIClient,
    org: dict[str, Any],
    director: User,
    clerk: User,
    staff: User,
    django_assert_num_queries: Any,
) -> None:
    directory.position_assign(
        user=director, department=org["budget"], title="兼职", is_primary=False
    )
    presence.set_connection(clerk.pk, "phone", presence.ONLINE)
    url = f"/api/v1/directory/departments/{org['secretariat'].pk}/people"
    # +1: the viewer's contact scope (selectors.ContactScope), once per request
    with django_assert_num_queries(4):
        body = get(api, url)
    assert names(body) == ["王建国", "李秀英", "张三"]
    assert body[0] == {
        "id": director.pk,
        "name": "王建国",
        "mobile": "13800000001",
        "mobile_masked": False,
        "office_phone": "",
        "avatar": None,
        "employee_no": "",
        "presence": "offline",
        "positions": [
            {
                "unit_id": org["office"].pk,
                "unit_name": "江城市人民政府办公室",
                "department_id": org["secretariat"].pk,
                "department_name": "秘书科",
                "title": "主任",
                "is_leader": True,
            },
            {
                "unit_id": org["finance"].pk,
                "unit_name": "江城市财政局",
                "department_id": org["budget"].pk,
                "department_name": "预算科",
                "title": "兼职",
                "is_leader": False,
            },
        ],
    }
    assert body[1]["presence"] == "online"
    assert get(api, "/api/v1/directory/departments/999999/people", 404)["error"]["code"] == (
        "department_not_found"
    )


def test_department_people_recursive(
    api: APIClient, org: dict[str, Any], director: User, staff: User
) -> None:
    archive = Department.objects.create(
        unit=org["office"], parent=org["secretariat"], name="档案室"
    )
    keeper = directory.user_create(mobile="13700000001", name="孙档案", password=PASSWORD)
    directory.position_assign(user=keeper, department=archive, title="科长", rank=10)
    url = f"/api/v1/directory/departments/{org['secretariat'].pk}/people"
    assert names(get(api, url)) == ["王建国", "张三"]
    assert names(get(api, f"{url}?recursive=1")) == ["王建国", "孙档案", "张三"]


def test_department_people_query_count_does_not_grow(
    api: APIClient, org: dict[str, Any], django_assert_num_queries: Any
) -> None:
    for i in range(25):
        user = directory.user_create(mobile=f"137000001{i:02d}", name=f"测试{i}", password=None)
        directory.position_assign(user=user, department=org["budget"], title="科员")
        directory.position_assign(user=user, department=org["secretariat"], title="兼职")
    # +1: the viewer's contact scope (selectors.ContactScope), once per request
    with django_assert_num_queries(5):
        body = get(api, f"/api/v1/directory/departments/{org['budget'].pk}/people?recursive=1")
    assert len(body) == 25


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", ["张三", "张三丰", "王张三"]),  # exact, prefix, substring
        ("zhangsan", ["张三", "张三丰", "王张三"]),  # full pinyin
        ("zs", ["赵四", "张三", "张三丰"]),  # initials: exact tier by rank, then prefix
        ("13800000003", ["张三"]),  # phone
        # digits: rank, pinyin; mobiles only of the viewer's unit (ContactScope)
        ("0000000", ["王建国", "李秀英", "张三"]),
        ("文书", ["李秀英"]),  # title
        ("局长", ["陈志明", "赵四"]),
        ("赵", ["赵四", "赵六"]),  # name prefix tier: rank 2 before 90
        ("nobody", []),
    ],
)
def test_search(api: APIClient, crowd: Any, query: str, expected: list[str]) -> None:
    assert names(get(api, f"/api/v1/directory/search?q={query}")) == expected


def test_search_finds_across_units_with_positions(
    api: APIClient, crowd: Any, org: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # +1: the viewer's contact scope (selectors.ContactScope), once per request
    with django_assert_num_queries(3):
        body = get(api, "/api/v1/directory/search?q=chenzhiming")
    assert names(body) == ["陈志明"]
    assert body[0]["positions"][0]["unit_name"] == "江城市财政局"


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?q=" + "长" * 51])
def test_search_rejects_bad_queries(api: APIClient, query: str) -> None:
    body = get(api, f"/api/v1/directory/search{query}", 400)
    assert body["error"]["code"] == "invalid_query"
    assert "搜索" in body["error"]["message"]


def test_search_accepts_fifty_chars(api: APIClient) -> None:
    assert get(api, "/api/v1/directory/search?q=" + "长" * 50) == []


def test_person_detail(api: APIClient, outsider: User, django_assert_num_queries: Any) -> None:
    presence.set_connection(outsider.pk, "pc", presence.AWAY)
    # +1: the viewer's contact scope (selectors.ContactScope), once per request
    with django_assert_num_queries(3):
        body = get(api, f"/api/v1/people/{outsider.pk}")
    assert body["name"] == "赵六"
    assert body["presence"] == "away"
    assert [p["title"] for p in body["positions"]] == ["科员"]
    assert get(api, "/api/v1/people/999999", 404)["error"]["code"] == "person_not_found"
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    get(api, f"/api/v1/people/{outsider.pk}", 404)


def test_person_avatar(api: APIClient, outsider: User, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = api.get(f"/api/v1/people/{outsider.pk}/avatar")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "avatar_not_found"

    png = BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, format="PNG")
    # No avatar upload service exists yet; store the file as one would.
    outsider.avatar.save("zhaoliu.png", ContentFile(png.getvalue()))
    body = get(api, f"/api/v1/people/{outsider.pk}")
    assert body["avatar"] == f"/api/v1/people/{outsider.pk}/avatar"
    response = api.get(body["avatar"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png.getvalue()


def test_online_lists_my_departments_people_online_first(
    org: dict[str, Any],
    director: User,
    clerk: User,
    staff: User,
    outsider: User,
    django_assert_num_queries: Any,
) -> None:
    client = APIClient()
    client.force_authenticate(director)
    presence.set_connection(staff.pk, "phone", presence.ONLINE)
    presence.set_connection(outsider.pk, "pc", presence.ONLINE)
    # +2: the contact scope of a role holder (selectors.ContactScope), once per request
    with django_assert_num_queries(4):
        body = get(client, "/api/v1/directory/online")
    assert [(p["name"], p["presence"]) for p in body] == [("张三", "online"), ("李秀英", "offline")]
    assert body[0]["positions"][0]["department_name"] == "秘书科"


def test_session_login_reaches_the_directory(client: Any, staff: User) -> None:
    response = client.post(
        "/api/v1/auth/login",
        {"mobile": "13800000003", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/directory/search?q=zs").json()[0]["name"] == "张三"
