"""The demo's approvals: seeded through the services, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from backend.approvals.models import Approval
from backend.directory.models import User
from backend.todo import registry

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_approvals_reach_the_demo_logins() -> None:
    call_command("seed_demo", "--password", "demo-pass-2026", verbosity=0)
    call_command("seed_approvals", "--if-empty", verbosity=0)
    call_command("seed_approvals", "--if-empty", verbosity=0)
    assert sorted(Approval.objects.values_list("title", "status")) == [
        ("张晓明的会议室预约申请", "approved"),
        ("张晓明的请假申请", "running"),
        ("李秀英的用车申请", "running"),
    ]
    head = User.objects.get(mobile="13800000007")  # 吴晓燕, 张晓明's section head
    assert registry.counts_for(head)["approvals"] == 1
