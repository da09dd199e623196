"""公文: outgoing documents (发文), their delivery to each recipient unit (收文),
per-unit settings, gapless serial counters and handwritten opinions."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from backend.common import error_catalogue as codes
from backend.common.errors import Conflict
from backend.documents.kinds import Direction, Kind, Publicity, Secrecy, Urgency
from backend.workflow.models import Instance


class UnitSettings(models.Model):
    """A unit's 公文 identity: its 机关代字 for 发文字号 and its 发文机关标志."""

    unit = models.OneToOneField("directory.Unit", on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField("机关代字", max_length=16)
    issuer_mark = models.CharField("发文机关标志", max_length=64)

    def __str__(self) -> str:
        return f"{self.unit_id} {self.prefix}"


class SerialCounter(models.Model):
    """The last number handed out in one series (one 代字 per year, or one unit's 收文 per year).

    Allocation locks the row (select_for_update) in the transaction that uses
    the number, so numbers are gapless, unique, and never handed out twice.
    """

    scope = models.CharField(max_length=80)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["scope", "year"], name="serial_scope_year")
        ]

    def __str__(self) -> str:
        return f"{self.scope}/{self.year}: {self.last}"


class Document(models.Model):
    """One outgoing 公文 of a unit, from 拟稿 to 分发; its flow is a workflow instance."""

    class Status(models.TextChoices):
        RUNNING = "running", "办理中"
        RETURNED = "returned", "已退回"
        WITHDRAWN = "withdrawn", "已撤回"
        DISTRIBUTED = "distributed", "已分发"

    Kind = Kind
    Secrecy = Secrecy
    Urgency = Urgency
    Publicity = Publicity
    Direction = Direction

    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "directory.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drafted_documents"
    )
    kind = models.CharField("文种", max_length=16, choices=Kind.choices)
    direction = models.CharField("行文方向", max_length=8, choices=Direction.choices)
    title = models.CharField("标题", max_length=200)
    secrecy = models.CharField("密级", max_length=8, choices=Secrecy.choices, default="none")
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default="normal")
    publicity = models.CharField(
        "公开属性", max_length=16, choices=Publicity.choices, default="not_public"
    )
    body = models.TextField("正文", blank=True)
    main_file = models.ForeignKey(
        "realtime.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("附注", max_length=200, blank=True)
    # 发文字号: set at 登记 (allocated or entered by hand), never reused.
    doc_number = models.CharField("发文字号", max_length=64, blank=True)
    number_year = models.PositiveIntegerField(null=True, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    sealed_at = models.DateTimeField("用印时间", null=True, blank=True)
    distributed_at = models.DateTimeField("分发时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    instance = models.OneToOneField(
        "workflow.Instance", null=True, on_delete=models.PROTECT, related_name="+"
    )
    search_text = models.TextField(blank=True)
    client_id = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["drafter", "client_id"], name="document_client_id"),
            models.UniqueConstraint(
                fields=["doc_number"], condition=~models.Q(doc_number=""), name="doc_number_unique"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["unit", "-created_at"], name="document_unit"),
            models.Index(fields=["drafter", "-created_at"], name="document_drafter"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def flow(self) -> Instance:
        if self.instance is None:
            raise Conflict.of(codes.FLOW_MISSING)
        return self.instance


class Recipient(models.Model):
    """A 主送 or 抄送 unit of a document, in the order the drafter listed them."""

    class Role(models.TextChoices):
        MAIN = "main", "主送"
        COPY = "copy", "抄送"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=Role.choices)
    order = models.IntegerField(default=0)

    class Meta:
        ordering = ("document", "role", "order")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["document", "unit"], name="recipient_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} {self.role} {self.unit_id}"


class DocumentFile(models.Model):
    """An 附件 of a document (the 正文 file is `Document.main_file`)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    attachment = models.ForeignKey(
        "realtime.Attachment", on_delete=models.PROTECT, related_name="+"
    )
    order = models.IntegerField(default=0)

    class Meta:
        ordering = ("document", "order")

    def __str__(self) -> str:
        return f"{self.document_id} #{self.order}"


class CountersignParty(models.Model):
    """A department or unit the drafter asked to 会签 a document, and the 负责人 it resolved to.

    Exactly one of `unit` / `department` is set. `assignee` is who got the
    会签 task when the document was submitted (a department's first head by
    rank; a unit's first leader); their opinion is that party's opinion.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部门"
        UNIT = "unit", "单位"

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="countersign_parties"
    )
    order = models.IntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    unit = models.ForeignKey(
        "directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "directory.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=128)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("document", "order")

    def __str__(self) -> str:
        return f"{self.document_id} 会签 {self.name}"


class Receipt(models.Model):
    """收文: a distributed document as one recipient unit receives and handles it."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", "待签收"
        REFUSED = "refused", "已退回"
        SIGNED = "signed", "待登记"
        HANDLING = "handling", "办理中"
        DONE = "done", "已办结"

    class HandleType(models.TextChoices):
        HANDLE = "handle", "办件"
        READ = "read", "阅件"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="receipts")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=Recipient.Role.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DELIVERED)
    delivered_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refused_at = models.DateTimeField(null=True, blank=True)
    refuse_reason = models.CharField(max_length=200, blank=True)
    # 登记
    register_no = models.CharField("收文编号", max_length=32, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    source_unit_name = models.CharField("来文单位", max_length=128, blank=True)
    source_number = models.CharField("来文字号", max_length=64, blank=True)
    copies = models.PositiveIntegerField("份数", default=1)
    handle_type = models.CharField(max_length=8, choices=HandleType.choices, blank=True)
    instance = models.OneToOneField(
        "workflow.Instance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["document", "unit"], name="receipt_once"),
            models.UniqueConstraint(
                fields=["unit", "register_no"],
                condition=~models.Q(register_no=""),
                name="receipt_register_no",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["unit", "status"], name="receipt_unit_status"),
        ]

    def __str__(self) -> str:
        return f"收文 {self.pk} ({self.unit_id})"


class HandSign(models.Model):
    """A handwritten opinion (签发/批示 by hand): the stroke image of one history entry."""

    instance = models.ForeignKey("workflow.Instance", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    image = models.ForeignKey("realtime.Attachment", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["instance", "seq"], name="handsign_once")
        ]

    def __str__(self) -> str:
        return f"{self.instance_id}#{self.seq}"
