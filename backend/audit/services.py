"""Writing audit entries. Every other app records through `audit_record`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from backend.audit.models import AuditEntry


@dataclass(frozen=True)
class RequestContext:
    """Where an action came from, passed down from views and consumers."""

    ip: str | None = None
    user_agent: str = ""


NO_CONTEXT = RequestContext()


def audit_record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    context: RequestContext = NO_CONTEXT,
) -> AuditEntry:
    """Append one entry; call it inside the transaction of the change it records."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
        ip=context.ip,
        user_agent=context.user_agent[:256],
    )
