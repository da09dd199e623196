"""Two-factor login over REST: the login step, 我的 → 安全 → 两步验证, the unit's policy.

The login endpoints (`POST /auth/login`, `POST /auth/token`) answer 202 with
a `TwoFactorStep` when a second factor is needed; the step is finished at
`POST /auth/login/two-factor` (browser session) or `POST /auth/token/two-factor`
(native token). See docs/security.md "Two-factor login".
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.throttles import ClientIpScopedThrottle
from backend.twofactor import services as twofactor
from mobile_api.v1.common import errors, request_context, user_of, validated
from mobile_api.v1.schemas import output

METHOD_HELP = "totp：验证器应用的6位动态码；sms：短信验证码；recovery：恢复码（每个只能用一次）"


class TwoFactorStepOut(serializers.Serializer[Any]):
    """The answer 202 of a login whose password was right but needs a second factor."""

    step = serializers.ChoiceField(
        choices=[("two_factor_required", "two_factor_required")],
        help_text="two_factor_required：请提交第二因素"
        "（POST /auth/login/two-factor 或 /auth/token/two-factor）",
    )
    challenge = serializers.CharField(help_text="本次登录的验证令牌，只用于完成这一次登录")
    expires_at = serializers.DateTimeField(
        help_text="验证令牌到此时失效（默认5分钟），之后需重新输入密码"
    )
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=[(m, m) for m in twofactor.METHODS]),
        help_text=f"可用的验证方式。{METHOD_HELP}",
    )
    enrol = serializers.BooleanField(
        help_text="true：按安全策略必须开启两步验证但尚未设置：先设置（扫码或短信），"
        "提交的验证码同时完成设置和登录；不能跳过"
    )


def step_payload(step: twofactor.LoginStep) -> dict[str, Any]:
    return {
        "step": "two_factor_required",
        "challenge": step.challenge_key,
        "expires_at": step.expires_at,
        "methods": step.methods,
        "enrol": step.enrol,
    }


class ChallengeIn(serializers.Serializer[Any]):
    challenge = serializers.CharField(max_length=64)


class VerifyIn(ChallengeIn):
    method = serializers.ChoiceField(
        choices=[(m, m) for m in twofactor.METHODS], help_text=METHOD_HELP
    )
    code = serializers.CharField(max_length=16, help_text="6位数字，或恢复码 xxxx-xxxx")


class TotpSetupOut(serializers.Serializer[Any]):
    secret = serializers.CharField(help_text="密钥（Base32），无法扫码时手动输入验证器应用")
    otpauth_uri = serializers.CharField(help_text="otpauth:// 地址（二维码的内容）")
    qr_svg = serializers.CharField(help_text="二维码，SVG 文本")


def totp_payload(setup: twofactor.TotpSetup) -> dict[str, Any]:
    return {"secret": setup.secret, "otpauth_uri": setup.otpauth_uri, "qr_svg": setup.qr_svg}


class SmsSentOut(serializers.Serializer[Any]):
    sent_to = serializers.CharField(help_text="接收号码（打码）")
    expires_at = serializers.DateTimeField(help_text="验证码到此时失效（默认5分钟）")
    resend_after = serializers.IntegerField(help_text="再次发送需等待的秒数")


def sms_payload(sent: twofactor.SmsSent) -> dict[str, Any]:
    return {
        "sent_to": sent.sent_to,
        "expires_at": sent.expires_at,
        "resend_after": sent.resend_after,
    }


class RecoveryCodesOut(serializers.Serializer[Any]):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="恢复码：只显示这一次，请抄下妥善保存；每个只能用一次。"
        "已有未用恢复码时为空列表（原恢复码继续有效）",
    )


class StatusOut(serializers.Serializer[Any]):
    # A field named like `Field.required`: DRF's metaclass takes declared fields off the class.
    required = serializers.BooleanField(  # type: ignore[assignment]
        help_text="按安全策略必须开启（管理员、或所在单位要求）"
    )
    totp = serializers.BooleanField(help_text="已开启验证器应用")
    sms = serializers.BooleanField(help_text="已开启短信验证码")
    recovery_codes_left = serializers.IntegerField(help_text="未用的恢复码个数")
    sms_to = serializers.CharField(help_text="短信验证码发往的号码（打码）")


class ConfirmIn(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=[("totp", "totp"), ("sms", "sms")])
    code = serializers.CharField(max_length=16)


class PasswordIn(serializers.Serializer[Any]):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class UnitPolicyIn(serializers.Serializer[Any]):
    required = serializers.BooleanField(  # type: ignore[assignment]  # see StatusOut
        help_text="true：本单位所有人员登录都须两步验证"
    )


class UnitPolicyOut(serializers.Serializer[Any]):
    unit_id = serializers.IntegerField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # see StatusOut
    updated_at = serializers.DateTimeField(allow_null=True)


def policy_payload(policy: Any) -> dict[str, Any]:
    return {
        "unit_id": policy.unit_id,
        "required": policy.required,
        "updated_at": policy.updated_at if policy.pk else None,
    }


class _LoginStepView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"


class TotpSetupAtLoginView(_LoginStepView):
    @extend_schema(request=ChallengeIn, responses={200: TotpSetupOut, **errors(400, 429)})
    def post(self, request: Request) -> Response:
        """Enrolment during login (`enrol: true`): a new authenticator key for this person."""
        data = validated(ChallengeIn, request.data)
        setup = twofactor.login_totp_setup(key=data["challenge"])
        return Response(output(TotpSetupOut, totp_payload(setup)))


class SmsAtLoginView(_LoginStepView):
    @extend_schema(request=ChallengeIn, responses={200: SmsSentOut, **errors(400, 429)})
    def post(self, request: Request) -> Response:
        """Text a 6-digit code to the person's mobile (login, or enrolment by SMS).

        At most every 60 s, 3 per login, 5 an hour per person (`sms_code_too_soon`,
        `sms_code_limit`); the code is valid for 5 minutes and once."""
        data = validated(ChallengeIn, request.data)
        sent = twofactor.login_sms_send(key=data["challenge"], context=request_context(request))
        return Response(output(SmsSentOut, sms_payload(sent)))


class MeTwoFactorView(APIView):
    @extend_schema(responses={200: StatusOut, **errors(401)})
    def get(self, request: Request) -> Response:
        """我的 → 安全 → 两步验证: what is on, and whether it is required."""
        state = twofactor.status_of(user_of(request))
        return Response(
            output(
                StatusOut,
                {
                    "required": state.required,
                    "totp": state.totp,
                    "sms": state.sms,
                    "recovery_codes_left": state.recovery_codes_left,
                    "sms_to": state.sms_to,
                },
            )
        )


class MeTotpView(APIView):
    @extend_schema(request=None, responses={200: TotpSetupOut, **errors(401, 409)})
    def post(self, request: Request) -> Response:
        """Start adding an authenticator app: its key as QR code and text (confirm with a code)."""
        setup = twofactor.setup_totp_start(actor=user_of(request))
        return Response(output(TotpSetupOut, totp_payload(setup)))


class MeSmsView(APIView):
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(request=None, responses={200: SmsSentOut, **errors(400, 401, 409, 429)})
    def post(self, request: Request) -> Response:
        """Start turning SMS codes on: a code to my mobile (confirm it)."""
        sent = twofactor.setup_sms_send(actor=user_of(request), context=request_context(request))
        return Response(output(SmsSentOut, sms_payload(sent)))


class MeConfirmView(APIView):
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(
        request=ConfirmIn, responses={200: RecoveryCodesOut, **errors(400, 401, 409, 429)}
    )
    def post(self, request: Request) -> Response:
        """Confirm the method being added with a code from it; the recovery codes, once."""
        data = validated(ConfirmIn, request.data)
        fresh = twofactor.setup_confirm(
            actor=user_of(request),
            method=data["method"],
            code=data["code"],
            context=request_context(request),
        )
        return Response(output(RecoveryCodesOut, {"recovery_codes": fresh}))


class MeDisableView(APIView):
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(request=PasswordIn, responses={204: None, **errors(400, 401, 403, 429)})
    def post(self, request: Request) -> Response:
        """Turn two-factor login off (password again); `two_factor_policy` where it is required."""
        data = validated(PasswordIn, request.data)
        twofactor.disable(
            actor=user_of(request), password=data["password"], context=request_context(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeRecoveryCodesView(APIView):
    throttle_classes = (ClientIpScopedThrottle,)
    throttle_scope = "login"

    @extend_schema(
        request=PasswordIn, responses={200: RecoveryCodesOut, **errors(400, 401, 409, 429)}
    )
    def post(self, request: Request) -> Response:
        """New recovery codes (password again); the old ones stop working."""
        data = validated(PasswordIn, request.data)
        fresh = twofactor.recovery_codes_renew(
            actor=user_of(request), password=data["password"], context=request_context(request)
        )
        return Response(output(RecoveryCodesOut, {"recovery_codes": fresh}))


class UnitPolicyView(APIView):
    @extend_schema(responses={200: UnitPolicyOut, **errors(401, 403, 404)})
    def get(self, request: Request, unit_id: int) -> Response:
        """The unit's two-factor policy (its 单位管理员 only)."""
        policy = twofactor.policy_get(viewer=user_of(request), unit_id=unit_id)
        return Response(output(UnitPolicyOut, policy_payload(policy)))

    @extend_schema(
        request=UnitPolicyIn, responses={200: UnitPolicyOut, **errors(400, 401, 403, 404)}
    )
    def put(self, request: Request, unit_id: int) -> Response:
        """Require two-factor login for everyone holding a position in the unit (audited)."""
        data = validated(UnitPolicyIn, request.data)
        policy = twofactor.policy_set(
            actor=user_of(request),
            unit_id=unit_id,
            required=data["required"],
            context=request_context(request),
        )
        return Response(output(UnitPolicyOut, policy_payload(policy)))


