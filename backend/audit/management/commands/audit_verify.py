"""Verify the audit log's SM3 hash chain; exit 1 and name the first broken link."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.audit import integrity


class Command(BaseCommand):
    help = "校验审计日志哈希链（SM3），报告第一个断裂的链接。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--archive", action="append", default=[], help="also verify this archive file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reports = [("audit table", integrity.chain_verify())]
        reports += [(path, integrity.archive_verify(Path(path))) for path in options["archive"]]
        for where, report in reports:
            if report.broken is not None:
                raise CommandError(
                    f"{where}: chain broken after {report.checked} good entries; "
                    f"first broken link: {report.broken}"
                )
            self.stdout.write(f"{where}: OK, {report.checked} entries, chain intact")
