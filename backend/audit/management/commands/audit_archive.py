"""Archive audit entries older than ZT_AUDIT_RETENTION_DAYS (≥ 180) to signed JSONL."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.audit import integrity


class Command(BaseCommand):
    help = "将超过保留期的审计日志归档为带 SM3 摘要和签名的 JSONL 文件。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100_000, help="entries per file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive = integrity.archive_old(limit=options["limit"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        if archive is None:
            self.stdout.write("nothing past the retention to archive")
            return
        self.stdout.write(
            f"archived {archive.count} entries (seq {archive.first_seq}–{archive.last_seq}) "
            f"to {archive.path}"
        )
