"""SMS: one interface (`SmsGateway`), the gateway in force from `ZT_SMS_GATEWAY`.

`console` (embedded default), `http` (generic JSON, for a 政务短信平台),
`tencent` and `aliyun` (official SDKs, optional extras), or the dotted path of
any `SmsGateway` subclass with a `from_settings()` class method.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from push.sms.base import SmsError, SmsGateway, SmsMessage, SmsSent

__all__ = ["SmsError", "SmsGateway", "SmsMessage", "SmsSent", "gateway"]

BUILT_IN = {
    "console": "push.sms.console.ConsoleGateway",
    "http": "push.sms.http.HttpGateway",
    "tencent": "push.sms.tencent.TencentGateway",
    "aliyun": "push.sms.aliyun.AliyunGateway",
}


def gateway() -> SmsGateway:
    """The configured gateway (built once per process and setting)."""
    return _gateway(settings.ZT_SMS_GATEWAY)


@lru_cache(maxsize=8)
def _gateway(name: str) -> SmsGateway:
    cls = import_string(BUILT_IN.get(name, name))
    built = cls.from_settings() if hasattr(cls, "from_settings") else cls()
    if not isinstance(built, SmsGateway):
        raise TypeError(f"{name} is not an SmsGateway")
    return built


def reset() -> None:
    """Forget built gateways (tests change settings between cases)."""
    _gateway.cache_clear()
