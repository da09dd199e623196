"""Shapes of a flow as every flow-driven app shows it (approvals, 公文): people, the
diagram's steps and tasks, the history, saved opinions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mobile_api.v1.schemas import JsonObjectOut


class PersonOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaskOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    assignee = PersonOut(allow_null=True)
    state = serializers.CharField()
    state_label = serializers.CharField()
    result = serializers.CharField(allow_blank=True)
    result_label = serializers.CharField(allow_blank=True)
    opinion = serializers.CharField(allow_blank=True)
    added_position = serializers.CharField(allow_blank=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    acted_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


class StepOut(serializers.Serializer[Any]):
    # What the route preview and the detail page's diagram say of every step
    # (no docstring: drf-spectacular would give it to both components).
    id = serializers.CharField()
    type = serializers.CharField()
    name = serializers.CharField()
    mode = serializers.CharField(allow_blank=True)
    mode_label = serializers.CharField(allow_blank=True)
    chooser = serializers.CharField(allow_blank=True)


class RouteStepStateOut(StepOut):
    """A step of a running flow: the diagram on the detail page."""

    state = serializers.ChoiceField(choices=["done", "current", "stopped", "future"])
    assignees = PersonOut(many=True)
    tasks = TaskOut(many=True)
    cc_read = serializers.ListField(child=serializers.IntegerField())
    deadline_hours = serializers.IntegerField(allow_null=True)


class HistoryEntryOut(serializers.Serializer[Any]):
    seq = serializers.IntegerField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    actor = PersonOut(allow_null=True)
    step_name = serializers.CharField(allow_blank=True)
    opinion = serializers.CharField(allow_blank=True)
    data = JsonObjectOut()  # type: ignore[assignment]
    at = serializers.DateTimeField()


class OpinionOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    text = serializers.CharField()


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "object", "additionalProperties": True},
        "description": "流程定义节点(管理员编辑的数据，见 docs/workflow.md)",
    }
)
class FlowNodesOut(serializers.JSONField):
    pass
