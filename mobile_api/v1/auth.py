"""Login, logout, tokens, WebSocket tickets and `me`."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import login, logout, update_session_auth_hash
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.throttles import ClientIpScopedThrottle
from backend.directory import selectors as directory_selectors
from backend.directory import services as directory_services
from backend.directory import sign_out
from backend.directory.models import DeviceSession, User
from backend.twofactor import services as twofactor
from mobile_api.auth import SESSION_DEVICE, SESSION_SEEN, DeviceSessionAuthentication
from mobile_api.v1.common import errors, request_context, user_of, validated
from mobile_api.v1.directory import PersonPositionSerializer, position_payload
from mobile_api.v1.schemas import TicketOut, output
from mobile_api.v1.twofactor import TwoFactorStepOut, VerifyIn, step_payload
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


class LoginBannerOut(serializers.Serializer[Any]):
    previous_at = serializers.DateTimeField(
        allow_null=True, help_text="上次登录时间；首次登录为 null"
    )
    previous_ip = serializers.CharField(allow_null=True, help_text="上次登录的IP")
    failed_since = serializers.IntegerField(help_text="上次登录以来本账号的密码错误次数")


class LoginOut(serializers.Serializer[Any]):
    user = MeSerializer()
    banner = LoginBannerOut(help_text="登录提示：登录后展示一次")
    password_expired = serializers.BooleanField(
        help_text="true：密码已超过有效期（ZT_PASSWORD_MAX_AGE_DAYS），请先修改密码"
    )
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="本次登录同时开启了两步验证时：恢复码，只显示这一次；否则为 null",
    )


class TokenOut(LoginOut):
    token = serializers.CharField()


class PasswordChangeIn(serializers.Serializer[Any]):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(
        max_length=128,
        trim_whitespace=False,
        help_text="至少8位，含大写字母、小写字母、数字、符号中的3类，不能与最近5次相同",
    )


def login_payload(user: User, recovery_codes: list[str] | None = None) -> dict[str, Any]:
    """What both logins answer: me, the login banner, whether the password has expired."""
    banner = directory_selectors.login_banner(user=user)
    return {
        "recovery_codes": recovery_codes,
        "user": me_payload(user),
        "banner": {
            "previous_at": banner.previous_at,
            "previous_ip": banner.previous_ip,
            "failed_since": banner.failed_since,
        },
        "password_expired": directory_services.password_expired(user),
    }


class LoginInput(serializers.Serializer[Any]):
    mobile = serializers.CharField(max_length=32)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    device_name = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="设备名称，用于“登录设备”列表；省略时由 User-Agent 推断",
    )


class DeviceOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=DeviceSession.Kind.choices, help_text="session：浏览器会话；token：客户端令牌"
    )
    name = serializers.CharField()
    user_agent = serializers.CharField(allow_blank=True)
    ip = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(help_text="最近使用时间（精确到约一分钟）")
    expires_at = serializers.DateTimeField(help_text="令牌：闲置到此时失效（每次使用顺延）")
    current = serializers.BooleanField(help_text="发出本请求的设备")


class RevokedOut(serializers.Serializer[Any]):
    revoked = serializers.IntegerField(help_text="退出登录的设备数")


def device_payload(device: DeviceSession, current: DeviceSession | None) -> dict[str, Any]:
    return {
        "id": device.pk,
        "kind": device.kind,
        "name": device.name,
        "user_agent": device.user_agent,
        "ip": device.ip,
        "created_at": device.created_at,
        "last_used_at": device.last_used_at,
        "expires_at": device.expires_at,
        "current": current is not None and device.pk == current.pk,
    }


def current_device(request: Request) -> DeviceSession | None:
    """The device of this request: its token's, or its browser session's."""
    if isinstance(request.auth, DeviceSession):
        return request.auth
    session = getattr(request._request, "session", None)
    device_id = session.get(SESSION_DEVICE) if session is not None else None
    if device_id is None:
        return None
    return DeviceSession.objects.filter(pk=device_id, user=user_of(request)).first()


class CsrfView(APIView):
    """Sets the `csrftoken` cookie the PWA echoes in `X-CSRFToken`."""

    permission_classes = (AllowAny,)

    @extend_schema(responses={204: None})
    def get(self, request: Request) -> Response:
        get_token(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _session_start(
    request: Request, user: User, device_name: str, recovery_codes: list[str] | None = None
) -> Response:
    """Log this browser in (a Django session and its device row); the login answer."""
    login(request._request, user)
    session = request._request.session
    session.save()  # a session key now, for the device row
    device = directory_services.session_device_register(
        user=user,
        session_key=str(session.session_key),
        expires_at=session.get_expiry_date(),
        context=request_context(request),
        device_name=device_name,
    )
    session[SESSION_DEVICE] = device.pk
    session[SESSION_SEEN] = time.time()
    return Response(output(LoginOut, login_payload(user, recovery_codes)))


def _token_start(
    request: Request, user: User, device_name: str, recovery_codes: list[str] | None = None
) -> Response:
    key = directory_services.token_issue(
        user=user, context=request_context(request), device_name=device_name
    )
    return Response(output(TokenOut, {"token": key, **login_payload(user, recovery_codes)}))


def _two_factor_step(step: twofactor.LoginStep) -> Response:
    return Response(output(TwoFactorStepOut, step_payload(step)), status=status.HTTP_202_ACCEPTED)


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
        responses={200: LoginOut, 202: TwoFactorStepOut, **errors(400, 403, 423, 429)},
        description="密码正确且无需两步验证：200，已登录。需要两步验证：202，"
        "凭 challenge 调用 POST /auth/login/two-factor 完成登录。",
    )
    def post(self, request: Request) -> Response:
        data = validated(LoginInput, request.data)
        step = twofactor.login_begin(
            mobile=data["mobile"],
            password=data["password"],
            channel=twofactor.SESSION_CHANNEL,
            context=request_context(request),
            device_name=data.get("device_name", ""),
        )
        if step.challenge_key is not None:
            return _two_factor_step(step)
        return _session_start(request, step.user, data.get("device_name", ""))


@method_decorator(csrf_protect, name="dispatch")
class LoginTwoFactorView(APIView):
    """The second step of a PWA login: a code for the challenge; the session starts here."""

    permission_classes = (AllowAny,)
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(request=VerifyIn, responses={200: LoginOut, **errors(400, 403, 409, 423, 429)})
    def post(self, request: Request) -> Response:
        data = validated(VerifyIn, request.data)
        done = twofactor.login_verify(
            key=data["challenge"],
            channel=twofactor.SESSION_CHANNEL,
            method=data["method"],
            code=data["code"],
            context=request_context(request),
        )
        return _session_start(request, done.user, done.device_name, done.recovery_codes)


class TokenLoginView(APIView):
    """Token login for native clients: `Authorization: Bearer <token>` afterwards."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(
        request=LoginInput,
        responses={200: TokenOut, 202: TwoFactorStepOut, **errors(400, 423, 429)},
        description="密码正确且无需两步验证：200，带令牌。需要两步验证：202，"
        "凭 challenge 调用 POST /auth/token/two-factor 取得令牌。",
    )
    def post(self, request: Request) -> Response:
        data = validated(LoginInput, request.data)
        step = twofactor.login_begin(
            mobile=data["mobile"],
            password=data["password"],
            channel=twofactor.TOKEN_CHANNEL,
            context=request_context(request),
            device_name=data.get("device_name", ""),
        )
        if step.challenge_key is not None:
            return _two_factor_step(step)
        return _token_start(request, step.user, data.get("device_name", ""))


