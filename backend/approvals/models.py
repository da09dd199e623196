"""Approval templates (form + flow per unit), requests, meeting rooms and bookings."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from backend.common import error_catalogue as codes
from backend.common.errors import Conflict
from backend.workflow.models import Instance


class MeetingRoom(models.Model):
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("会议室", max_length=64)
    location = models.CharField("位置", max_length=128, blank=True)
    capacity = models.PositiveIntegerField("容纳人数", default=10)
    is_active = models.BooleanField(default=True)
    order = models.IntegerField(default=0)

    class Meta:
        ordering = ("unit", "order", "pk")

    def __str__(self) -> str:
        return self.name


class Template(models.Model):
    """What an official fills in (`fields`) and who approves it (`definition`)."""

    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    # Built-ins carry their code (leave, travel…); templates a unit adds have none.
    code = models.CharField(max_length=32, blank=True)
    name = models.CharField(max_length=20)
    icon = models.CharField(max_length=32, default="description")
    category = models.CharField(max_length=16, default="其他")
    description = models.CharField(max_length=200, blank=True)
    fields = models.JSONField(default=list)
    definition = models.ForeignKey(
        "workflow.ProcessDefinition", on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    order = models.IntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("unit", "order", "pk")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["unit", "code"], condition=~models.Q(code=""), name="template_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Approval(models.Model):
    """One request: the form as submitted and the flow instance that decides it."""

    # A request's status is its flow's state, mirrored here for lists and search.
    Status = Instance.State

    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="approvals")
    number = models.CharField(max_length=24, unique=True)
    title = models.CharField(max_length=64)
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals"
    )
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    # The schema as it was at submit: a later edit of the template never
    # changes how an old request reads.
    fields = models.JSONField()
    form = models.JSONField()
    search_text = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    instance = models.OneToOneField(
        "workflow.Instance", null=True, on_delete=models.PROTECT, related_name="+"
    )
    post_to_conversation_id = models.BigIntegerField(null=True, blank=True)
    client_id = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["initiator", "client_id"], name="approval_client_id")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["initiator", "-created_at"], name="approval_initiator"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def flow(self) -> Instance:
        """The flow instance; set in the transaction that creates the request."""
        if self.instance is None:
            raise Conflict.of(codes.FLOW_MISSING)
        return self.instance


class RoomBooking(models.Model):
    """A room held by a 会议室预约 while it is pending or approved."""

    room = models.ForeignKey(MeetingRoom, on_delete=models.PROTECT, related_name="bookings")
    approval = models.OneToOneField(Approval, on_delete=models.CASCADE, related_name="booking")
    start = models.DateTimeField()
    end = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["room", "start"], name="booking_room_start"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.start}–{self.end}"
