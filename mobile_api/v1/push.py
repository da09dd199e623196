"""Web push subscriptions, 通知设置 and the person's delivery log (docs/notifications.md)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common import error_catalogue as codes
from backend.common import input_guard
from backend.common.errors import NotFound
from backend.directory.selectors import mask_mobile
from mobile_api.v1.common import errors, request_context, user_of, validated
from mobile_api.v1.schemas import output
from push import selectors, services
from push.models import Delivery, LockScreen, NotificationSettings, PushSubscription

DELIVERY_PAGE = 50

# --- shapes -------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})
class HourMinuteField(serializers.TimeField):
    """A time of day as "HH:MM" (the schema's `format: time` would promise seconds)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class SubscriptionOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    endpoint = serializers.CharField()
    user_agent = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_success_at = serializers.DateTimeField(allow_null=True)


class VapidKeyOut(serializers.Serializer[Any]):
    public_key = serializers.CharField(help_text="applicationServerKey,base64url")


class SettingsOut(serializers.Serializer[Any]):
    lock_screen = serializers.ChoiceField(
        choices=LockScreen.choices,
        help_text="锁屏显示: full 显示发送人和内容 / sender 仅显示发送人 / hidden 仅提示有新消息",
    )
    quiet_start = HourMinuteField()
    quiet_end = HourMinuteField()
    sms_urgent = serializers.BooleanField(help_text="加急未读时短信提醒")
    sms_deadlines = serializers.BooleanField(help_text="事项到期短信提醒")


class DeliveryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    notification_id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    channel = serializers.ChoiceField(choices=Delivery.Channel.choices)
    state = serializers.ChoiceField(choices=Delivery.State.choices)
    state_label = serializers.CharField()
    attempts = serializers.IntegerField()
    provider_message_id = serializers.CharField()
    error_code = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class DeliveryPageOut(serializers.Serializer[Any]):
    items = DeliveryOut(many=True)
    has_more = serializers.BooleanField()


class DeliveryPersonOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AdminDeliveryOut(DeliveryOut):
    """A row of the administrator's log: whose it is, and where it went."""

    user = DeliveryPersonOut()
    provider = serializers.CharField(help_text="webpush / 短信网关名")
    target = serializers.CharField(help_text="短信: 手机号(中间四位隐去);推送: 空")
    updated_at = serializers.DateTimeField()


class AdminDeliveryPageOut(serializers.Serializer[Any]):
    items = AdminDeliveryOut(many=True)
    has_more = serializers.BooleanField()


def subscription_payload(row: PushSubscription) -> dict[str, Any]:
    return {
        "id": row.pk,
        "endpoint": row.endpoint,
        "user_agent": row.user_agent,
        "created_at": row.created_at,
        "last_success_at": row.last_success_at,
    }


def settings_payload(row: NotificationSettings) -> dict[str, Any]:
    return SettingsOut(row).data


def delivery_payload(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.pk,
        "notification_id": row.notification_id,
        "kind": row.notification.kind,
        "title": row.notification.title,
        "channel": row.channel,
        "state": row.state,
        "state_label": row.get_state_display(),
        "attempts": row.attempts,
        "provider_message_id": row.provider_message_id,
        "error_code": row.error_code,
        "error": row.error,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
    }


def admin_delivery_payload(row: Delivery) -> dict[str, Any]:
    person = row.notification.user
    return {
        **delivery_payload(row),
        "user": {"id": person.pk, "name": person.name},
        "provider": row.provider,
        "target": mask_mobile(row.target),
        "updated_at": row.updated_at,
    }


# --- views ----------------------------------------------------------------------------


class SubscriptionNotFound(NotFound):
    entry = codes.SUBSCRIPTION_NOT_FOUND


class SubscriptionView(APIView):
    class SubscribeIn(serializers.Serializer[Any]):
        class KeysIn(serializers.Serializer[Any]):
            p256dh = serializers.CharField(max_length=128)
            auth = serializers.CharField(max_length=64)

        endpoint = serializers.CharField(max_length=2048)
        keys = KeysIn()
        expirationTime = serializers.IntegerField(  # noqa: N815 - PushSubscription.toJSON()
            required=False, allow_null=True
        )

    class UnsubscribeIn(serializers.Serializer[Any]):
        endpoint = serializers.CharField(max_length=2048)

    @extend_schema(
        request=SubscribeIn,
        responses={201: SubscriptionOut, **errors(400, 401)},
        description="保存本设备的推送订阅(即浏览器 PushSubscription.toJSON())。"
        "错误码: invalid_endpoint, endpoint_not_https, invalid_p256dh, invalid_auth",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.SubscribeIn, request.data)
        keys = data["keys"]
        row = services.subscription_save(
            actor=user_of(request),
            data=services.SubscriptionInput(
                endpoint=data["endpoint"],
                p256dh=keys["p256dh"],
                auth=keys["auth"],
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ),
            context=request_context(request),
        )
        return Response(subscription_payload(row), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=UnsubscribeIn,
        responses={204: None, **errors(400, 401, 404)},
        description="本设备取消推送。错误码: subscription_not_found",
    )
    def delete(self, request: Request) -> Response:
        data = validated(self.UnsubscribeIn, request.data)
        if not services.subscription_delete(
            actor=user_of(request),
            endpoint=data["endpoint"],
            context=request_context(request),
        ):
            raise SubscriptionNotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class VapidPublicKeyView(APIView):
    @extend_schema(responses={200: VapidKeyOut, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response({"public_key": selectors.vapid_public_key()})


class NotificationSettingsView(APIView):
    class PatchIn(serializers.Serializer[Any]):
        lock_screen = serializers.ChoiceField(choices=LockScreen.choices, required=False)
        quiet_start = serializers.TimeField(required=False, input_formats=["%H:%M"])
        quiet_end = serializers.TimeField(required=False, input_formats=["%H:%M"])
        sms_urgent = serializers.BooleanField(required=False)
        sms_deadlines = serializers.BooleanField(required=False)

    @extend_schema(responses={200: SettingsOut, **errors(401)})
    def get(self, request: Request) -> Response:
        row = selectors.settings_get(user_id=user_of(request).pk)
        return Response(settings_payload(row))

    @extend_schema(
        request=PatchIn,
        responses={200: SettingsOut, **errors(400, 401)},
        description="修改通知设置，只传需要改的项；免打扰时段为 HH:MM",
    )
    def patch(self, request: Request) -> Response:
        data = validated(self.PatchIn, request.data, partial=True)
        row = services.settings_update(actor=user_of(request), changes=data)
        return Response(settings_payload(row))


class DeliveryListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, required=False, description="只返回 id 小于此值的记录"),
        ],
        responses={200: DeliveryPageOut, **errors(400, 401)},
        description="本人的通知投递记录（网页推送与短信），最新在前，每页50条",
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("before")
        field = serializers.IntegerField(min_value=1, max_value=input_guard.INT_MAX)
        before = field.run_validation(raw) if raw else None
        rows = list(
            selectors.deliveries_of(
                viewer=user_of(request), limit=DELIVERY_PAGE + 1, before_id=before
            )
        )
        return Response(
            {
                "items": [delivery_payload(r) for r in rows[:DELIVERY_PAGE]],
                "has_more": len(rows) > DELIVERY_PAGE,
            }
        )


class AdminDeliveryListView(APIView):
    class QueryIn(serializers.Serializer[Any]):
        user = serializers.IntegerField(required=False, min_value=1)
        channel = serializers.ChoiceField(choices=Delivery.Channel.choices, required=False)
        state = serializers.ChoiceField(choices=Delivery.State.choices, required=False)
        before = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        parameters=[QueryIn],
        responses={200: AdminDeliveryPageOut, **errors(400, 401, 403)},
        description="单位管理员查看本单位人员的通知投递记录（网页推送与短信），最新在前，每页50条；"
        "可按人员(user)、渠道(channel)、状态(state)筛选，before 翻页。"
        "错误码: not_delivery_admin, person_not_in_unit, invalid",
    )
    def get(self, request: Request) -> Response:
        v = validated(self.QueryIn, request.query_params)
        rows = list(
            selectors.deliveries_for_admin(
                viewer=user_of(request),
                where=selectors.DeliveryFilter(
                    user_id=v.get("user"),
                    channel=v.get("channel"),
                    state=v.get("state"),
                    before_id=v.get("before"),
                ),
                limit=DELIVERY_PAGE + 1,
            )
        )
        page = {
            "items": [admin_delivery_payload(r) for r in rows[:DELIVERY_PAGE]],
            "has_more": len(rows) > DELIVERY_PAGE,
        }
        return Response(output(AdminDeliveryPageOut, page))


urlpatterns: list[URLPattern] = [
    path("push/subscriptions", SubscriptionView.as_view()),
    path("push/vapid-public-key", VapidPublicKeyView.as_view()),
    path("me/notification-settings", NotificationSettingsView.as_view()),
    path("me/deliveries", DeliveryListView.as_view()),
    path("admin/deliveries", AdminDeliveryListView.as_view()),
]