class PersonResetView(APIView):
    @extend_schema(request=None, responses={204: None, **errors(401, 403, 404)})
    def post(self, request: Request, person_id: int) -> Response:
        """A 单位管理员 clears the second factors of someone in their unit (lost phone; audited)."""
        twofactor.reset(actor=user_of(request), user_id=person_id, context=request_context(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# The login-step endpoints need no CSRF token: they act on the challenge in the body,
# never on a cookie (native clients use them too); `/auth/login/two-factor`, which
# sets the session cookie, is CSRF-checked like `/auth/login`.
urlpatterns = [
    path("auth/two-factor/totp", TotpSetupAtLoginView.as_view()),
    path("auth/two-factor/sms", SmsAtLoginView.as_view()),
    path("me/two-factor", MeTwoFactorView.as_view()),
    path("me/two-factor/totp", MeTotpView.as_view()),
    path("me/two-factor/sms", MeSmsView.as_view()),
    path("me/two-factor/confirm", MeConfirmView.as_view()),
    path("me/two-factor/disable", MeDisableView.as_view()),
    path("me/two-factor/recovery-codes", MeRecoveryCodesView.as_view()),
    path("units/<id:unit_id>/two-factor", UnitPolicyView.as_view()),
    path("people/<id:person_id>/two-factor/reset", PersonResetView.as_view()),
]
