"""Odd input is a clear 400, never a 500: huge ids, NUL bytes, deep JSON, empty lists.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL (where NUL in text and
integers beyond bigint used to be driver errors).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLResolver, get_resolver
from django.urls.converters import IntConverter

from backend.common.input_guard import IdConverter
from realtime import services
from realtime.models import Message
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"  # beyond bigint


@pytest.fixture
def group(director: Any, clerk: Any, staff: Any) -> Any:
    return services.group_create(actor=director, name="工作群", member_ids=[clerk.pk, staff.pk])


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/conversations/{HUGE}",
        f"/api/v1/conversations/{HUGE}/messages",
        f"/api/v1/conversations/{HUGE}/members/1",
        f"/api/v1/messages/{HUGE}/receipts",
        f"/api/v1/people/{HUGE}",
        f"/api/v1/approvals/{HUGE}",
        f"/api/v1/directory/units/{HUGE}/departments",
    ],
)
def test_ids_beyond_bigint_in_the_path(client_for: Any, director: Any, url: str) -> None:
    assert error_of(client_for(director).get(url)) == (400, "out_of_range")


def test_numbers_in_query_strings(client_for: Any, director: Any, group: Any) -> None:
    client = client_for(director)
    base = f"/api/v1/conversations/{group.pk}"
    for url in (
        f"{base}/messages?before_seq={HUGE}",
        f"{base}/receipts?seqs=1,{HUGE}",
        f"/api/v1/messages/search?q=群&conversation_id={HUGE}",
        f"/api/v1/approvals?box=mine&before={HUGE}",
    ):
        assert error_of(client.get(url)) == (400, "out_of_range"), url
    for seqs in ("", ",,", " "):
        assert error_of(client.get(f"{base}/receipts?seqs={seqs}")) == (400, "invalid_field")
    assert error_of(client.get(f"{base}/receipts?seqs=1,x")) == (400, "invalid_field")
    assert client.get(f"{base}/receipts?seqs=1").status_code == 200


def test_nul_in_a_query_never_matches_everyone(client_for: Any, director: Any, group: Any) -> None:
    client = client_for(director)
    for url in (
        "/api/v1/messages/search?q=%00",
        "/api/v1/messages/search?q=%E7%BE%A4%00",
        "/api/v1/people/search?q=%00",
        "/api/v1/approvals?box=mine&q=%00",
        "/api/v1/conversations?x%00=1",
    ):
        response = client.get(url)
        assert error_of(response) == (400, "nul_character"), url
        assert response.json()["error"]["message"] == "输入中不能含有空字符"


def test_bodies_with_nul_huge_numbers_or_deep_nesting(
    client_for: Any, director: Any, group: Any
) -> None:
    client = client_for(director)
    url = f"/api/v1/conversations/{group.pk}/messages"
    before = Message.objects.count()

    def post(raw: str, to: str = url) -> Any:
        return client.post(to, raw, content_type="application/json")

    assert error_of(post('{"text": "a\\u0000b"}')) == (400, "nul_character")
    assert error_of(post('{"text": "ok", "x\\u0000": 1}')) == (400, "nul_character")
    assert error_of(post('{"text": "ok", "reply_to": ' + HUGE + "}")) == (400, "out_of_range")
    assert error_of(post(f'{{"seq": {HUGE}}}', f"/api/v1/conversations/{group.pk}/read")) == (
        400,
        "out_of_range",
    )
    deep = "[" * 100_000 + "]" * 100_000
    assert error_of(post(deep)) == (400, "too_deep")
    assert error_of(post('{"text": "ok", "x": ' + "[" * 40 + "]" * 40 + "}")) == (400, "too_deep")
    assert error_of(post('{"text": ')) == (400, "malformed_request")
    assert Message.objects.count() == before
    assert post('{"text": "正常的消息", "x": [[[1]]]}').status_code == 201


def test_sending_over_rest_is_rate_limited_per_person(
    settings: Any, client_for: Any, director: Any, clerk: Any, group: Any
) -> None:
    settings.ZT_SEND_RATE_PER_SECOND = 0.5
    settings.ZT_SEND_RATE_WINDOW_SECONDS = 10  # 5 sends per 10 s
    url = f"/api/v1/conversations/{group.pk}/messages"
    phone, desk = client_for(director), client_for(director)
    for i in range(5):
        client = phone if i % 2 else desk  # two logins of one person share the limit
        sent = client.post(url, {"text": f"第{i}条"}, content_type="application/json")
        assert sent.status_code == 201
    before = Message.objects.count()
    refused = phone.post(url, {"text": "第6条"}, content_type="application/json")
    assert error_of(refused) == (429, "send_rate_limited")
    assert refused.json()["error"]["message"] == "发送过于频繁，请稍后再试"
    assert Message.objects.count() == before
    # Another person has a limit of their own.
    other = client_for(clerk).post(url, {"text": "我的"}, content_type="application/json")
    assert other.status_code == 201


def test_every_integer_in_a_url_is_a_bounded_id() -> None:
    """New routes use `<id:…>`, never `<int:…>` (which lets 10**20 reach the database)."""

    def walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
        found = []
        for entry in patterns:
            route = prefix + str(entry.pattern)
            found += [(route, c) for c in getattr(entry.pattern, "converters", {}).values()]
            if isinstance(entry, URLResolver):
                found += walk(entry.url_patterns, route)
        return found

    converters = walk(get_resolver().url_patterns)
    api = [(route, c) for route, c in converters if route.startswith("api/")]
    assert any(isinstance(c, IdConverter) for _, c in api)
    assert [route for route, c in api if isinstance(c, IntConverter)] == []
