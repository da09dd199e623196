"""The demo's 督办: a 常务会议 decision over three bureaus, one green, one yellow, one red."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from backend.directory.models import User
from backend.supervision import selectors
from backend.supervision.models import Report, SupervisionTask
from backend.todo import registry

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_supervision_shows_every_light_to_the_demo_logins() -> None:
    call_command("seed_demo", "--password", "demo-pass-2026", verbosity=0)
    call_command("seed_supervision", "--if-empty", verbosity=0)
    call_command("seed_supervision", "--if-empty", verbosity=0)
    [root] = SupervisionTask.objects.filter(parent__isnull=True)
    nodes = selectors.subtree(root)
    computed = selectors.compute(nodes)
    subs = {n.title: computed.lights[n.pk].light for n in nodes if n.role == "sub"}
    assert subs == {
        "统筹涉企资金拨付": "green",
        "压缩工程建设项目审批时限": "yellow",
        "企业开办一网通办上线": "red",
    }
    assert {n.unit.short_name for n in nodes if n.role == "sub"} == {
        "财政局",
        "住建局",
        "数据资源局",
    }
    assert computed.rollups[root.pk].light == "red"
    assert computed.rollups[root.pk].counts["total"] == 3
    assert Report.objects.count() == 4
    director = User.objects.get(mobile="13800000001")
    assert selectors.task_get(viewer=director, task_id=root.pk) == root
    red_owner = User.objects.get(mobile="13800000000")  # 孙立平
    assert [i.kind for i in registry.items_for(red_owner) if i.app == "supervision"] == ["overdue"]
