"""Background jobs of the flow engine, run by the worker."""

from __future__ import annotations

from django_tasks import task

from backend.workflow import services


@task()
def task_deadline_check(task_id: int) -> None:
    """At a task's due time: mark it overdue and remind its handler (once)."""
    services.deadline_check(task_id)
