"""A few approval requests for the demo organisation, so 工作台 and 待办 are not empty.

Runs after `seed_demo`; `--if-empty` does nothing when requests exist.
Everything goes through the services, as a person would do it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from backend.approvals import services
from backend.approvals.models import Approval, MeetingRoom, Template
from backend.directory.models import User
from backend.workflow.resolvers import origin_of
from backend.workflow.services import ActParams


def _person(mobile: str) -> User | None:
    return User.objects.filter(mobile=mobile).first()


def _template(user: User, code: str) -> Template:
    return Template.objects.get(unit=origin_of(user).unit, code=code)


class Command(BaseCommand):
    help = "演示数据：几条审批申请(待审批、已通过)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有审批时跳过")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Approval.objects.exists():
            self.stdout.write("已有审批数据，跳过")
            return
        staff, clerk, head = _person("13800000003"), _person("13800000002"), _person("13800000007")
        if staff is None or clerk is None or head is None:
            self.stdout.write("未找到演示账号，请先运行 seed_demo")
            return
        today = timezone.localdate()
        with transaction.atomic():
            self._leave(staff, today)
            self._room(staff, today)
            self._vehicle(clerk, today)
        self.stdout.write(f"审批演示数据：{Approval.objects.count()} 条")

    def _leave(self, staff: User, today: Any) -> None:
        start = today + timedelta(days=3)
        services.approval_submit(
            actor=staff,
            template_id=_template(staff, "leave").pk,
            form={
                "leave_type": "年休假",
                "period": {"start": str(start), "end": str(start + timedelta(days=1))},
                "reason": "回老家探望父母",
            },
            client_id="demo-leave",
        )

    def _room(self, staff: User, today: Any) -> None:
        template = _template(staff, "room")
        room = MeetingRoom.objects.filter(unit=template.unit).order_by("order").first()
        day = today + timedelta(days=1)
        approval = services.approval_submit(
            actor=staff,
            template_id=template.pk,
            form={
                "room": room.pk if room else 0,
                "time": {"start": f"{day}T14:30:00+08:00", "end": f"{day}T16:30:00+08:00"},
                "topic": "全市项目调度会筹备碰头会",
                "attendees": 12,
            },
            client_id="demo-room",
        )
        handler = approval.flow.tasks.filter(state="pending").select_related("assignee").first()
        if handler is not None:
            services.approval_act(
                actor=handler.assignee,
                approval_id=approval.pk,
                action="approve",
                params=ActParams(opinion="同意，请提前调试投影"),
            )

    def _vehicle(self, clerk: User, today: Any) -> None:
        day = today + timedelta(days=2)
        services.approval_submit(
            actor=clerk,
            template_id=_template(clerk, "vehicle").pk,
            form={
                "time": {"start": f"{day}T08:30:00+08:00", "end": f"{day}T12:00:00+08:00"},
                "origin": "市政府大院",
                "destination": "东湖区旧改项目现场",
                "passengers": 4,
                "reason": "陪同市领导调研旧城改造项目",
            },
            client_id="demo-vehicle",
        )
