"""Seed a leave request whose first step is already past its deadline (a subprocess).

Run as ``python -m tests.integration.seed_approval``; spec on stdin
``{"head": {"mobile", "name"}, "staff": {"mobile", "name"}, "code": "…"}``;
prints ``{"head": {"id", "mobile"}, "approval": id, "task": id}``.

The request is submitted through the services as in production; then, to
let time pass without waiting a day, the task's due time and its deadline
job's run time are moved to now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.harness import seed_main
from tests.integration.seed import PASSWORD


def run(spec: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from backend.approvals import services
    from backend.approvals.models import Template
    from backend.directory import services as directory
    from backend.directory.models import Department
    from backend.workflow.models import Task

    unit = directory.unit_create(
        name=f"测试单位{spec['code']}", level="city", kind="department", code=spec["code"]
    )
    section = Department.objects.create(unit=unit, name="综合科")
    people = {}
    for role, leader in (("head", True), ("staff", False)):
        item = spec[role]
        user = directory.user_create(mobile=item["mobile"], name=item["name"], password=PASSWORD)
        directory.position_assign(
            user=user, department=section, title="科长" if leader else "科员", is_leader=leader
        )
        people[role] = user
    start = timezone.localdate() + timedelta(days=1)
    approval = services.approval_submit(
        actor=people["staff"],
        template_id=Template.objects.get(unit=unit, code="leave").pk,
        form={
            "leave_type": "事假",
            "period": {"start": str(start), "end": str(start)},
            "reason": "办理证件",
        },
        client_id="integration-deadline",
    )
    task = Task.objects.get(instance=approval.flow, state=Task.State.PENDING)
    now = timezone.now()
    Task.objects.filter(pk=task.pk).update(due_at=now - timedelta(minutes=1))
    moved = DBTaskResult.objects.filter(
        task_path="backend.workflow.tasks.task_deadline_check", args_kwargs__args=[task.pk]
    ).update(run_after=now)
    assert moved == 1, "the deadline job was not stored with the task"
    head = people["head"]
    return {
        "head": {"id": head.pk, "mobile": head.mobile},
        "approval": approval.pk,
        "task": task.pk,
    }


if __name__ == "__main__":
    seed_main(run)
