"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11 `SendSms`) through its official SDK.

Optional extra: `uv sync --extra sms-tencent` installs
`tencentcloud-sdk-python-sms` (the official SDK, from PyPI). Settings:
`ZT_SMS_TENCENT_SECRET_ID`, `ZT_SMS_TENCENT_SECRET_KEY`, `ZT_SMS_TENCENT_APP_ID`
(SmsSdkAppId), `ZT_SMS_TENCENT_REGION` (default ap-guangzhou) and, for tests or
a private endpoint, `ZT_SMS_TENCENT_ENDPOINT` / `ZT_SMS_TENCENT_PROTOCOL`.

Template parameters are positional at Tencent ({1}, {2}…): the values of the
message's parameters are sent in their order. Per-number results come back in
`SendStatusSet`; "Ok" is success.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from push.sms.base import SmsError, SmsGateway, SmsMessage, SmsSent, code_in

# API errors that say "not now" rather than "never" (Tencent's error code list).
TRANSIENT_CODES = (
    "InternalError",
    "RequestLimitExceeded",
    "ServerNetworkError",
    "ClientNetworkError",
)


class TencentGateway(SmsGateway):
    name = "tencent"

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        app_id: str,
        region: str = "ap-guangzhou",
        endpoint: str = "sms.tencentcloudapi.com",
        protocol: str = "https",
        timeout: float = 10.0,
    ) -> None:
        try:
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111 import sms_client
        except ImportError as error:  # pragma: no cover - depends on the extra
            raise RuntimeError("install the sms-tencent extra for the Tencent gateway") from error
        profile = ClientProfile(
            httpProfile=HttpProfile(
                protocol=protocol, endpoint=endpoint, reqTimeout=max(1, int(timeout))
            )
        )
        self.client = sms_client.SmsClient(
            credential.Credential(secret_id, secret_key), region, profile
        )
        self.app_id = app_id

    @classmethod
    def from_settings(cls) -> TencentGateway:
        return cls(
            secret_id=settings.ZT_SMS_TENCENT_SECRET_ID,
            secret_key=settings.ZT_SMS_TENCENT_SECRET_KEY,
            app_id=settings.ZT_SMS_TENCENT_APP_ID,
            region=settings.ZT_SMS_TENCENT_REGION,
            endpoint=settings.ZT_SMS_TENCENT_ENDPOINT,
            protocol=settings.ZT_SMS_TENCENT_PROTOCOL,
            timeout=settings.ZT_SMS_TIMEOUT_SECONDS,
        )

    def send(self, message: SmsMessage) -> SmsSent:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + message.mobile]
        request.SmsSdkAppId = self.app_id
        request.SignName = message.sign_name
        request.TemplateId = message.template
        request.TemplateParamSet = [str(v) for v in message.params.values()]
        request.SessionContext = message.out_id
        try:
            response: Any = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            code = str(error.get_code() or "error")
            raise SmsError(
                code, str(error.get_message())[:200], transient=code_in(code, TRANSIENT_CODES)
            ) from error
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SmsError("empty_answer", "SendStatusSet is empty", transient=True)
        status = statuses[0]
        if status.Code != "Ok":
            code = str(status.Code)
            raise SmsError(
                code, str(status.Message)[:200], transient=code_in(code, TRANSIENT_CODES)
            )
        return SmsSent(provider_message_id=str(status.SerialNo or ""))
