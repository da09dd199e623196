"""Helpers for engine tests: flows started on a test subject, a recording listener."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from backend.directory import services as directory
from backend.directory.models import User
from backend.workflow import listeners
from backend.workflow.listeners import Change
from backend.workflow.models import Instance
from backend.workflow.services import ActParams, definition_save, instance_act, instance_start
from tests.conftest import PASSWORD

_subjects = itertools.count(1)


class Recorder:
    def __init__(self) -> None:
        self.changes: list[tuple[int, Change]] = []

    def on_change(self, instance: Instance, change: Change) -> None:
        self.changes.append((instance.pk, change))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    listeners.register("test", recorder)
    yield recorder
    listeners.register("test", Recorder())


def approver(
    node_id: str, assignees: dict[str, Any], mode: str = "sequential", **extra: Any
) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "approver",
        "name": f"审批{node_id}",
        "assignees": assignees,
        "mode": mode,
        **extra,
    }


def users(*people: User) -> dict[str, Any]:
    return {"kind": "users", "users": [p.pk for p in people]}


def start(
    nodes: list[dict[str, Any]],
    initiator: User,
    facts: dict[str, Any] | None = None,
    chosen: dict[str, list[int]] | None = None,
) -> Instance:
    version = definition_save(key=f"test-{next(_subjects)}", name="测试流程", nodes=nodes)
    return instance_start(
        version=version,
        subject_type="test",
        subject_id=str(next(_subjects)),
        initiator=initiator,
        facts=facts or {},
        chosen=chosen or {},
    )


def act(instance: Instance, actor: User, action: str, **params: Any) -> Instance:
    return instance_act(
        instance_id=instance.pk, actor=actor, action=action, params=ActParams(**params)
    )


def person(org: dict[str, Any], mobile: str, name: str, leader: bool = False) -> User:
    user = directory.user_create(mobile=mobile, name=name, password=PASSWORD)
    directory.position_assign(
        user=user, department=org["secretariat"], title="副主任", rank=2, is_leader=leader
    )
    return user
