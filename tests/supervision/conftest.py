"""Helpers of the 督办 suites: a few more people, and tasks made through the real services.

Cast (on top of tests/conftest.py):
- `director` 王建国 (市府办主任, leader): creates and supervises;
- `finance_head` 陈志明 (财政局预算科 局长): the lead's 责任人 (owner);
- `budget_staff` 孙七 (财政局预算科 科员): gets a sub-task split off the lead;
- `edu_head` 刘洋 (教育局基础教育科 科长): the 协办 part's owner;
- `outsider` 赵六 (财政局预算科 科员): in the owner's unit, in nothing;
- `civil` 周八 (民政局社会救助科 科员): another unit altogether.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.directory import services as directory
from backend.directory.models import Department, User
from backend.supervision import services
from backend.supervision.models import SupervisionTask
from tests.conftest import person
from tests.mobile_api.conftest import (  # noqa: F401 - the REST suite's fixtures, for test_api
    _isolated,
    _responses_match_the_schema,
    client_for,
)


@pytest.fixture
def budget_staff(org: dict[str, Any]) -> User:
    return person("13900000003", "孙七", org["budget"], "科员", 80)


@pytest.fixture
def edu(org: dict[str, Any]) -> Department:
    unit = directory.unit_create(
        name="江城市教育局",
        short_name="教育局",
        parent=org["city"],
        level="city",
        kind="department",
        code="JC-EDU",
    )
    return Department.objects.create(unit=unit, name="基础教育科")


@pytest.fixture
def edu_head(edu: Department) -> User:
    return person("13700000001", "刘洋", edu, "科长", 1, leader=True)


@pytest.fixture
def civil(org: dict[str, Any]) -> User:
    unit = directory.unit_create(
        name="江城市民政局",
        short_name="民政局",
        parent=org["city"],
        level="city",
        kind="department",
        code="JC-CA",
    )
    return person(
        "13600000001", "周八", Department.objects.create(unit=unit, name="社会救助科"), "科员", 90
    )


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def create(
    actor: User,
    owner: User,
    *,
    assists: tuple[User, ...] = (),
    deadline: int = 30,
    **extra: Any,
) -> SupervisionTask:
    return services.task_create(
        actor=actor,
        data=services.TaskInput(
            title=extra.pop("title", "推进政务服务一网通办"),
            deadline=days(deadline),
            lead=services.PartInput(owner_id=owner.pk),
            assists=[services.PartInput(owner_id=a.pk) for a in assists],
            source=extra.pop("source", "meeting"),
            requirement=extra.pop("requirement", "按期完成，每周反馈进展。"),
            **extra,
        ),
    )


def split(
    actor: User, parent: SupervisionTask, owner: User, *, deadline: int = 20, **extra: Any
) -> SupervisionTask:
    return services.task_split(
        actor=actor,
        task_id=parent.pk,
        data=services.SplitInput(
            title=extra.pop("title", "梳理事项清单"),
            deadline=days(deadline),
            part=services.PartInput(owner_id=owner.pk),
            **extra,
        ),
    )
