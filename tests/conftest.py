"""Shared fixtures: a small, named organisation built with the real services.

People (stable names, one place):
- `director`  王建国, 市政府办公室 主任 (leader, unit admin)
- `clerk`     李秀英, 市政府办公室 文书 (document clerk)
- `staff`     张三,   市政府办公室 科员
- `finance_head` 陈志明, 市财政局 局长 — a department head in another unit
- `outsider`  赵六,   市财政局 科员 — in no conversation unless a test adds them
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from backend.directory import services as directory
from backend.directory.models import Department, Role, User
from realtime.events import SentEvent, capture_events

PASSWORD = "Zt-test-2026!"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """In CI the integration suite must run: missing services fail, never skip."""
    if os.environ.get("CI") == "true" and not settings.REDIS_URL:
        raise pytest.UsageError("CI=true needs REDIS_URL (and DATABASE_URL) for integration tests")


IN_MEMORY_LAYER = {
    "default": {
        "BACKEND": "channels.layers.InMemoryChannelLayer",
        "CONFIG": {"capacity": 20000, "expiry": 60},
    }
}


LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def in_process_channel_layer(settings: Any) -> Iterator[None]:
    """In-process tests use the in-memory layer and cache even when REDIS_URL is set.

    Each async test runs on its own event loop and channels-redis connections
    are bound to a loop; Redis is exercised for real by `tests/integration`,
    whose daphne processes get REDIS_URL from the environment.
    """
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    # Likewise the cache: tests clear it, and on Redis that would be FLUSHDB.
    settings.CACHES = LOCAL_CACHE
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def require_postgresql(why: str) -> None:
    """PostgreSQL-only checks skip on the embedded SQLite, and fail in CI if it is missing."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs PostgreSQL: {why}")
    pytest.skip(f"{why} (PostgreSQL only; CI runs it)")


@pytest.fixture
def private_media(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Uploads land in a per-test folder; the cache (presence, throttles) starts empty."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db: Any) -> dict[str, Any]:
    city = directory.unit_create(
        name="江城市人民政府", short_name="市政府", level="city", kind="government", code="JC-GOV"
    )
    office = directory.unit_create(
        name="江城市人民政府办公室",
        short_name="市府办",
        parent=city,
        level="city",
        kind="department",
        code="JC-GOV-OFFICE",
    )
    finance = directory.unit_create(
        name="江城市财政局",
        short_name="财政局",
        parent=city,
        level="city",
        kind="department",
        code="JC-FIN",
    )
    secretariat = Department.objects.create(unit=office, name="秘书科")
    budget = Department.objects.create(unit=finance, name="预算科")
    return {
        "city": city,
        "office": office,
        "finance": finance,
        "secretariat": secretariat,
        "budget": budget,
    }


def person(
    mobile: str, name: str, department: Department, title: str, rank: int, leader: bool = False
) -> User:
    """A person (password PASSWORD) holding one post, made through the directory services."""
    user = directory.user_create(mobile=mobile, name=name, password=PASSWORD)
    directory.position_assign(
        user=user, department=department, title=title, rank=rank, is_leader=leader
    )
    return user


@pytest.fixture
def director(org: dict[str, Any]) -> User:
    user = person("13800000001", "王建国", org["secretariat"], "主任", 1, leader=True)
    directory.role_grant(actor=None, user=user, unit=org["office"], role=Role.UNIT_ADMIN)
    directory.role_grant(actor=None, user=user, unit=org["office"], role=Role.LEADER)
    return user


@pytest.fixture
def clerk(org: dict[str, Any]) -> User:
    user = person("13800000002", "李秀英", org["secretariat"], "文书", 50)
    directory.role_grant(actor=None, user=user, unit=org["office"], role=Role.CLERK)
    return user


@pytest.fixture
def staff(org: dict[str, Any]) -> User:
    return person("13800000003", "张三", org["secretariat"], "科员", 90)


@pytest.fixture
def finance_head(org: dict[str, Any]) -> User:
    return person("13900000001", "陈志明", org["budget"], "局长", 1, leader=True)


@pytest.fixture
def outsider(org: dict[str, Any]) -> User:
    return person("13900000002", "赵六", org["budget"], "科员", 90)


@pytest.fixture
def crowd(
    org: dict[str, Any],
    director: User,
    clerk: User,
    staff: User,
    finance_head: User,
    outsider: User,
) -> dict[str, User]:
    """Three more people in 预算科, made after the five above, whose names and pinyin
    overlap theirs (张三丰, 王张三, 赵四): what the people-search tests rank."""
    return {
        name: person(mobile, name, org["budget"], title, rank)
        for mobile, name, title, rank in (
            ("13700000011", "张三丰", "科长", 10),
            ("13700000012", "王张三", "科员", 90),
            ("13700000013", "赵四", "副局长", 2),
        )
    }


@pytest.fixture
def events() -> Iterator[list[SentEvent]]:
    """Events published (after commit) during the test: payload and recipients."""
    with capture_events() as sink:
        yield sink


def events_of(sink: list[SentEvent], name: str) -> list[SentEvent]:
    return [e for e in sink if e.event.get("event") == name]


@pytest.fixture
def login_rate(settings: Any) -> Iterator[None]:
    """The login rate limit (scope `login`) down to 3 a minute, with a fresh cache."""
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "login": "3/min"}
    settings.REST_FRAMEWORK = rest
    api_settings.reload()
    old = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    cache.clear()
    yield
    ScopedRateThrottle.THROTTLE_RATES = old
    cache.clear()
