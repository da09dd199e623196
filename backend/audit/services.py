"""Writing audit entries. Every other app records through `audit_record`."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from backend.audit import chain
from backend.audit.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class RequestContext:
    """Where an action came from, passed down from views and consumers."""

    ip: str | None = None
    user_agent: str = ""


NO_CONTEXT = RequestContext()


def _ip(raw: str | None) -> str | None:
    """The address as the database will return it; None when it is not an address."""
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def audit_record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    context: RequestContext = NO_CONTEXT,
) -> AuditEntry:
    """Append one entry, linked into the hash chain; call it inside the change's transaction.

    The chain head's row lock is held until that transaction commits, so
    concurrent writers append one after another and never fork the chain.
    """
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            chain_head_ensure()
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            # Stored and hashed exactly as the database will give it back.
            data=json.loads(json.dumps(data or {})),
            ip=_ip(context.ip),
            user_agent=context.user_agent[:256],
            seq=head.seq + 1,
            prev_hash=head.hash,
        )
        entry.hash = chain.link(entry.prev_hash, entry)
        entry.save(force_insert=True)
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


def chain_head_ensure(**_: object) -> None:
    """The chain head row, continuing from the newest entry (migration 0004 creates it;
    this restores it after a test database flush; post_migrate)."""
    if AuditChainHead.objects.filter(pk=1).exists():
        return
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, hash_ = last if last is not None else (0, chain.GENESIS)
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": seq, "hash": hash_})
