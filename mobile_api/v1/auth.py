"""Login, logout, tokens, WebSocket tickets and `me`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.throttles import ClientIpScopedThrottle
from backend.directory import services as directory_services
from backend.directory.models import User
from mobile_api.v1.common import errors, request_context, user_of
from mobile_api.v1.directory import PersonPositionSerializer, position_payload
from mobile_api.v1.schemas import TicketOut, output
from realtime import services as realtime_services


def me_payload(user: User) -> dict[str, Any]:
    positions = user.positions.select_related("department__unit").order_by("-is_primary", "rank")
    return {
        "id": user.pk,
        "name": user.name,
        "mobile": user.mobile,
        "office_phone": user.office_phone,
        "avatar": f"/api/v1/people/{user.pk}/avatar" if user.avatar else None,
        "employee_no": user.employee_no,
        "positions": [position_payload(p) for p in positions],
        "roles": [
            {"unit_id": r.unit_id, "role": r.role} for r in user.roles.all().order_by("unit_id")
        ],
    }


class RoleOut(serializers.Serializer[Any]):
    unit_id = serializers.IntegerField()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mobile = serializers.CharField()
    office_phone = serializers.CharField(allow_blank=True)
    avatar = serializers.CharField(allow_null=True)
    employee_no = serializers.CharField(allow_blank=True)
    positions = PersonPositionSerializer(many=True)
    roles = RoleOut(many=True)


class LoginOut(serializers.Serializer[Any]):
    user = MeSerializer()


class TokenOut(serializers.Serializer[Any]):
    token = serializers.CharField()
    user = MeSerializer()


class LoginInput(serializers.Serializer[Any]):
    mobile = serializers.CharField(max_length=32)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class CsrfView(APIView):
    """Sets the `csrftoken` cookie the PWA echoes in `X-CSRFToken`."""

    permission_classes = (AllowAny,)

    @extend_schema(responses={204: None})
    def get(self, request: Request) -> Response:
        get_token(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(csrf_protect, name="dispatch")
class LoginView(APIView):
    """Session login for the PWA (HttpOnly cookie).

    CSRF-checked even though nobody is logged in yet (DRF checks only
    authenticated sessions): a foreign page must not log a browser into an
    account of its choosing. Get the token from `GET /auth/csrf` first.
    """

    permission_classes = (AllowAny,)
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(
        request=LoginInput,
        responses={200: LoginOut, **errors(400, 403, 423, 429)},
    )
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = directory_services.login_check(
            mobile=data.validated_data["mobile"],
            password=data.validated_data["password"],
            context=request_context(request),
        )
        login(request._request, user)
        return Response(output(LoginOut, {"user": me_payload(user)}))


class TokenLoginView(APIView):
    """Token login for native clients: `Authorization: Bearer <token>` afterwards."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(
        request=LoginInput,
        responses={200: TokenOut, **errors(400, 423, 429)},
    )
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = directory_services.login_check(
            mobile=data.validated_data["mobile"],
            password=data.validated_data["password"],
            context=request_context(request),
        )
        key = directory_services.token_issue(user=user, context=request_context(request))
        return Response(output(TokenOut, {"token": key, "user": me_payload(user)}))


class LogoutView(APIView):
    """Ends the session (and deletes the token of a native client)."""

    @extend_schema(request=None, responses={204: None, **errors(401)})
    def post(self, request: Request) -> Response:
        user = user_of(request)
        token_key = request.auth.key if isinstance(request.auth, Token) else None
        directory_services.logout_record(
            user=user, token_key=token_key, context=request_context(request)
        )
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(output(MeSerializer, me_payload(user_of(request))))


class WsTicketView(APIView):
    """A single-use ticket for `/ws/v1/?ticket=…`, valid for a minute."""

    @extend_schema(
        request=None,
        responses={200: TicketOut, **errors(401)},
    )
    def post(self, request: Request) -> Response:
        ticket = realtime_services.ws_ticket_issue(actor=user_of(request))
        return Response(
            output(TicketOut, {"ticket": ticket.key, "expires_at": ticket.expires_at.isoformat()})
        )
