"""The audit log's hash chain (SM3, GB/T 32905): canonical content, linking, verifying.

`hash = SM3(prev_hash ‖ canonical(entry))` where `canonical` is the UTF-8 JSON
(sorted keys, no spaces) of the fields below. The first entry ever links to
`GENESIS`. Writers append under a lock on the one `AuditChainHead` row
(`select_for_update`; SQLite serialises writers anyway), so two concurrent
transactions can never link to the same predecessor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

GENESIS = "0" * 64


def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def _sm3_new(data: bytes = b"") -> Any:
    return hashlib.new("sm3", data)


def hmac_sm3(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, _sm3_new).hexdigest()


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content(entry: Any) -> dict[str, Any]:
    """What the hash covers: every recorded field, in a form each database returns alike."""
    return {
        "seq": entry.seq,
        "created_at": _moment(entry.created_at),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": entry.data,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
    }


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link(prev_hash: str, entry: Any) -> str:
    return sm3(prev_hash.encode() + canonical(content(entry)))


@dataclass(frozen=True)
class Break:
    """The first link that does not hold."""

    seq: int | None
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"seq {self.seq} (id {self.entry_id}): {self.reason}"


def verify(
    entries: Iterable[Any], *, start_prev: str = GENESIS, start_seq: int = 1
) -> tuple[int, Break | None]:
    """Walk entries in `seq` order; (how many held, the first break or None)."""
    expected_prev, expected_seq, checked = start_prev, start_seq, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return checked, Break(entry.seq, entry.id, f"expected seq {expected_seq}: missing")
        if entry.prev_hash != expected_prev:
            return checked, Break(entry.seq, entry.id, "prev_hash does not match the entry before")
        if link(entry.prev_hash, entry) != entry.hash:
            return checked, Break(entry.seq, entry.id, "content does not match its hash")
        expected_prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return checked, None


def archive_key() -> bytes:
    """The key archives are signed with (HMAC-SM3); derived from SECRET_KEY unless set."""
    key = settings.ZT_AUDIT_ARCHIVE_KEY or f"zt-audit-archive:{settings.SECRET_KEY}"
    return key.encode()


@dataclass
class ArchivedEntry:
    """An entry read back from an archive line (the same fields `content` reads)."""

    id: int
    seq: int
    created_at: datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: str
    data: Any
    ip: str | None
    user_agent: str
    prev_hash: str
    hash: str

    @classmethod
    def from_line(cls, line: dict[str, Any]) -> ArchivedEntry:
        fields = dict(line)
        fields["created_at"] = datetime.strptime(
            fields["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ"
        ).replace(tzinfo=UTC)
        return cls(**fields)


def archive_line(entry: Any) -> dict[str, Any]:
    return {**content(entry), "id": entry.id, "prev_hash": entry.prev_hash, "hash": entry.hash}


def read_archive(lines: Iterator[str]) -> tuple[list[ArchivedEntry], dict[str, Any], bytes]:
    """(entries, the closing manifest, the bytes the manifest's sm3/signature cover)."""
    body: list[str] = []
    manifest: dict[str, Any] | None = None
    for raw in lines:
        record = json.loads(raw)
        if record.get("manifest"):
            manifest = record
            break
        body.append(raw)
    if manifest is None:
        raise ValueError("archive has no manifest line")
    covered = "".join(body).encode()
    return [ArchivedEntry.from_line(json.loads(r)) for r in body], manifest, covered
