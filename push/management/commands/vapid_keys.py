"""Print a new VAPID key pair for ZT_VAPID_PRIVATE_KEY / ZT_VAPID_PUBLIC_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from push.vapid import generate_pair


class Command(BaseCommand):
    help = "Generate a VAPID key pair (base64url) for web push"

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = generate_pair()
        self.stdout.write(f"ZT_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"ZT_VAPID_PUBLIC_KEY={public}")
        self.stderr.write(
            "Keep the private key secret; changing keys makes every device subscribe again."
        )