class TokenTwoFactorView(APIView):
    """The second step of a token login: a code for the challenge; the token is issued here."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(request=VerifyIn, responses={200: TokenOut, **errors(400, 409, 423, 429)})
    def post(self, request: Request) -> Response:
        data = validated(VerifyIn, request.data)
        done = twofactor.login_verify(
            key=data["challenge"],
            channel=twofactor.TOKEN_CHANNEL,
            method=data["method"],
            code=data["code"],
            context=request_context(request),
        )
        return _token_start(request, done.user, done.device_name, done.recovery_codes)


class LogoutView(APIView):
    """Ends the session or the token of this device (the device leaves the list)."""

    allowed_with_expired_password = True

    @extend_schema(request=None, responses={204: None, **errors(401)})
    def post(self, request: Request) -> Response:
        user = user_of(request)
        directory_services.logout_record(
            user=user,
            device=current_device(request),
            session_key=request.session.session_key,
            context=request_context(request),
        )
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change my password; every other device of mine is signed out."""

    allowed_with_expired_password = True

    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(request=PasswordChangeIn, responses={204: None, **errors(400, 401, 429)})
    def post(self, request: Request) -> Response:
        data = PasswordChangeIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = directory_services.password_change(
            user=user_of(request),
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
            keep=current_device(request),
            context=request_context(request),
        )
        if isinstance(request.successful_authenticator, DeviceSessionAuthentication):
            # This browser stays signed in (its session follows the new password hash).
            update_session_auth_hash(request._request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceListView(APIView):
    """我的 → 登录设备: every device signed in to this account, most recently used first."""

    @extend_schema(responses={200: DeviceOut(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        current = current_device(request)
        devices = directory_selectors.devices_of(user=user_of(request))
        payload = [device_payload(d, current) for d in devices]
        return Response(output(DeviceOut, payload, many=True))


class DeviceDetailView(APIView):
    @extend_schema(request=None, responses={204: None, **errors(401, 404)})
    def delete(self, request: Request, device_id: int) -> Response:
        """Sign that device out now: its token or session stops working, its sockets close."""
        directory_services.device_revoke(
            user=user_of(request), device_id=device_id, context=request_context(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceSignOutOthersView(APIView):
    @extend_schema(request=None, responses={200: RevokedOut, **errors(401)})
    def post(self, request: Request) -> Response:
        """Sign out every device of this account except the one asking."""
        revoked = directory_services.devices_revoke_others(
            user=user_of(request), keep=current_device(request), context=request_context(request)
        )
        return Response(output(RevokedOut, {"revoked": revoked}))


class MeView(APIView):
    allowed_with_expired_password = True

    @extend_schema(responses={200: MeSerializer, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(output(MeSerializer, me_payload(user_of(request))))


class WsTicketView(APIView):
    """A single-use ticket for `/ws/v1/?ticket=…`, valid for a minute.

    The socket it opens belongs to this request's login (session or token) and
    closes (4401) when that login ends.
    """

    @extend_schema(
        request=None,
        responses={200: TicketOut, **errors(401)},
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, DeviceSession):
            credential = sign_out.device_credential(request.auth)
        else:
            credential = realtime_services.credential_tag(session_key=request.session.session_key)
        ticket = realtime_services.ws_ticket_issue(actor=user_of(request), credential=credential)
        return Response(
            output(TicketOut, {"ticket": ticket.key, "expires_at": ticket.expires_at.isoformat()})
        )
