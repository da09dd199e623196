"""Approvals and the 待办 centre over REST (docs/workflow.md has the contract)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.approvals import selectors, services
from backend.approvals.forms import FIELD_TYPES
from backend.approvals.models import Template
from backend.todo import registry
from backend.workflow import selectors as flow
from backend.workflow import services as workflow
from backend.workflow.services import ActParams
from mobile_api.v1.attachments import download_response
from mobile_api.v1.common import errors, query_int, request_context, user_of, validated
from mobile_api.v1.flow_shapes import (
    FlowNodesOut,
    HistoryEntryOut,
    OpinionOut,
    PersonOut,
    RouteStepStateOut,
    StepOut,
)
from mobile_api.v1.schemas import ActionOut, JsonObjectOut, LabelValueOut, NumberOut, output

# --- shapes -------------------------------------------------------------------------


class TemplateOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    icon = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    is_active = serializers.BooleanField()


class FormColumnOut(serializers.Serializer[Any]):
    """A form field as the template defines it (docs/workflow.md, "Form schemas");
    the options after `placeholder` appear for the types that have them."""

    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    type = serializers.ChoiceField(choices=list(FIELD_TYPES))
    required = serializers.BooleanField()  # type: ignore[assignment]
    placeholder = serializers.CharField(allow_blank=True)
    max_length = serializers.IntegerField(required=False, allow_null=True)
    min = NumberOut(required=False, allow_null=True)
    max = NumberOut(required=False, allow_null=True)
    max_days = serializers.IntegerField(required=False, allow_null=True)
    options = serializers.ListField(child=serializers.CharField(), required=False)
    multiple = serializers.BooleanField(required=False)
    # number (backend/forms/fields.py NumberField.options): whole numbers only, the unit shown.
    integer = serializers.BooleanField(required=False)
    unit = serializers.CharField(required=False, allow_blank=True)


class FormFieldOut(FormColumnOut):
    columns = FormColumnOut(many=True, required=False)
    min_rows = serializers.IntegerField(required=False, allow_null=True)
    max_rows = serializers.IntegerField(required=False, allow_null=True)
    total = serializers.CharField(required=False)


class TemplateDetailOut(TemplateOut):
    fields = FormFieldOut(many=True)  # type: ignore[assignment]
    nodes = FlowNodesOut()
    version = serializers.IntegerField()


class CountsOut(serializers.Serializer[Any]):
    todo = serializers.IntegerField()
    done = serializers.IntegerField()
    mine = serializers.IntegerField()
    cc = serializers.IntegerField()
    cc_unread = serializers.IntegerField()


class TemplateBriefOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    icon = serializers.CharField()


class SummaryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    template = TemplateBriefOut()
    initiator = PersonOut()
    status = serializers.CharField()
    status_label = serializers.CharField()
    current_step = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    summary_fields = LabelValueOut(many=True)
    my_task_state = serializers.CharField(allow_blank=True)


class ListOut(serializers.Serializer[Any]):
    items = SummaryOut(many=True)
    has_more = serializers.BooleanField()
    counts = CountsOut()


class DisplayFieldOut(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.CharField()


class DetailOut(SummaryOut):
    fields = DisplayFieldOut(many=True)  # type: ignore[assignment]
    schema = FormFieldOut(many=True)
    form = JsonObjectOut(help_text="填写的表单，键为字段标识")
    route = RouteStepStateOut(many=True)
    history = HistoryEntryOut(many=True)
    actions = ActionOut(many=True)


class RoomOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    location = serializers.CharField()
    capacity = serializers.IntegerField()


class RouteStepOut(StepOut):
    assignees = PersonOut(many=True)


class TodoItemOut(serializers.Serializer[Any]):
    app = serializers.CharField()
    kind = serializers.CharField()
    id = serializers.CharField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    link = serializers.CharField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


class TodoOut(serializers.Serializer[Any]):
    items = TodoItemOut(many=True)
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="各应用的待办数，键为应用名，另有 total"
    )


def _template(template: Template, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": template.pk,
        "code": template.code,
        "name": template.name,
        "icon": template.icon,
        "category": template.category,
        "description": template.description,
        "is_active": template.is_active,
    }
    if detail:
        version = template.definition.current_version
        data |= {
            "fields": template.fields,
            "nodes": selectors.template_nodes(template),
            "version": version.number if version else 0,
        }
    return data


# --- inputs -------------------------------------------------------------------------


class ChosenField(serializers.DictField):
    child = serializers.ListField(child=serializers.IntegerField(), max_length=50)


class RouteInput(serializers.Serializer[Any]):
    form = serializers.DictField(required=False, default=dict)
    chosen = ChosenField(required=False, default=dict)


class SubmitInput(serializers.Serializer[Any]):
    template_id = serializers.IntegerField()
    form = serializers.DictField()
    chosen = ChosenField(required=False, default=dict)
    post_to = serializers.IntegerField(required=False, allow_null=True, default=None)
    client_id = serializers.CharField(max_length=64)


class ActInput(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=list(workflow.ACTIONS))
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    target = serializers.CharField(required=False, allow_null=True, default=None, max_length=32)
    user_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    position = serializers.ChoiceField(
        choices=["before", "after"], required=False, allow_null=True, default=None
    )
    next_assignees = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None
    )
    form = serializers.DictField(required=False, allow_null=True, default=None)
    chosen = ChosenField(required=False, allow_null=True, default=None)
    task_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    save_opinion = serializers.BooleanField(required=False, default=False)


class OpinionInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=200)


class TemplateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=20)
    icon = serializers.CharField(required=False, max_length=32, default="description")
    category = serializers.CharField(required=False, max_length=16, default="其他")
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    is_active = serializers.BooleanField(required=False, default=True)
    fields = serializers.ListField(child=serializers.DictField(), max_length=30)  # type: ignore[assignment]
    nodes = serializers.ListField(child=serializers.DictField(), max_length=50)


# --- templates ----------------------------------------------------------------------


class TemplateListView(APIView):
    @extend_schema(responses={200: TemplateOut(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        templates = selectors.templates_for(viewer=user_of(request))
        return Response(output(TemplateOut, [_template(t) for t in templates], many=True))


class TemplateDetailView(APIView):
    @extend_schema(responses={200: TemplateDetailOut, **errors(401, 404)})
    def get(self, request: Request, template_id: int) -> Response:
        template = selectors.template_get(viewer=user_of(request), template_id=template_id)
        return Response(output(TemplateDetailOut, _template(template, detail=True)))


class TemplateRouteView(APIView):
    """The steps and people the form as filled in so far leads to (for the submit screen)."""

    @extend_schema(
        request=RouteInput, responses={200: RouteStepOut(many=True), **errors(400, 401, 404)}
    )
    def post(self, request: Request, template_id: int) -> Response:
        v = validated(RouteInput, request.data)
        viewer = user_of(request)
        template = selectors.template_get(viewer=viewer, template_id=template_id)
        steps = selectors.route_preview(
            viewer=viewer, template=template, form=v["form"], chosen=v["chosen"]
        )
        return Response(output(RouteStepOut, steps, many=True))


# --- requests -----------------------------------------------------------------------


class ApprovalListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("box", str, enum=list(selectors.BOXES), required=True),
            OpenApiParameter("status", str),
            OpenApiParameter("template", int),
            OpenApiParameter("q", str),
            OpenApiParameter("before", int),
        ],
        operation_id="approvals_list",
        responses={200: ListOut, **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        page = selectors.approval_list(
            viewer=viewer,
            box=request.query_params.get("box", "todo"),
            status=request.query_params.get("status", ""),
            template_id=query_int(request, "template"),
            query=request.query_params.get("q", ""),
            before=query_int(request, "before"),
        )
        listing = {
            "items": selectors.summaries(page.items, viewer),
            "has_more": page.has_more,
            "counts": selectors.approval_counts(viewer=viewer),
        }
        return Response(output(ListOut, listing))

    @extend_schema(request=SubmitInput, responses={201: DetailOut, **errors(400, 401, 404, 409)})
    def post(self, request: Request) -> Response:
        v = validated(SubmitInput, request.data)
        viewer = user_of(request)
        approval = services.approval_submit(
            actor=viewer,
            template_id=v["template_id"],
            form=v["form"],
            chosen=v["chosen"],
            post_to=v["post_to"],
            client_id=v["client_id"],
            context=request_context(request),
        )
        return Response(
            output(DetailOut, selectors.detail(approval, viewer)), status=status.HTTP_201_CREATED
        )


class CountsView(APIView):
    @extend_schema(responses={200: CountsOut, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(output(CountsOut, selectors.approval_counts(viewer=user_of(request))))


class ApprovalDetailView(APIView):
    @extend_schema(responses={200: DetailOut, **errors(401, 404)})
    def get(self, request: Request, approval_id: int) -> Response:
        viewer = user_of(request)
        approval = services.approval_open(viewer=viewer, approval_id=approval_id)
        return Response(output(DetailOut, selectors.detail(approval, viewer)))


class ApprovalActView(APIView):
    @extend_schema(
        request=ActInput, responses={200: DetailOut, **errors(400, 401, 403, 404, 409, 429)}
    )
    def post(self, request: Request, approval_id: int) -> Response:
        v = validated(ActInput, request.data)
        viewer = user_of(request)
        params = ActParams(
            opinion=v["opinion"],
            target=v["target"],
            user_id=v["user_id"],
            position=v["position"],
            next_assignees=v["next_assignees"],
            chosen=v["chosen"],
            task_id=v["task_id"],
        )
        approval = services.approval_act(
            actor=viewer,
            approval_id=approval_id,
            action=v["action"],
            params=params,
            form=v["form"],
            save_opinion=v["save_opinion"],
            context=request_context(request),
        )
        return Response(output(DetailOut, selectors.detail(approval, viewer)))


class DeadlineInput(serializers.Serializer[Any]):
    due_at = serializers.DateTimeField(help_text="新的办理时限(ISO 8601，须晚于当前时间)")


class TaskDeadlineView(APIView):
    @extend_schema(
        request=DeadlineInput,
        responses={200: DetailOut, **errors(400, 401, 403, 404, 409)},
        description="调整某一待办事项的办理时限(延期/提前),仅发起人；提醒随之改期。"
        "错误码: invalid_deadline, not_initiator, task_not_found, task_closed, approval_not_found",
    )
    def post(self, request: Request, approval_id: int, task_id: int) -> Response:
        v = validated(DeadlineInput, request.data)
        viewer = user_of(request)
        approval = services.approval_deadline_set(
            actor=viewer,
            approval_id=approval_id,
            task_id=task_id,
            due_at=v["due_at"],
            context=request_context(request),
        )
        return Response(output(DetailOut, selectors.detail(approval, viewer)))


class ApprovalAttachmentView(APIView):
    """A file attached to a request, for anyone who may open the request."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **errors(401, 404)})
    def get(self, request: Request, approval_id: int, token: str) -> FileResponse:
        viewer = user_of(request)
        attachment = selectors.request_attachment_get(
            viewer=viewer, approval_id=approval_id, token=token
        )
        return download_response(request, attachment)


