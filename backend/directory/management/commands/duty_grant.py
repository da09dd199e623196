"""The operator gives (or takes) one of the three duties (三员分立) at installation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.common.errors import ZtError
from backend.directory import duties
from backend.directory.models import User


class Command(BaseCommand):
    help = "授予或撤销系统管理员、安全管理员、审计管理员职责（三员分立），按手机号指定人员。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mobile")
        parser.add_argument("duty", choices=sorted(duties.LABELS))
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(mobile=options["mobile"]).first()
        if user is None:
            raise CommandError(f"no person with mobile {options['mobile']}")
        action = duties.duty_revoke if options["revoke"] else duties.duty_grant
        try:
            action(actor=None, user_id=user.pk, duty=options["duty"])
        except ZtError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        held = ", ".join(sorted(duties.duties_of(user))) or "none"
        self.stdout.write(f"{user.name}: duties now {held}")
