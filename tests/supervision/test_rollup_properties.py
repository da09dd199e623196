"""Roll-ups always agree with the leaves (hypothesis): after random splits, reports and
completions through the real services, on any day, for every node of the tree:

- `counts` are the leaves of its subtree by their own light, `total` their number;
- `percent` is the rounded mean of the leaves' percentages (a finished leaf counts 100);
- `light` is the worst own light of any node in the subtree;
- a node's counts are the sums of its children's; a finished node's subtree is all done;
- the light computed in SQL for the 看板 (`selectors.own_light_sql`) is the Python one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from backend.common.errors import ZtError
from backend.directory import services as directory
from backend.directory.models import User
from backend.supervision import lights, selectors, services
from backend.supervision.models import SupervisionTask
from tests.conftest import PASSWORD
from tests.supervision.conftest import create, days

pytestmark = pytest.mark.django_db(transaction=True)

operation = st.one_of(
    st.tuples(st.just("split"), st.integers(0, 30), st.integers(0, 3), st.integers(0, 25)),
    st.tuples(st.just("report"), st.integers(0, 30), st.integers(0, 99), st.just(0)),
    st.tuples(st.just("finish"), st.integers(0, 30), st.just(0), st.just(0)),
)


def _people(org: dict[str, Any]) -> list[User]:
    people = []
    for i in range(4):
        user = directory.user_create(mobile=f"1350000000{i}", name=f"干部{i}", password=PASSWORD)
        directory.position_assign(user=user, department=org["budget"], title="科员", rank=50 + i)
        people.append(user)
    return people


def _apply(op: tuple[str, int, int, int], nodes: list[SupervisionTask], people: list[User]) -> None:
    kind, index, arg, extra = op
    node = nodes[index % len(nodes)]
    node.refresh_from_db()
    owner = node.owner
    try:
        if kind == "split":
            deadline = min(node.deadline, days(extra))
            services.task_split(
                actor=owner,
                task_id=node.pk,
                data=services.SplitInput(
                    title=f"子任务{len(nodes)}",
                    deadline=deadline,
                    part=services.PartInput(owner_id=people[arg].pk),
                ),
            )
        elif kind == "report":
            services.report_submit(actor=owner, task_id=node.pk, text="进展", percent=arg)
        else:
            services.finish_apply(actor=owner, task_id=node.pk, result="完成")
            services.application_decide(actor=node.supervisor, task_id=node.pk, decision="approve")
    except ZtError:
        pass  # refused (a finished task, open sub-tasks…): nothing changed


def _check(root: SupervisionTask, offset: int) -> None:
    nodes = selectors.subtree(root)
    on = lights.today() + timedelta(days=offset)
    computed = selectors.compute(nodes, on)
    by_id = {n.pk: n for n in nodes}
    # The 看板 counts lights in SQL: the same light as lights.light_of for every node.
    in_sql = dict(
        selectors.with_nearest(SupervisionTask.objects.filter(pk__in=by_id))
        .annotate(own=selectors.own_light_sql(on))
        .values_list("pk", "own")
    )
    assert in_sql == {pk: light.light for pk, light in computed.lights.items()}
    kids: dict[int, list[int]] = {}
    for n in nodes:
        if n.parent_id is not None:
            kids.setdefault(n.parent_id, []).append(n.pk)
    for node in nodes:
        below = [n for n in nodes if n.path.startswith(node.path)]
        leaves = [n for n in below if n.pk not in kids]
        up = computed.rollups[node.pk]
        expected_counts = dict.fromkeys(lights.LIGHTS, 0)
        for leaf in leaves:
            expected_counts[computed.lights[leaf.pk].light] += 1
        assert up.counts == {**expected_counts, "total": len(leaves)}
        percents = [100 if leaf.status == "done" else leaf.percent for leaf in leaves]
        assert up.percent == round(sum(percents) / len(percents))
        assert up.light == lights.worst(computed.lights[n.pk].light for n in below)
        if node.pk in kids:
            for name in (*lights.LIGHTS, "total"):
                assert up.counts[name] == sum(
                    computed.rollups[k].counts[name] for k in kids[node.pk]
                )
        if node.status == "done":
            assert all(by_id[n.pk].status == "done" for n in below)
            assert (up.light, up.percent) == ("done", 100)


@pytest.fixture
def people(org: dict[str, Any]) -> list[User]:
    return _people(org)


def test_rollups_agree_with_the_leaves(director: User, people: list[User]) -> None:
    @hsettings(
        max_examples=12,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        ops=st.lists(operation, min_size=1, max_size=12),
        offsets=st.lists(st.integers(-5, 40), min_size=1, max_size=3),
    )
    def run(ops: list[tuple[str, int, int, int]], offsets: list[int]) -> None:
        root = create(director, people[0], deadline=25, title="随机事项")
        for op in ops:
            nodes = selectors.subtree(root)
            _apply(op, nodes, people)
        for offset in offsets:
            _check(root, offset)

    run()
    # The examples did reach deep trees and finished parts (not only single roots).
    assert SupervisionTask.objects.filter(depth__gte=2).exists()
    assert SupervisionTask.objects.filter(status="done", depth__gte=1).exists()
