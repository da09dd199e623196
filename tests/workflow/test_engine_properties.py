"""The engine's invariants under random actions by random people (a hypothesis state machine).

Each example starts one run of a randomly shaped flow (1–3 approver steps,
each 依次/会签/或签 with 1–3 people, sometimes a CC step) and lets anyone try
any action. Refusals are expected; what must always hold:

- the state is one of the five, and once terminal it never changes;
- a running instance has open tasks, all on its current step, and at least
  one of them actionable; a returned or ended one has none;
- history only grows: seq is 1..n without gaps and old entries never change;
- only a current handler's action (or the initiator's own) writes history;
- driven to completion, every instance ends in exactly one terminal state.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from backend.common.errors import ZtError
from backend.directory import services as directory
from backend.directory.models import User
from backend.workflow.models import Instance, Task
from backend.workflow.services import ActParams, definition_save, instance_act, instance_start
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

ACTIONS = (
    "approve",
    "approve",
    "approve",
    "reject",
    "return",
    "transfer",
    "add_sign",
    "comment",
    "urge",
    "withdraw",
    "resubmit",
)
HANDLER_ACTIONS = {"approve", "reject", "return", "transfer", "add_sign"}
TERMINAL = {"approved", "rejected", "withdrawn"}


def _people(org: dict[str, Any]) -> list[User]:
    people = []
    for i in range(5):
        user = directory.user_create(mobile=f"1370000000{i}", name=f"人员{i}", password=PASSWORD)
        directory.position_assign(
            user=user, department=org["secretariat"], title="科员", rank=50 + i
        )
        people.append(user)
    return people


step_shapes = st.lists(
    st.tuples(
        st.sampled_from(["sequential", "all", "any"]),
        st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True),
    ),
    min_size=1,
    max_size=3,
)


class EngineMachine(RuleBasedStateMachine):
    people: list[User] = []
    counter = 0

    def __init__(self) -> None:
        super().__init__()
        self.instance: Instance | None = None
        self.history: list[tuple[int, str, int | None]] = []
        self.ended_as: str | None = None

    @initialize(shape=step_shapes, cc=st.booleans(), initiator=st.integers(0, 4))
    def start(self, shape: list[tuple[str, list[int]]], cc: bool, initiator: int) -> None:
        nodes: list[dict[str, Any]] = [
            {
                "id": f"n{i}",
                "type": "approver",
                "name": f"第{i + 1}步",
                "mode": mode,
                "assignees": {"kind": "users", "users": [self.people[j].pk for j in who]},
            }
            for i, (mode, who) in enumerate(shape)
        ]
        if cc:
            nodes.insert(
                1,
                {
                    "id": "c1",
                    "type": "cc",
                    "name": "抄送",
                    "assignees": {"kind": "users", "users": [self.people[0].pk]},
                },
            )
        EngineMachine.counter += 1
        version = definition_save(key=f"prop-{EngineMachine.counter}", name="性质", nodes=nodes)
        self.instance = instance_start(
            version=version,
            subject_type="property",
            subject_id=str(EngineMachine.counter),
            initiator=self.people[initiator],
            facts={},
            chosen={},
        )
        self.history = self._history()

    def _history(self) -> list[tuple[int, str, int | None]]:
        assert self.instance is not None
        return list(self.instance.history.order_by("seq").values_list("seq", "action", "actor_id"))

    def _refresh(self) -> Instance:
        assert self.instance is not None
        self.instance.refresh_from_db()
        return self.instance

    @rule(
        who=st.integers(0, 4),
        action=st.sampled_from(ACTIONS),
        other=st.integers(0, 4),
        position=st.sampled_from(["before", "after"]),
        back=st.booleans(),
    )
    def act(self, who: int, action: str, other: int, position: str, back: bool) -> None:
        instance = self._refresh()
        actor = self.people[who]
        pending = set(
            instance.tasks.filter(state=Task.State.PENDING).values_list("assignee_id", flat=True)
        )
        earlier = [
            s["id"] for s in instance.route[: instance.current_index] if s["type"] == "approver"
        ]
        params = ActParams(
            opinion="意见",
            user_id=self.people[other].pk,
            position=position,
            target=earlier[-1] if back and earlier else "initiator",
        )
        before = len(self.history)
        try:
            instance_act(instance_id=instance.pk, actor=actor, action=action, params=params)
        except ZtError:
            assert self._history() == self.history, "a refused action wrote history"
            return
        self.history = self._history()
        wrote = len(self.history) > before
        if wrote and action in HANDLER_ACTIONS:
            assert actor.pk in pending, "someone who was not a current handler acted"
        if wrote and action in {"urge", "withdraw", "resubmit"}:
            assert actor.pk == instance.initiator_id

    @invariant()
    def states_are_consistent(self) -> None:
        if self.instance is None:
            return
        instance = self._refresh()
        open_tasks = list(instance.tasks.filter(state__in=Task.OPEN))
        if self.ended_as is not None:
            assert instance.state == self.ended_as, "a finished instance changed state"
        if instance.state in TERMINAL:
            self.ended_as = instance.state
            assert open_tasks == []
            assert instance.ended_at is not None
            assert [a for _, a, _ in self.history].count("finish") == 1
        elif instance.state == "returned":
            assert open_tasks == []
        else:
            assert instance.state == "running"
            assert {t.step_index for t in open_tasks} == {instance.current_index}
            assert any(t.state == Task.State.PENDING for t in open_tasks)

    @invariant()
    def history_only_grows(self) -> None:
        if self.instance is None:
            return
        current = self._history()
        assert current[: len(self.history)] == self.history
        assert [seq for seq, _, _ in current] == list(range(1, len(current) + 1))
        self.history = current

    def teardown(self) -> None:
        """Drive the run to its end: handlers approve, a returned request is withdrawn."""
        if self.instance is None:
            return
        for _ in range(60):
            instance = self._refresh()
            if instance.state in TERMINAL:
                break
            if instance.state == "returned":
                instance_act(instance_id=instance.pk, actor=instance.initiator, action="withdraw")
                continue
            task = (
                instance.tasks.filter(state=Task.State.PENDING).select_related("assignee").first()
            )
            assert task is not None
            instance_act(instance_id=instance.pk, actor=task.assignee, action="approve")
        instance = self._refresh()
        assert instance.state in TERMINAL, "the run never ended"
        assert not instance.tasks.filter(state__in=Task.OPEN).exists()
        finishes = instance.history.filter(action="finish").count()
        assert finishes == 1


def test_engine_invariants(org: dict[str, Any]) -> None:
    EngineMachine.people = _people(org)
    EngineMachine.TestCase.settings = hsettings(
        max_examples=40,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    EngineMachine.TestCase().runTest()