# --- opinions and rooms -------------------------------------------------------------


class OpinionListView(APIView):
    @extend_schema(responses={200: OpinionOut(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        opinions = flow.saved_opinions(user_of(request))
        return Response(output(OpinionOut, opinions, many=True))

    @extend_schema(request=OpinionInput, responses={201: OpinionOut, **errors(400, 401)})
    def post(self, request: Request) -> Response:
        v = validated(OpinionInput, request.data)
        opinion = workflow.opinion_save(actor=user_of(request), text=v["text"])
        return Response(output(OpinionOut, opinion), status=status.HTTP_201_CREATED)


class OpinionDetailView(APIView):
    @extend_schema(responses={204: None, **errors(401, 404)})
    def delete(self, request: Request, opinion_id: int) -> Response:
        workflow.opinion_delete(actor=user_of(request), opinion_id=opinion_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomListView(APIView):
    @extend_schema(responses={200: RoomOut(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        rooms = selectors.rooms_for(viewer=user_of(request))
        return Response(output(RoomOut, rooms, many=True))


# --- administration -----------------------------------------------------------------


class AdminTemplateListView(APIView):
    @extend_schema(responses={200: TemplateDetailOut(many=True), **errors(401, 403)})
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        templates = selectors.templates_for_admin(viewer=viewer)
        return Response(
            output(TemplateDetailOut, [_template(t, detail=True) for t in templates], many=True)
        )

    @extend_schema(
        request=TemplateInput, responses={201: TemplateDetailOut, **errors(400, 401, 403)}
    )
    def post(self, request: Request) -> Response:
        v = validated(TemplateInput, request.data)
        template = services.template_save(
            actor=user_of(request), data=v, context=request_context(request)
        )
        return Response(
            output(TemplateDetailOut, _template(template, detail=True)),
            status=status.HTTP_201_CREATED,
        )


class AdminTemplateDetailView(APIView):
    @extend_schema(
        request=TemplateInput, responses={200: TemplateDetailOut, **errors(400, 401, 403, 404)}
    )
    def put(self, request: Request, template_id: int) -> Response:
        v = validated(TemplateInput, request.data)
        template = services.template_save(
            actor=user_of(request),
            data=v,
            template_id=template_id,
            context=request_context(request),
        )
        return Response(output(TemplateDetailOut, _template(template, detail=True)))


# --- 待办 ----------------------------------------------------------------------------


class TodoView(APIView):
    @extend_schema(responses={200: TodoOut, **errors(401)})
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        todo = {
            "items": [i.as_dict() for i in registry.items_for(viewer)],
            "counts": registry.counts_for(viewer),
        }
        return Response(output(TodoOut, todo))


urlpatterns = [
    path("approvals", ApprovalListView.as_view()),
    path("approvals/counts", CountsView.as_view()),
    path("approvals/templates", TemplateListView.as_view()),
    path("approvals/templates/<id:template_id>", TemplateDetailView.as_view()),
    path("approvals/templates/<id:template_id>/route", TemplateRouteView.as_view()),
    path("approvals/opinions", OpinionListView.as_view()),
    path("approvals/opinions/<id:opinion_id>", OpinionDetailView.as_view()),
    path("approvals/rooms", RoomListView.as_view()),
    path("approvals/admin/templates", AdminTemplateListView.as_view()),
    path("approvals/admin/templates/<id:template_id>", AdminTemplateDetailView.as_view()),
    path("approvals/<id:approval_id>", ApprovalDetailView.as_view()),
    path("approvals/<id:approval_id>/actions", ApprovalActView.as_view()),
    path("approvals/<id:approval_id>/tasks/<id:task_id>/deadline", TaskDeadlineView.as_view()),
    path("approvals/<id:approval_id>/attachments/<str:token>", ApprovalAttachmentView.as_view()),
    path("todo", TodoView.as_view()),
]
