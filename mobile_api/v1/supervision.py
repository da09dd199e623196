"""督办 over REST: `/api/v1/supervision…` (docs/supervision.md has the contract)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import FileResponse
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.supervision import selectors, services, shapes
from backend.supervision.lights import LIGHTS
from backend.supervision.models import Application, SupervisionTask
from mobile_api.v1.attachments import download_response
from mobile_api.v1.common import errors, request_context, user_of, validated
from mobile_api.v1.schemas import ActionOut, output

# --- shapes ------------------------------------------------------------------------


class SupPersonOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SupIdNameOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SupFileOut(serializers.Serializer[Any]):
    """An attached file (upload it first through /api/v1/attachments; `id` is its token)."""

    id = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    kind = serializers.CharField()


class SupCountsOut(serializers.Serializer[Any]):
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    green = serializers.IntegerField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class SupRollupOut(serializers.Serializer[Any]):
    percent = serializers.IntegerField(help_text="子树叶子任务进度的平均值(已办结计100)")
    light = serializers.ChoiceField(choices=list(LIGHTS), help_text="子树中最差的灯")
    counts = SupCountsOut(help_text="子树叶子任务按灯计数")


class SupSummaryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    root_id = serializers.IntegerField()
    depth = serializers.IntegerField()
    role = serializers.ChoiceField(choices=SupervisionTask.Role.values)
    role_label = serializers.CharField()
    title = serializers.CharField()
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=SupervisionTask.Source.values
    )
    source_label = serializers.CharField()
    unit = SupIdNameOut()
    department = SupIdNameOut(allow_null=True)
    unit_label = serializers.CharField()
    owner = SupPersonOut()
    supervisor = SupPersonOut()
    deadline = serializers.DateField()
    importance = serializers.ChoiceField(choices=SupervisionTask.Importance.values)
    importance_label = serializers.CharField()
    status = serializers.ChoiceField(choices=SupervisionTask.Status.values)
    status_label = serializers.CharField()
    percent = serializers.IntegerField()
    light = serializers.ChoiceField(choices=list(LIGHTS))
    light_label = serializers.CharField()
    light_text = serializers.CharField()
    report_due = serializers.DateField(allow_null=True)
    report_overdue = serializers.BooleanField()
    urge_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    rollup = SupRollupOut()


class SupMilestoneOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due = serializers.DateField()
    done_at = serializers.DateTimeField(allow_null=True)
    light = serializers.ChoiceField(choices=list(LIGHTS), help_text="节点自身的灯")
    light_label = serializers.CharField()
    light_text = serializers.CharField(help_text="如「还有2天」「已超期3天」「已完成于2026-12-01」")


class SupReportOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    task_id = serializers.IntegerField()
    task_title = serializers.CharField()
    author = SupPersonOut()
    text = serializers.CharField()
    percent = serializers.IntegerField()
    attachments = SupFileOut(many=True)
    late = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class SupUrgeOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    actor = SupPersonOut()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class SupApplicationOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Application.Kind.values)
    kind_label = serializers.CharField()
    applicant = SupPersonOut()
    approver = SupPersonOut()
    text = serializers.CharField()
    attachments = SupFileOut(many=True)
    old_deadline = serializers.DateField(allow_null=True)
    new_deadline = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Application.Status.values)
    status_label = serializers.CharField()
    opinion = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class SupDetailOut(SupSummaryOut):
    source_type = serializers.CharField(allow_blank=True)
    source_id = serializers.CharField(allow_blank=True)
    requirement = serializers.CharField(allow_blank=True)
    creator = SupPersonOut()
    cycle = serializers.ChoiceField(choices=SupervisionTask.Cycle.values)
    cycle_label = serializers.CharField()
    cycle_days = serializers.IntegerField(allow_null=True)
    attachments = SupFileOut(many=True)
    result = serializers.CharField(allow_blank=True)
    evidence = SupFileOut(many=True)
    milestones = SupMilestoneOut(many=True)
    tree = SupSummaryOut(many=True)
    reports = SupReportOut(many=True)
    urges = SupUrgeOut(many=True)
    applications = SupApplicationOut(many=True)
    actions = ActionOut(many=True)


class SupListOut(serializers.Serializer[Any]):
    items = SupSummaryOut(many=True)
    can_create = serializers.BooleanField(help_text="我能否创建督办事项（督查人员或领导）")


class SupUnitRowOut(serializers.Serializer[Any]):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    total = serializers.IntegerField()
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    green = serializers.IntegerField()
    done = serializers.IntegerField()
    on_time_rate = serializers.IntegerField(help_text="未亮红灯的比例(%)")


class SupLightCountsOut(serializers.Serializer[Any]):
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    green = serializers.IntegerField()
    done = serializers.IntegerField()


class SupDashboardOut(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    by_light = SupLightCountsOut()
    by_unit = SupUnitRowOut(many=True)
    overdue = SupSummaryOut(many=True, help_text="超期的顶层事项（自身红灯），按截止日期，至多50项")
    overdue_total = serializers.IntegerField(help_text="超期的顶层事项总数")


# --- input -------------------------------------------------------------------------


class SupPartInput(serializers.Serializer[Any]):
    owner_id = serializers.IntegerField(help_text="责任人")
    unit_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    department_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class SupMilestoneInput(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=100)
    due = serializers.DateField()


def _files() -> serializers.ListField:
    """Attachment ids (tokens from POST /api/v1/attachments), at most 9."""
    return serializers.ListField(child=serializers.CharField(), required=False, default=list)


class SupCreateInput(serializers.Serializer[Any]):
    title = serializers.CharField(allow_blank=True, max_length=200)
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, default="other"
    )
    source_type = serializers.CharField(required=False, allow_blank=True, default="")
    source_id = serializers.CharField(required=False, allow_blank=True, default="")
    requirement = serializers.CharField(required=False, allow_blank=True, default="")
    lead = SupPartInput()
    assists = SupPartInput(many=True, required=False, default=list)
    supervisor_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    deadline = serializers.DateField()
    importance = serializers.CharField(required=False, default="normal")
    cycle = serializers.CharField(required=False, default="none")
    cycle_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    milestones = SupMilestoneInput(many=True, required=False, default=list)
    attachments = _files()


class SupSplitInput(serializers.Serializer[Any]):
    title = serializers.CharField(allow_blank=True, max_length=200)
    requirement = serializers.CharField(required=False, allow_blank=True, default="")
    part = SupPartInput()
    deadline = serializers.DateField()
    importance = serializers.CharField(required=False, allow_null=True, default=None)
    cycle = serializers.CharField(required=False, allow_null=True, default=None)
    cycle_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    milestones = SupMilestoneInput(many=True, required=False, default=list)
    attachments = _files()


class SupReportInput(serializers.Serializer[Any]):
    text = serializers.CharField(allow_blank=True)
    percent = serializers.IntegerField(required=False, allow_null=True, default=None)
    attachments = _files()
    milestones_done = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class SupUrgeInput(serializers.Serializer[Any]):
    message = serializers.CharField(allow_blank=True)


class SupFinishInput(serializers.Serializer[Any]):
    result = serializers.CharField(allow_blank=True)
    evidence = _files()


class SupExtensionInput(serializers.Serializer[Any]):
    new_deadline = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)


class SupDecisionInput(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["approve", "return"])
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


def _part(v: dict[str, Any]) -> services.PartInput:
    return services.PartInput(
        owner_id=v["owner_id"], unit_id=v["unit_id"], department_id=v["department_id"]
    )


def _detail(request: Request, task_id: int, code: int = status.HTTP_200_OK) -> Response:
    viewer = user_of(request)
    task = selectors.task_get(viewer=viewer, task_id=task_id)
    return Response(output(SupDetailOut, shapes.detail(task, viewer)), status=code)


DETAIL = {200: SupDetailOut, **errors(400, 401, 403, 404, 409)}


# --- views -------------------------------------------------------------------------


class TaskListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("box", str, enum=list(selectors.BOXES)),
            OpenApiParameter("status", str, enum=list(selectors.STATUSES)),
            OpenApiParameter("light", str, enum=list(LIGHTS)),
            OpenApiParameter("importance", str, enum=SupervisionTask.Importance.values),
            OpenApiParameter("source", str, enum=SupervisionTask.Source.values),
            OpenApiParameter("unit", int),
        ],
        operation_id="supervision_list",
        responses={200: SupListOut, **errors(400, 401)},
        description="督办列表: box=mine(我负责的)/supervised(我督办、我创建或我领导的人创建的)/"
        "assist(我协办的: 我负责的协办部分及其下的子任务)/all(我能看到的全部); "
        "status=to_report(待反馈)/active(进行中)/done(已办结)。",
    )
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        flt = selectors.list_filter(dict(request.query_params.items()))
        tasks, computed = selectors.task_list(viewer=viewer, flt=flt)
        body = {"items": shapes.summaries(tasks, computed)}
        return Response(output(SupListOut, {**body, "can_create": services.may_create(viewer)}))

    @extend_schema(
        request=SupCreateInput,
        responses={201: SupDetailOut, **errors(400, 401, 403)},
        description="创建督办事项(督查人员或领导)。错误码: not_supervisor_role, "
        "invalid_supervision, invalid_cycle, invalid_form(附件)",
    )
    def post(self, request: Request) -> Response:
        v = validated(SupCreateInput, request.data)
        task = services.task_create(
            actor=user_of(request),
            data=services.TaskInput(
                title=v["title"],
                deadline=v["deadline"],
                lead=_part(v["lead"]),
                requirement=v["requirement"],
                source=v["source"],
                source_type=v["source_type"],
                source_id=v["source_id"],
                assists=[_part(a) for a in v["assists"]],
                supervisor_id=v["supervisor_id"],
                importance=v["importance"],
                cycle=v["cycle"],
                cycle_days=v["cycle_days"],
                milestones=[(m["title"], m["due"]) for m in v["milestones"]],
                attachments=v["attachments"],
            ),
            context=request_context(request),
        )
        return _detail(request, task.pk, status.HTTP_201_CREATED)


class DashboardView(APIView):
    @extend_schema(
        responses={200: SupDashboardOut, **errors(401)},
        description="督办看板: 我能看到的督办事项(顶层)按灯、按牵头单位计数，以及超期清单。",
    )
    def get(self, request: Request) -> Response:
        return Response(output(SupDashboardOut, shapes.dashboard(user_of(request))))


class TaskDetailView(APIView):
    @extend_schema(responses={200: SupDetailOut, **errors(401, 404)})
    def get(self, request: Request, task_id: int) -> Response:
        return _detail(request, task_id)


class SplitView(APIView):
    @extend_schema(
        request=SupSplitInput,
        responses={201: SupDetailOut, **errors(400, 401, 403, 404, 409)},
        description="逐级分解(仅该任务的责任人)。返回新子任务的详情。错误码: not_task_owner, "
        "owner_not_below(新责任人不在分解人之下), deadline_after_parent, invalid_cycle, "
        "invalid_supervision, task_finished",
    )
    def post(self, request: Request, task_id: int) -> Response:
        v = validated(SupSplitInput, request.data)
        child = services.task_split(
            actor=user_of(request),
            task_id=task_id,
            data=services.SplitInput(
                title=v["title"],
                deadline=v["deadline"],
                part=_part(v["part"]),
                requirement=v["requirement"],
                importance=v["importance"],
                cycle=v["cycle"],
                cycle_days=v["cycle_days"],
                milestones=[(m["title"], m["due"]) for m in v["milestones"]],
                attachments=v["attachments"],
            ),
            context=request_context(request),
        )
        return _detail(request, child.pk, status.HTTP_201_CREATED)


class _TaskWrite(APIView):
    """POST one write on a task: the input serializer's fields are the service's keyword
    arguments (with the actor, the task and the request context); returns the detail."""

    body: type[serializers.Serializer[Any]]
    service: Callable[..., Any]

    def post(self, request: Request, task_id: int) -> Response:
        v = validated(self.body, request.data)
        type(self).service(
            actor=user_of(request), task_id=task_id, context=request_context(request), **v
        )
        return _detail(request, task_id)


def _writes(
    body: type[serializers.Serializer[Any]], description: str, responses: Any = DETAIL
) -> Any:
    return extend_schema_view(
        post=extend_schema(request=body, responses=responses, description=description)
    )


@_writes(
    SupReportInput,
    "进展反馈(仅责任人)。错误码: not_task_owner, task_finished, percent_needs_finish, "
    "invalid_supervision",
)
class ReportView(_TaskWrite):
    body = SupReportInput
    service = staticmethod(services.report_submit)


@_writes(
    SupUrgeInput,
    "催办（督办人或责任人的上级）。错误码：not_above_owner，task_finished，"
    "urged_recently（同一事项在 ZT_SUPERVISION_URGE_INTERVAL_MINUTES 分钟内已催办过）",
    {**DETAIL, **errors(429)},
)
class UrgeView(_TaskWrite):
    body = SupUrgeInput
    service = staticmethod(services.task_urge)


@_writes(
    SupFinishInput,
    "申请办结(仅责任人，子任务须已全部办结)。错误码: not_task_owner, subtasks_open, "
    "application_pending, task_finished",
)
class FinishView(_TaskWrite):
    body = SupFinishInput
    service = staticmethod(services.finish_apply)


@_writes(
    SupExtensionInput,
    "申请延期(仅责任人)。错误码: invalid_extension, deadline_after_parent, "
    "application_pending, not_task_owner, task_finished",
)
class ExtensionView(_TaskWrite):
    body = SupExtensionInput
    service = staticmethod(services.extension_apply)


@_writes(
    SupDecisionInput,
    "审核待审的办结/延期申请(督办人): approve 同意 / return 退回(须填意见)。"
    "错误码: no_pending_application, not_handler, not_your_turn, invalid_supervision",
)
class DecisionView(_TaskWrite):
    body = SupDecisionInput
    service = staticmethod(services.application_decide)


class AttachmentView(APIView):
    """A file of a task (attachments, evidence, reports', applications'), for its viewers."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **errors(401, 404)})
    def get(self, request: Request, task_id: int, token: str) -> FileResponse:
        attachment = selectors.attachment_get(viewer=user_of(request), task_id=task_id, token=token)
        return download_response(request, attachment)


urlpatterns = [
    path("supervision", TaskListView.as_view()),
    path("supervision/dashboard", DashboardView.as_view()),
    path("supervision/<id:task_id>", TaskDetailView.as_view()),
    path("supervision/<id:task_id>/split", SplitView.as_view()),
    path("supervision/<id:task_id>/reports", ReportView.as_view()),
    path("supervision/<id:task_id>/urge", UrgeView.as_view()),
    path("supervision/<id:task_id>/finish", FinishView.as_view()),
    path("supervision/<id:task_id>/extension", ExtensionView.as_view()),
    path("supervision/<id:task_id>/decision", DecisionView.as_view()),
    path("supervision/<id:task_id>/attachments/<str:token>", AttachmentView.as_view()),
]
