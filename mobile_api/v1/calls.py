"""Audio/video calls over REST (docs/calls.md): start, look up, decline, invite, host controls.

Joining, leaving, signalling and media state go over the WebSocket
(`call_join`, `call_leave`, `call_signal`, `call_media`): they belong to a
device's socket.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.calls import selectors, services
from backend.calls.models import Call, CallParticipant
from mobile_api.v1 import schemas as out
from mobile_api.v1.common import errors, request_context, user_of, validated
from mobile_api.v1.schemas import output

# --- shapes (the same fields as the socket's WsCall) ----------------------------------------


class CallParticipantSerializer(serializers.Serializer[Any]):
    user = out.UserBriefOut()
    state = serializers.ChoiceField(choices=CallParticipant.State.choices)
    invited = serializers.BooleanField(help_text="被呼叫过（发起时或被邀请）")
    joined_at = serializers.DateTimeField(required=False, help_text="首次加入时间")
    left_at = serializers.DateTimeField(required=False)
    muted = serializers.BooleanField()
    camera = serializers.BooleanField()
    screen = serializers.BooleanField()
    peer_id = serializers.CharField(
        required=False, help_text="加入期间：其他设备向其发送信令所用的编号"
    )


class CallSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    media = serializers.ChoiceField(choices=Call.Media.choices)
    mode = serializers.ChoiceField(choices=Call.Mode.choices)
    state = serializers.ChoiceField(choices=Call.State.choices)
    host = out.UserBriefOut()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, help_text="仅已结束的通话")
    duration_seconds = serializers.IntegerField(
        required=False, help_text="仅已结束的通话：首次接通到结束的秒数"
    )
    recording = serializers.BooleanField(help_text="录制中（所有人可见）")
    mesh_limit = serializers.IntegerField(help_text="点对点模式的人数上限（ZT_CALL_MESH_LIMIT）")
    sfu_available = serializers.BooleanField(help_text="是否配置了媒体服务器（SFU）")
    participants = CallParticipantSerializer(many=True)


def _out(call: Call) -> Any:
    return output(CallSerializer, selectors.call_payload(call))


# --- views ----------------------------------------------------------------------------------


class CallStartInput(serializers.Serializer[Any]):
    media = serializers.ChoiceField(choices=Call.Media.choices)
    invitee_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
        help_text="群聊：要呼叫的成员（单聊忽略）",
    )


class CallStartView(APIView):
    @extend_schema(
        operation_id="calls_start",
        request=CallStartInput,
        responses={201: CallSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        v = validated(CallStartInput, request.data)
        call = services.call_start(
            actor=user_of(request),
            conversation_id=conversation_id,
            media=v["media"],
            invitee_ids=v.get("invitee_ids", []),
            context=request_context(request),
        )
        return Response(_out(call), status=status.HTTP_201_CREATED)


class CallActiveView(APIView):
    @extend_schema(
        operation_id="calls_active", responses={200: CallSerializer, **errors(401, 403, 404)}
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        call = selectors.call_active_get(viewer=user_of(request), conversation_id=conversation_id)
        return Response(_out(call))


class CallDetailView(APIView):
    @extend_schema(operation_id="calls_get", responses={200: CallSerializer, **errors(401, 404)})
    def get(self, request: Request, call_id: int) -> Response:
        return Response(_out(selectors.call_get(viewer=user_of(request), call_id=call_id)))


class CallDeclineView(APIView):
    @extend_schema(
        operation_id="calls_decline",
        request=None,
        responses={200: CallSerializer, **errors(401, 404, 409)},
    )
    def post(self, request: Request, call_id: int) -> Response:
        return Response(_out(services.call_decline(actor=user_of(request), call_id=call_id)))


class CallInviteInput(serializers.Serializer[Any]):
    user_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        allow_empty=False,
        max_length=500,
    )


class CallInviteView(APIView):
    @extend_schema(
        operation_id="calls_invite",
        request=CallInviteInput,
        responses={200: CallSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, call_id: int) -> Response:
        v = validated(CallInviteInput, request.data)
        call = services.call_invite(actor=user_of(request), call_id=call_id, user_ids=v["user_ids"])
        return Response(_out(call))


class CallEndView(APIView):
    @extend_schema(
        operation_id="calls_end",
        request=None,
        responses={200: CallSerializer, **errors(401, 403, 404)},
    )
    def post(self, request: Request, call_id: int) -> Response:
        call = services.call_end(
            actor=user_of(request), call_id=call_id, context=request_context(request)
        )
        return Response(_out(call))


class CallParticipantRemoveView(APIView):
    @extend_schema(
        operation_id="calls_participant_remove",
        request=None,
        responses={200: CallSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, call_id: int, user_id: int) -> Response:
        call = services.participant_remove(
            actor=user_of(request),
            call_id=call_id,
            user_id=user_id,
            context=request_context(request),
        )
        return Response(_out(call))


class CallRecordingInput(serializers.Serializer[Any]):
    on = serializers.BooleanField()


class CallRecordingView(APIView):
    @extend_schema(
        operation_id="calls_recording",
        request=CallRecordingInput,
        responses={200: CallSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, call_id: int) -> Response:
        v = validated(CallRecordingInput, request.data)
        call = services.recording_set(
            actor=user_of(request), call_id=call_id, on=v["on"], context=request_context(request)
        )
        return Response(_out(call))


urlpatterns: list[URLPattern] = [
    path("conversations/<id:conversation_id>/calls", CallStartView.as_view()),
    path("conversations/<id:conversation_id>/calls/active", CallActiveView.as_view()),
    path("calls/<id:call_id>", CallDetailView.as_view()),
    path("calls/<id:call_id>/decline", CallDeclineView.as_view()),
    path("calls/<id:call_id>/invite", CallInviteView.as_view()),
    path("calls/<id:call_id>/end", CallEndView.as_view()),
    path(
        "calls/<id:call_id>/participants/<id:user_id>/remove",
        CallParticipantRemoveView.as_view(),
    ),
    path("calls/<id:call_id>/recording", CallRecordingView.as_view()),
]
