"""The append-only, hash-chained audit log."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One audited fact: who did what to which object, when and from where.

    Append-only: the product has no code path that updates or deletes an
    entry; on PostgreSQL a trigger refuses UPDATE and DELETE outright (only
    `audit_archive` may delete entries past the retention, after writing them
    to a hashed archive), and the admin shows entries read-only.

    Tamper-evident: entries form one chain in `seq` order; `hash` is
    SM3(`prev_hash` + the entry's canonical content, `backend.audit.chain`),
    `prev_hash` the previous entry's `hash`. `audit_verify` finds the first
    broken link.
    """

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # The id stays as recorded even if the person is deleted (a changed
        # row would break the chain; the trigger refuses it anyway).
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx")
        ]
        permissions = (("export_auditentry", "可导出审计日志"),)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"


class AuditChainHead(models.Model):
    """The one row every writer locks to append: the last `seq` and `hash` of the chain."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain @{self.seq}"


class AuditArchive(models.Model):
    """One archive file of entries past the retention, removed from the table.

    Keeps the chain continuous across the boundary: the first entry left in
    the table has `prev_hash == last_hash` of the newest archive. The file's
    SM3 and its HMAC-SM3 under `ZT_AUDIT_ARCHIVE_KEY` are recorded here and
    in the file's last line.
    """

    created_at = models.DateTimeField()
    path = models.CharField(max_length=512)
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    count = models.IntegerField()
    first_prev_hash = models.CharField(max_length=64)
    last_hash = models.CharField(max_length=64)
    file_sm3 = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar[list[str]] = ["-last_seq"]

    def __str__(self) -> str:
        return f"audit archive {self.first_seq}–{self.last_seq}"
