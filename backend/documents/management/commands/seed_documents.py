"""A few 公文 in every state across three units, so 周建国, 李秀英 and 陈志明 have work.

Runs after `seed_demo`; `--if-empty` does nothing when documents exist.
Everything goes through the services, as the people would do it:

- 市府办 → 财政局、发改委 《关于做好2026年防汛工作的通知》 (特急): 分发; 财政局 signed,
  registered and proposed it: 陈志明 has 批办 to do; 发改委 has it 待签收.
- 市府办 → 市政府 《关于申请2026年度电子政务运维经费的请示》: 核稿 done, 周建国 to 签发.
- 市府办 → 财政局 《关于商请提供2025年度部门预算执行情况的函》: 李秀英 to 核稿.
- 市府办 《关于调整机关食堂就餐时间的通知》: returned to 张晓明 at 核稿.
- 市府办 《关于开展节前安全检查的通知》: withdrawn by 张晓明.
- 财政局 → 市府办 《关于下达2026年第一批专项资金的通知》: 分发 and 归档;
  李秀英 has it 待签收.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from backend.directory.models import Role, RoleAssignment, Unit, User
from backend.documents import receiving, services
from backend.documents.models import Document, Receipt
from backend.workflow.services import ActParams

BODY = (
    "为{title}，现将有关事项通知如下，请认真贯彻落实。\n"
    "一、提高思想认识。\n二、压实工作责任。\n三、加强督促检查。"
)


def _person(mobile: str) -> User:
    return User.objects.get(mobile=mobile)


def _unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _clerk(unit: Unit) -> User:
    row = RoleAssignment.objects.filter(unit=unit, role=Role.CLERK).order_by("user_id").first()
    if row is None:
        row = (
            RoleAssignment.objects.filter(unit=unit, role=Role.UNIT_ADMIN)
            .order_by("user_id")
            .first()
        )
    if row is None:  # seed_demo gives every unit one
        raise CommandError(f"{unit.name}没有收发员，请先运行 seed_demo")
    return row.user


class Command(BaseCommand):
    help = "演示数据：三个单位的若干公文（各种状态）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有公文时跳过")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Document.objects.exists():
            self.stdout.write("已有公文数据，跳过")
            return
        if not User.objects.filter(mobile="13800000001").exists():
            self.stdout.write("未找到演示账号，请先运行 seed_demo")
            return
        self.drafter, self.clerk = _person("13800000003"), _person("13800000002")
        self.leader, self.finance_head = _person("13800000001"), _person("13800000004")
        self.finance, self.office = _unit("JC-FIN"), _unit("JC-GOV-OFFICE")
        self.finance_clerk = _clerk(self.finance)
        with transaction.atomic():
            self._flood_notice()
            self._request()
            self._letter()
            self._returned_and_withdrawn()
            self._funds_notice()
        self.stdout.write(f"公文演示数据：{Document.objects.count()} 件")

    def _submit(self, actor: User, key: str, title: str, **data: Any) -> Document:
        data.setdefault("kind", "notice")
        data.setdefault(
            "body", BODY.format(title=title.removeprefix("关于").removesuffix("的通知"))
        )
        data.setdefault("publicity", "public")
        return services.document_submit(
            actor=actor, data={"title": title, **data}, client_id=f"demo-{key}"
        )

    def _act(self, actor: User, document: Document, opinion: str = "", **kw: Any) -> Document:
        return services.document_act(
            actor=actor,
            document_id=document.pk,
            action=kw.pop("action", "approve"),
            params=ActParams(opinion=opinion, target=kw.pop("target", None)),
        )

    def _through(self, document: Document, clerk: User, leader: User) -> Document:
        """核稿 → 签发 → 复核 → 登记 → 用印 → 分发."""
        self._act(clerk, document)
        self._act(leader, document, "同意印发")
        for _step in range(4):
            document = self._act(clerk, document)
        return document

    def _flood_notice(self) -> None:
        document = self._submit(
            self.drafter,
            "flood",
            "关于做好2026年防汛工作的通知",
            urgency="extra_urgent",
            main_to=[self.finance.pk, _unit("JC-NDRC").pk],
            copy_to=[_unit("JC-GOV").pk],
        )
        self._through(document, self.clerk, self.leader)
        receipt = Receipt.objects.get(document=document, unit=self.finance)
        receiving.receipt_sign(actor=self.finance_clerk, receipt_id=receipt.pk)
        receiving.receipt_register(
            actor=self.finance_clerk,
            receipt_id=receipt.pk,
            data={"handle_type": "handle", "copies": 2},
        )
        receiving.receipt_act(
            actor=self.finance_clerk,
            receipt_id=receipt.pk,
            action="approve",
            params=ActParams(opinion="拟请陈局长阅示，由预算科牵头办理。"),
        )

    def _request(self) -> None:
        document = self._submit(
            self.drafter,
            "request",
            "关于申请2026年度电子政务运维经费的请示",
            kind="request",
            body="为保障全市电子政务平台稳定运行，拟申请2026年度运维经费。妥否，请批示。",
            main_to=[_unit("JC-GOV").pk],
            publicity="not_public",
        )
        self._act(self.clerk, document)

    def _letter(self) -> None:
        self._submit(
            self.drafter,
            "letter",
            "关于商请提供2025年度部门预算执行情况的函",
            kind="letter",
            body="为做好年度综合分析工作，请于本月底前提供2025年度部门预算执行情况。",
            main_to=[self.finance.pk],
            urgency="urgent",
        )

    def _returned_and_withdrawn(self) -> None:
        returned = self._submit(
            self.drafter, "canteen", "关于调整机关食堂就餐时间的通知", main_to=[self.finance.pk]
        )
        self._act(
            self.clerk, returned, "请补充调整的起始日期。", action="return", target="initiator"
        )
        withdrawn = self._submit(
            self.drafter, "safety", "关于开展节前安全检查的通知", main_to=[self.finance.pk]
        )
        self._act(self.drafter, withdrawn, action="withdraw")

    def _funds_notice(self) -> None:
        drafter = _person("13800000005")  # 刘芳, 财政局预算科
        document = self._submit(
            drafter,
            "funds",
            "关于下达2026年第一批专项资金的通知",
            main_to=[self.office.pk],
        )
        document = self._through(document, self.finance_clerk, self.finance_head)
        services.document_archive(actor=drafter, document_id=document.pk)
