"""The flow engine's tables: versioned definitions, instances, tasks, history.

The engine is generic: an instance points at its subject (`subject_type`,
`subject_id`, e.g. ``("approval", "42")``) and never imports the app that
owns it. Apps learn about changes through `workflow.listeners`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class ProcessDefinition(models.Model):
    """A named flow whose steps live in immutable versions."""

    key = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    current_version = models.ForeignKey(
        "ProcessVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ProcessVersion(models.Model):
    """One saved shape of a flow; never edited once saved."""

    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    nodes = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["definition", "number"], name="version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.definition_id} v{self.number}"


class Instance(models.Model):
    """One run of a flow for one subject."""

    class State(models.TextChoices):
        RUNNING = "running", "审批中"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "已驳回"
        WITHDRAWN = "withdrawn", "已撤回"

    TERMINAL: ClassVar[frozenset[str]] = frozenset({"approved", "rejected", "withdrawn"})

    version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="+")
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "directory.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    # The flat list of steps this run takes (conditions evaluated, assignees
    # resolved at submit): [{"id", "type", "name", "mode", "assignee_ids", "deadline_hours"}].
    route = models.JSONField(default=list)
    facts = models.JSONField(default=dict)
    current_index = models.IntegerField(default=0)
    # Each (re)submission is a round; a withdraw is allowed only while no
    # handler has acted in the current round.
    round = models.PositiveIntegerField(default=1)
    acted_in_round = models.BooleanField(default=False)
    history_seq = models.PositiveIntegerField(default=0)
    last_urged_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="instance_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"

    @property
    def is_terminal(self) -> bool:
        return self.state in self.TERMINAL

    def step(self, index: int | None = None) -> dict[str, object] | None:
        i = self.current_index if index is None else index
        return self.route[i] if 0 <= i < len(self.route) else None


class Task(models.Model):
    """One person's part in one activation of an approver step."""

    class State(models.TextChoices):
        QUEUED = "queued", "未开始"
        PENDING = "pending", "待处理"
        WAITING = "waiting", "等待加签人"
        DONE = "done", "已处理"
        CANCELLED = "cancelled", "无需处理"

    class Result(models.TextChoices):
        APPROVED = "approve", "同意"
        REJECTED = "reject", "驳回"
        RETURNED = "return", "退回"
        TRANSFERRED = "transfer", "转办"

    OPEN: ClassVar[tuple[str, ...]] = ("queued", "pending", "waiting")

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="tasks")
    step_index = models.IntegerField()
    step_id = models.CharField(max_length=32)
    # Which activation of the step (a return reopens it): tasks of older
    # activations stay as history. `round` is the instance's submission it
    # belongs to, so a resubmitted request's diagram shows only this round.
    activation = models.PositiveIntegerField()
    round = models.PositiveIntegerField(default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workflow_tasks"
    )
    order = models.IntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices)
    result = models.CharField(max_length=16, choices=Result.choices, blank=True)
    opinion = models.TextField(blank=True)
    # 加签: the task this one was added by, and whether it acts before the
    # parent (the parent waits) or after it (the node waits for it).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    added_position = models.CharField(max_length=8, blank=True)
    # 转办: the task this one was transferred from.
    transferred_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["assignee", "state"], name="task_assignee_state"),
        ]

    def __str__(self) -> str:
        return f"task {self.pk} {self.state}"


class CarbonCopy(models.Model):
    """A person a CC step informed (抄送); read state drives the 抄送我的 badge."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="ccs")
    step_id = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["instance", "user"], name="cc_once")
        ]

    def __str__(self) -> str:
        return f"cc {self.user_id}"


class HistoryEntry(models.Model):
    """Append-only: who did what, when, with which opinion, on which step."""

    instance = models.ForeignKey(Instance, on_delete=models.PROTECT, related_name="history")
    seq = models.PositiveIntegerField()
    step_id = models.CharField(max_length=32, blank=True)
    step_name = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=24)
    opinion = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        ordering = ("instance", "seq")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["instance", "seq"], name="history_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.instance_id}#{self.seq} {self.action}"


class SavedOpinion(models.Model):
    """A person's 常用意见."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_opinions"
    )
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "text"], name="opinion_unique")
        ]

    def __str__(self) -> str:
        return self.text
