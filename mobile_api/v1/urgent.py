"""加急 (DING) over REST: mark a message urgent, see who read it and how each was reached,
再次提醒 the unread (docs/notifications.md, "加急")."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mobile_api.v1 import schemas as out
from mobile_api.v1.common import errors, request_context, user_of, validated
from mobile_api.v1.schemas import output
from push.models import Delivery
from realtime import selectors, services
from realtime.payloads import user_brief
from realtime.selectors import UrgentStatus
from realtime.services.urgent import CHANNELS

# --- shapes -------------------------------------------------------------------------


class UrgentDeliveryOut(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=Delivery.Channel.choices)
    state = serializers.ChoiceField(choices=Delivery.State.choices)
    state_label = serializers.CharField()
    round = serializers.CharField(help_text="first 首次 / escalation 未读短信 / remind 再次提醒")
    error_code = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class UrgentRecipientOut(serializers.Serializer[Any]):
    user = out.UserBriefOut()
    read = serializers.BooleanField(help_text="已读(读指针已到该消息)")
    reached_by = serializers.ListField(
        child=serializers.ChoiceField(choices=Delivery.Channel.choices),
        help_text="已成功送达的渠道",
    )
    deliveries = UrgentDeliveryOut(many=True)


class UrgentOut(serializers.Serializer[Any]):
    message_id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=list(CHANNELS)))
    created_at = serializers.DateTimeField()
    sms_after = serializers.DateTimeField(allow_null=True, help_text="未读者收到短信的时间")
    remind_count = serializers.IntegerField()
    reminded_at = serializers.DateTimeField(allow_null=True)
    read_count = serializers.IntegerField()
    unread_count = serializers.IntegerField()
    recipients = UrgentRecipientOut(many=True)


class RemindOut(serializers.Serializer[Any]):
    reminded = serializers.IntegerField(help_text="本次提醒的未读人数")


def _round(row: Delivery) -> str:
    """Which round a delivery belongs to, from its key (realtime.services.urgent names them)."""
    rest = row.notification.dedup_key.split(":")[3:]  # urgent:msg:<id>[:sms | :r<n>[:sms]]
    if rest and rest[0].startswith("r"):
        return "remind"
    return "escalation" if rest == ["sms"] else "first"


def urgent_payload(status: UrgentStatus) -> dict[str, Any]:
    notice = status.notice
    read = sum(1 for r in status.recipients if r.read)
    return {
        "message_id": notice.message_id,
        "conversation_id": notice.message.conversation_id,
        "channels": notice.channels,
        "created_at": notice.created_at,
        "sms_after": notice.sms_after,
        "remind_count": notice.remind_count,
        "reminded_at": notice.reminded_at,
        "read_count": read,
        "unread_count": len(status.recipients) - read,
        "recipients": [
            {
                "user": user_brief(r.user),
                "read": r.read,
                "reached_by": sorted(
                    {d.channel for d in r.deliveries if d.state == Delivery.State.SENT}
                ),
                "deliveries": [
                    {
                        "channel": d.channel,
                        "state": d.state,
                        "state_label": d.get_state_display(),
                        "round": _round(d),
                        "error_code": d.error_code,
                        "error": d.error,
                        "created_at": d.created_at,
                        "sent_at": d.sent_at,
                    }
                    for d in r.deliveries
                ],
            }
            for r in status.recipients
        ],
    }


# --- views ----------------------------------------------------------------------------


class UrgentView(APIView):
    class MarkIn(serializers.Serializer[Any]):
        channels = serializers.ListField(
            child=serializers.CharField(max_length=8),
            required=False,
            max_length=3,
            help_text="app 应用内+推送(总是) / sms 未读短信 / ring 应用内响铃；默认 app, sms",
        )

    @extend_schema(
        request=MarkIn,
        responses={200: UrgentOut, **errors(400, 401, 403, 404)},
        description="把自己发送的消息设为加急：未读成员立即收到推送；选 sms 时，"
        "超过 ZT_URGENT_SMS_AFTER_SECONDS（默认5分钟）仍未读的收到短信。重复调用返回原加急。"
        "错误码: message_not_found(消息不存在或您无权查看), urgent_not_sender, urgent_not_allowed, "
        "invalid_urgent_channel",
    )
    def post(self, request: Request, message_id: int) -> Response:
        data = validated(self.MarkIn, request.data)
        viewer = user_of(request)
        services.message_urge(
            actor=viewer,
            message_id=message_id,
            channels=data.get("channels", ["app", "sms"]),
            context=request_context(request),
        )
        status = selectors.urgent_status(viewer=viewer, message_id=message_id)
        return Response(output(UrgentOut, urgent_payload(status)))

    @extend_schema(
        responses={200: UrgentOut, **errors(401, 403, 404)},
        description="加急情况(仅发送人):每位接收人已读/未读，以及推送、短信各自的投递结果。"
        "错误码: message_not_found(消息不存在或您无权查看), not_urgent, urgent_not_sender",
    )
    def get(self, request: Request, message_id: int) -> Response:
        status = selectors.urgent_status(viewer=user_of(request), message_id=message_id)
        return Response(output(UrgentOut, urgent_payload(status)))


class UrgentRemindView(APIView):
    @extend_schema(
        request=None,
        responses={200: RemindOut, **errors(401, 403, 404, 429)},
        description="再次提醒仍未读的接收人(仅发送人)。错误码: "
        "message_not_found(消息不存在或您无权查看), not_urgent, urgent_not_sender, "
        "remind_too_often",
    )
    def post(self, request: Request, message_id: int) -> Response:
        reminded = services.message_urge_remind(
            actor=user_of(request), message_id=message_id, context=request_context(request)
        )
        return Response(output(RemindOut, {"reminded": len(reminded)}))


urlpatterns: list[URLPattern] = [
    path("messages/<id:message_id>/urgent", UrgentView.as_view()),
    path("messages/<id:message_id>/urgent/remind", UrgentRemindView.as_view()),
]
