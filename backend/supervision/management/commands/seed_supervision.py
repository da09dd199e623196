"""督办 demo data: a 市政府常务会议 decision split across three bureaus.

Runs after `seed_demo` (and `seed_approvals`); `--if-empty` does nothing when
督办 tasks exist. Everything goes through the services as people would do it,
except the red sub-task's deadline, which is moved into the past afterwards
(a service never accepts a past deadline) with its reminders moved along.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from backend.directory.models import Position, Role, RoleAssignment, User
from backend.supervision import reminders, services
from backend.supervision.models import SupervisionTask

TITLE = "落实市政府第12次常务会议关于优化营商环境的决定"


def _person(mobile: str) -> User | None:
    return User.objects.filter(mobile=mobile).first()


def _unit_leader(code: str) -> User | None:
    row = (
        RoleAssignment.objects.filter(unit__code=code, role=Role.LEADER, user__is_active=True)
        .order_by("user__positions__rank", "user_id")
        .select_related("user")
        .first()
    )
    return row.user if row else None


def _section_chief(code: str, besides: User) -> User | None:
    row = (
        Position.objects.filter(department__unit__code=code, is_leader=True, user__is_active=True)
        .exclude(user=besides)
        .exclude(department__name__contains="领导")
        .order_by("rank", "pk")
        .select_related("user")
        .first()
    )
    return row.user if row else None


def _inspector() -> User | None:
    row = (
        Position.objects.filter(
            department__unit__code="JC-GOV-OFFICE", department__name__contains="督查"
        )
        .order_by("-is_leader", "rank", "pk")
        .select_related("user")
        .first()
    )
    return row.user if row else None


class Command(BaseCommand):
    help = "演示数据：一项市政府常务会议决定的督办事项，分解到三个部门（绿灯、黄灯、红灯各一）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有督办事项时跳过")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and SupervisionTask.objects.exists():
            self.stdout.write("已有督办数据，跳过")
            return
        director = _person("13800000001")  # 周建国, 市府办主任
        finance = _person("13800000004")  # 陈志明, 财政局局长
        budget = _person("13800000005")  # 刘芳, 财政局预算科科长
        data_chief = _person("13800000000")  # 孙立平, 数据资源局数据资源科科长
        hud, data_head = _unit_leader("JC-HUD"), _unit_leader("JC-DATA")
        if not (director and finance and budget and data_chief and hud and data_head):
            self.stdout.write("未找到演示账号，请先运行 seed_demo")
            return
        hud_chief = _section_chief("JC-HUD", hud)
        if hud_chief is None:
            self.stdout.write("住建局没有科室负责人，跳过")
            return
        inspector = _inspector() or director
        with transaction.atomic():
            self._seed(director, inspector, finance, budget, hud, hud_chief, data_head, data_chief)
        self.stdout.write(f"督办演示数据：{SupervisionTask.objects.count()} 个任务节点")

    def _seed(
        self,
        director: User,
        inspector: User,
        finance: User,
        budget: User,
        hud: User,
        hud_chief: User,
        data_head: User,
        data_chief: User,
    ) -> None:
        today = timezone.localdate()
        root = services.task_create(
            actor=director,
            data=services.TaskInput(
                title=TITLE,
                source="meeting",
                requirement="财政局牵头，住建局、数据资源局协办：涉企资金按时拨付，"
                "工程建设项目审批时限压缩一半，企业开办全程网办。每周五前反馈进展。",
                lead=services.PartInput(owner_id=finance.pk, unit_id=None),
                assists=[
                    services.PartInput(owner_id=hud.pk),
                    services.PartInput(owner_id=data_head.pk),
                ],
                supervisor_id=inspector.pk,
                deadline=today + timedelta(days=45),
                importance="important",
                cycle="weekly",
                milestones=[("制定实施方案", today + timedelta(days=10))],
            ),
        )
        hud_part, data_part = root.children.order_by("pk")
        green = self._split(finance, root, budget, "统筹涉企资金拨付", today + timedelta(days=30))
        yellow = self._split(
            hud, hud_part, hud_chief, "压缩工程建设项目审批时限", today + timedelta(days=2)
        )
        red = self._split(
            data_head, data_part, data_chief, "企业开办一网通办上线", today + timedelta(days=5)
        )
        services.report_submit(
            actor=finance, task_id=root.pk, text="已召开专题会议，实施方案初稿已形成。", percent=20
        )
        services.report_submit(
            actor=budget, task_id=green.pk, text="第一批涉企资金1.2亿元已拨付到位。", percent=45
        )
        services.report_submit(
            actor=hud_chief,
            task_id=yellow.pk,
            text="审批流程已梳理完毕，正在修订办事指南。",
            percent=70,
        )
        services.report_submit(
            actor=data_chief,
            task_id=red.pk,
            text="系统对接进行中，与市场监管局接口联调未完成。",
            percent=30,
        )
        # The red one: its deadline has passed (the demo's overdue example).
        SupervisionTask.objects.filter(pk=red.pk).update(deadline=today - timedelta(days=3))
        red.refresh_from_db()
        reminders.deadline_moved(red)
        services.task_urge(
            actor=inspector, task_id=red.pk, message="该事项已超期，请于本周内报送整改措施。"
        )

    def _split(
        self, owner: User, parent: SupervisionTask, to: User, title: str, deadline: Any
    ) -> SupervisionTask:
        return services.task_split(
            actor=owner,
            task_id=parent.pk,
            data=services.SplitInput(
                title=title, deadline=deadline, part=services.PartInput(owner_id=to.pk)
            ),
        )
