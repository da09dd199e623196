"""Background jobs of out-of-band reach, run by the worker (`Procfile` worker:)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from push import services


@task()
def deliver(delivery_ids: list[int]) -> None:
    """Deliver a batch of notifications' channel deliveries (each at most once)."""
    services.deliver(delivery_ids)


@task()
def fanout(rule: str, ref: dict[str, Any]) -> None:
    """Expand one stored reference (a chat message) into per-person notifications."""
    services.fanout_run(rule, ref)
