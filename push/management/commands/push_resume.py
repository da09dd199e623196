"""Re-enqueue deliveries whose job died with a worker (safe to run any time)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from push.services import deliveries_resume


class Command(BaseCommand):
    help = "Resume push/SMS deliveries interrupted by a worker crash"

    def handle(self, *args: Any, **options: Any) -> None:
        count = deliveries_resume()
        self.stdout.write(f"re-enqueued {count} deliveries")
