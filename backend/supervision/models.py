"""督办: supervised tasks split down the hierarchy, their reports, 催办 and applications.

A task is a node of a tree: the root is what the 督查室 (or a leader) created;
its children are the 协办 parts (`role=assist`) and the sub-tasks each owner
split their part into (`role=sub`), to any depth. `path` ("/1/5/9/") names a
node's ancestors, so a subtree is one `startswith` and an ancestor list is
the ids in the path. Lights are computed on read (`lights.py`), never stored.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from backend.directory.models import Department, Unit, User


class SupervisionTask(models.Model):
    """One supervised task (the root) or a part of one (协办 part or sub-task)."""

    class Source(models.TextChoices):
        INSTRUCTION = "instruction", "领导批示"
        MEETING = "meeting", "会议决定"
        ASSIGNED = "assigned", "上级交办"
        DOCUMENT = "document", "来文"
        OTHER = "other", "其他"

    class Role(models.TextChoices):
        LEAD = "lead", "牵头"
        ASSIST = "assist", "协办"
        SUB = "sub", "分解"

    class Importance(models.TextChoices):
        IMPORTANT = "important", "重要"
        NORMAL = "normal", "一般"

    class Cycle(models.TextChoices):
        NONE = "none", "不定期"
        WEEKLY = "weekly", "每周"
        MONTHLY = "monthly", "每月"
        CUSTOM = "custom", "自定义"

    class Status(models.TextChoices):
        ACTIVE = "active", "进行中"
        APPLIED = "applied", "办结审核中"
        DONE = "done", "已办结"

    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.LEAD)
    title = models.CharField("标题", max_length=100)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.OTHER)
    source_type = models.CharField(
        max_length=16, blank=True, default=""
    )  # message|document|meeting
    source_id = models.CharField(max_length=64, blank=True, default="")
    requirement = models.TextField("工作要求", blank=True, default="")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("截止日期")
    importance = models.CharField(
        max_length=16, choices=Importance.choices, default=Importance.NORMAL
    )
    cycle = models.CharField(max_length=8, choices=Cycle.choices, default=Cycle.NONE)
    cycle_days = models.PositiveSmallIntegerField(null=True, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    percent = models.PositiveSmallIntegerField(default=0)
    last_report_at = models.DateTimeField(null=True, blank=True)
    urge_count = models.PositiveIntegerField(default=0)
    # The last 催办, for the rate limit (ZT_SUPERVISION_URGE_INTERVAL_MINUTES).
    last_urged_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True, default="")
    evidence = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("deadline", "pk")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["root", "status"], name="sup_task_root_status"),
            models.Index(fields=["owner", "status"], name="sup_task_owner_status"),
            models.Index(fields=["unit", "status"], name="sup_task_unit_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ancestor_ids(self) -> list[int]:
        """The ids above this node, root first (from `path`)."""
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class Milestone(models.Model):
    """阶段节点: a dated step of a task; met when the owner reports it done."""

    task = models.ForeignKey(SupervisionTask, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=100)
    due = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due", "pk")

    def __str__(self) -> str:
        return self.title


class Grant(models.Model):
    """Who sees a node and everything below it: owner, supervisor, creator, creator's leaders."""

    class Reason(models.TextChoices):
        OWNER = "owner", "责任人"
        SUPERVISOR = "supervisor", "督办人"
        CREATOR = "creator", "创建人"
        LEADER = "leader", "创建人的领导"

    task = models.ForeignKey(SupervisionTask, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)  # the task's path, copied for the visibility test
    reason = models.CharField(max_length=16, choices=Reason.choices)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["task", "user", "reason"], name="sup_grant_unique")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "path"], name="sup_grant_user_path")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.path}"


class Report(models.Model):
    """进展反馈: what the owner reported, with the percentage at that time."""

    task = models.ForeignKey(SupervisionTask, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    percent = models.PositiveSmallIntegerField()
    attachments = models.JSONField(default=list, blank=True)
    late = models.BooleanField(default=False)  # made after a missed reporting date
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["task", "-created_at"], name="sup_report_task_time")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.percent}%"


class Urge(models.Model):
    """催办: someone above the owner chased the task, with a message."""

    task = models.ForeignKey(SupervisionTask, on_delete=models.CASCADE, related_name="urges")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.message


class Application(models.Model):
    """办结申请 or 延期申请, decided through the flow engine (one instance each)."""

    class Kind(models.TextChoices):
        FINISH = "finish", "办结申请"
        EXTENSION = "extension", "延期申请"

    class Status(models.TextChoices):
        PENDING = "pending", "审核中"
        APPROVED = "approved", "已同意"
        RETURNED = "returned", "已退回"

    task = models.ForeignKey(SupervisionTask, on_delete=models.CASCADE, related_name="applications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    applicant = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()  # 办结: the result; 延期: the reason
    attachments = models.JSONField(default=list, blank=True)
    new_deadline = models.DateField(null=True, blank=True)
    old_deadline = models.DateField(null=True, blank=True)
    instance = models.ForeignKey(
        "workflow.Instance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    opinion = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.kind}:{self.task_id}"
