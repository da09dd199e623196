"""Verifying the audit chain and archiving entries past the retention.

Both are run by operators (`manage.py audit_verify`, `manage.py audit_archive`,
docs/security.md); the logic lives here so tests call it directly.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from backend.audit import chain
from backend.audit.models import AuditArchive, AuditChainHead, AuditEntry


@dataclass(frozen=True)
class Report:
    checked: int
    broken: chain.Break | None


def chain_verify() -> Report:
    """Walk the table's chain from the newest archive's boundary to the chain head."""
    boundary = AuditArchive.objects.order_by("-last_seq").first()
    start_prev = boundary.last_hash if boundary else chain.GENESIS
    start_seq = boundary.last_seq + 1 if boundary else 1
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    checked, broken = chain.verify(entries, start_prev=start_prev, start_seq=start_seq)
    if broken is not None:
        return Report(checked, broken)
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = start_seq - 1 + checked
    if head is not None and head.seq != last_seq:
        return Report(
            checked,
            chain.Break(
                head.seq,
                None,
                f"the chain head is at seq {head.seq} but the table ends at {last_seq}: "
                "entries at the end are missing",
            ),
        )
    if head is not None and checked and head.hash != _last_hash():
        return Report(checked, chain.Break(head.seq, None, "the chain head's hash differs"))
    return Report(checked, None)


def _last_hash() -> str:
    last = AuditEntry.objects.order_by("-seq").values_list("hash", flat=True).first()
    return last or chain.GENESIS


def archive_verify(path: Path) -> Report:
    """Check one archive file: its entries' chain, its SM3 and signature, its ledger row."""
    with path.open(encoding="utf-8") as handle:
        entries, manifest, covered = chain.read_archive(iter(handle))
    checked, broken = chain.verify(
        entries, start_prev=manifest["first_prev_hash"], start_seq=manifest["first_seq"]
    )
    if broken is not None:
        return Report(checked, broken)
    if chain.sm3(covered) != manifest["sm3"]:
        return Report(checked, chain.Break(None, None, "the file's SM3 differs from its manifest"))
    if chain.hmac_sm3(chain.archive_key(), covered) != manifest["signature"]:
        return Report(checked, chain.Break(None, None, "the signature does not match"))
    ledger = AuditArchive.objects.filter(first_seq=manifest["first_seq"]).first()
    if ledger is None or (ledger.file_sm3, ledger.last_hash) != (
        manifest["sm3"],
        manifest["last_hash"],
    ):
        return Report(checked, chain.Break(None, None, "the archive ledger has no matching record"))
    return Report(checked, None)


def archive_old(*, limit: int = 100_000) -> AuditArchive | None:
    """Move the oldest entries past the retention into one signed JSONL file.

    Only a prefix of the chain moves (oldest first, stopping at the first
    entry still within the retention), so the chain in the table stays
    continuous from the archive's `last_hash`. The part moved is verified
    first: a broken chain is never archived away.
    """
    cutoff = timezone.now() - timedelta(days=settings.ZT_AUDIT_RETENTION_DAYS)
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            return None
        boundary = AuditArchive.objects.order_by("-last_seq").first()
        start_prev = boundary.last_hash if boundary else chain.GENESIS
        start_seq = boundary.last_seq + 1 if boundary else 1
        moving = []
        for entry in AuditEntry.objects.order_by("seq")[:limit]:
            if entry.created_at >= cutoff:
                break
            moving.append(entry)
        if not moving:
            return None
        _, broken = chain.verify(moving, start_prev=start_prev, start_seq=start_seq)
        if broken is not None:
            raise ValueError(f"审计日志哈希链已断裂，拒绝归档：{broken}")
        first, last = moving[0], moving[-1]
        body = "".join(
            json.dumps(chain.archive_line(e), ensure_ascii=False, sort_keys=True) + "\n"
            for e in moving
        ).encode()
        digest = chain.sm3(body)
        signature = chain.hmac_sm3(chain.archive_key(), body)
        manifest = {
            "manifest": True,
            "first_seq": first.seq,
            "last_seq": last.seq,
            "count": len(moving),
            "first_prev_hash": first.prev_hash,
            "last_hash": last.hash,
            "sm3": digest,
            "signature": signature,
            "algorithm": "SM3; signature HMAC-SM3",
        }
        folder = Path(settings.ZT_AUDIT_ARCHIVE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"audit-{first.seq:012d}-{last.seq:012d}.jsonl"
        partial = path.with_suffix(".partial")
        with partial.open("wb") as handle:
            handle.write(body)
            handle.write(json.dumps(manifest, sort_keys=True).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        archive = AuditArchive.objects.create(
            created_at=timezone.now(),
            path=str(path),
            first_seq=first.seq,
            last_seq=last.seq,
            count=len(moving),
            first_prev_hash=first.prev_hash,
            last_hash=last.hash,
            file_sm3=digest,
            signature=signature,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL zt.audit_archive = 'on'")
        AuditEntry.objects.filter(seq__gte=first.seq, seq__lte=last.seq).delete()
    return archive
