"""`manage.py attachments_sweep`: remove from storage every attachment nothing uses.

The purge jobs do this one by one (after a recall; `ZT_UPLOAD_UNUSED_SECONDS`
after an upload); this catches uploads made before they existed, or whose job
was lost. Safe to run at any time (剩余信息保护, docs/security.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from realtime.services.attachments import attachments_sweep


class Command(BaseCommand):
    help = "Remove unused attachments (never sent, or recalled) from storage"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="seconds (default ZT_UPLOAD_UNUSED_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older = options["older_than"]
        if older is None:
            older = settings.ZT_UPLOAD_UNUSED_SECONDS
        removed = attachments_sweep(older_than_seconds=older)
        self.stdout.write(f"removed {removed} unused attachment(s) from storage")
