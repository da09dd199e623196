"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi 2017-05-25 `SendSms`) through its official SDK.

Optional extra: `uv sync --extra sms-aliyun` installs
`alibabacloud-dysmsapi20170525` (the official SDK, from PyPI). Settings:
`ZT_SMS_ALIYUN_ACCESS_KEY_ID`, `ZT_SMS_ALIYUN_ACCESS_KEY_SECRET` and, for tests
or a private endpoint, `ZT_SMS_ALIYUN_ENDPOINT` / `ZT_SMS_ALIYUN_PROTOCOL`.

Template parameters are named at Alibaba (`${code}`): they are sent as the
JSON object `TemplateParam`; our reference goes in `OutId`. `Code` "OK" is
success; HTTP 5xx, throttling and network errors are transient.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from push.sms.base import SmsError, SmsGateway, SmsMessage, SmsSent, code_in

TRANSIENT_CODES = ("isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError", "Throttling")


class AliyunGateway(SmsGateway):
    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        endpoint: str = "dysmsapi.aliyuncs.com",
        protocol: str = "https",
        timeout: float = 10.0,
    ) -> None:
        try:
            from alibabacloud_dysmsapi20170525.client import Client
            from alibabacloud_tea_openapi.utils_models import Config
        except ImportError as error:  # pragma: no cover - depends on the extra
            raise RuntimeError("install the sms-aliyun extra for the Alibaba gateway") from error
        self.client = Client(
            Config(
                access_key_id=access_key_id,
                access_key_secret=access_key_secret,
                endpoint=endpoint,
                protocol=protocol,
            )
        )
        self.timeout_ms = int(timeout * 1000)

    @classmethod
    def from_settings(cls) -> AliyunGateway:
        return cls(
            access_key_id=settings.ZT_SMS_ALIYUN_ACCESS_KEY_ID,
            access_key_secret=settings.ZT_SMS_ALIYUN_ACCESS_KEY_SECRET,
            endpoint=settings.ZT_SMS_ALIYUN_ENDPOINT,
            protocol=settings.ZT_SMS_ALIYUN_PROTOCOL,
            timeout=settings.ZT_SMS_TIMEOUT_SECONDS,
        )

    def send(self, message: SmsMessage) -> SmsSent:
        from alibabacloud_dysmsapi20170525 import models
        from darabonba.runtime import RuntimeOptions

        request = models.SendSmsRequest(
            phone_numbers=message.mobile,
            sign_name=message.sign_name,
            template_code=message.template,
            template_param=json.dumps(message.params, ensure_ascii=False),
            out_id=message.out_id or None,
        )
        # The SDK's own retries are off: the delivery job owns retry and back-off.
        runtime = RuntimeOptions(
            autoretry=False, read_timeout=self.timeout_ms, connect_timeout=self.timeout_ms
        )
        try:
            response: Any = self.client.send_sms_with_options(request, runtime)
        except Exception as error:  # the SDK raises several unrelated classes
            raise _as_sms_error(error) from error
        body = response.body
        if body.code != "OK":
            code = str(body.code)
            raise SmsError(code, str(body.message)[:200], transient=code_in(code, TRANSIENT_CODES))
        return SmsSent(provider_message_id=str(body.biz_id or ""))


def _as_sms_error(error: Exception) -> SmsError:
    status = getattr(error, "status_code", None) or getattr(error, "statusCode", None)
    code = str(getattr(error, "code", "") or type(error).__name__)
    message = str(getattr(error, "message", "") or error)[:200]
    if status is None:  # no answer at all: network, timeout
        return SmsError(code or "network", message, transient=True)
    transient = int(status) >= 500 or int(status) == 429 or code_in(code, TRANSIENT_CODES)
    return SmsError(code, message, transient=transient)
