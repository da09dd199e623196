"""A generic JSON-over-HTTP gateway, for a 政务短信平台 or any in-house relay.

Configured entirely by settings (docs/notifications.md has examples):

- `ZT_SMS_HTTP_URL`: where to POST.
- `ZT_SMS_HTTP_HEADERS`: extra headers (JSON object), e.g. an API key.
- `ZT_SMS_HTTP_BODY`: the JSON body template. Placeholders inside strings:
  `{mobile}`, `{template}`, `{sign}`, `{out_id}`; a string that is exactly
  `{params}` becomes the parameter object, `{params_list}` the ordered list of
  values, `{params_json}` the object as a JSON string. Values are inserted as
  JSON values, so no parameter can break out of the body.
- `ZT_SMS_HTTP_SUCCESS`: `path=value1|value2`, e.g. `code=0` or `result.status=OK`.
- `ZT_SMS_HTTP_MESSAGE_ID` / `ZT_SMS_HTTP_ERROR_MESSAGE`: dotted paths in the
  answer to the provider's message id and error text.
- `ZT_SMS_HTTP_TRANSIENT_CODES`: answer codes (at the success path) that mean
  "busy, try later".

HTTP 429, 5xx, timeouts and connection errors are transient; other 4xx and a
2xx whose success field does not match are permanent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from push.sms.base import SmsError, SmsGateway, SmsMessage, SmsSent

DEFAULT_BODY = {
    "mobile": "{mobile}",
    "templateId": "{template}",
    "params": "{params}",
    "sign": "{sign}",
    "outId": "{out_id}",
}


@dataclass(frozen=True)
class HttpGatewayConfig:
    url: str
    body: Any = field(default_factory=lambda: DEFAULT_BODY)
    headers: dict[str, str] = field(default_factory=dict)
    success: str = "code=0"
    message_id_path: str = "msgId"
    error_message_path: str = "message"
    transient_codes: tuple[str, ...] = ()
    timeout: float = 10.0


def render(template: Any, message: SmsMessage) -> Any:
    """The body for one message: the template with every placeholder filled."""
    whole = {
        "{params}": dict(message.params),
        "{params_list}": list(message.params.values()),
        "{params_json}": json.dumps(message.params, ensure_ascii=False),
    }
    scalars = {
        "{mobile}": message.mobile,
        "{template}": message.template,
        "{sign}": message.sign_name,
        "{out_id}": message.out_id,
    }
    if isinstance(template, dict):
        return {key: render(value, message) for key, value in template.items()}
    if isinstance(template, list):
        return [render(value, message) for value in template]
    if isinstance(template, str):
        if template in whole:
            return whole[template]
        for placeholder, value in scalars.items():
            template = template.replace(placeholder, value)
    return template


def dig(document: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


class HttpGateway(SmsGateway):
    name = "http"

    def __init__(self, config: HttpGatewayConfig) -> None:
        self.config = config
        self.session = requests.Session()

    @classmethod
    def from_settings(cls) -> HttpGateway:
        return cls(
            HttpGatewayConfig(
                url=settings.ZT_SMS_HTTP_URL,
                body=settings.ZT_SMS_HTTP_BODY or DEFAULT_BODY,
                headers=settings.ZT_SMS_HTTP_HEADERS,
                success=settings.ZT_SMS_HTTP_SUCCESS,
                message_id_path=settings.ZT_SMS_HTTP_MESSAGE_ID,
                error_message_path=settings.ZT_SMS_HTTP_ERROR_MESSAGE,
                transient_codes=tuple(settings.ZT_SMS_HTTP_TRANSIENT_CODES),
                timeout=settings.ZT_SMS_TIMEOUT_SECONDS,
            )
        )

    def send(self, message: SmsMessage) -> SmsSent:
        if not self.config.url:
            raise SmsError("not_configured", "ZT_SMS_HTTP_URL is not set", transient=False)
        try:
            response = self.session.post(
                self.config.url,
                json=render(self.config.body, message),
                headers=self.config.headers,
                timeout=self.config.timeout,
            )
        except requests.Timeout as error:
            raise SmsError("timeout", str(error)[:200], transient=True) from error
        except requests.RequestException as error:
            raise SmsError("network", type(error).__name__, transient=True) from error
        return self._read(response)

    def _read(self, response: requests.Response) -> SmsSent:
        status = response.status_code
        if status == 429 or status >= 500:
            raise SmsError(f"http_{status}", response.text[:200], transient=True)
        if status >= 400:
            raise SmsError(f"http_{status}", response.text[:200], transient=False)
        try:
            answer = response.json()
        except ValueError as error:
            raise SmsError("bad_answer", response.text[:200], transient=False) from error
        path, _, accepted = self.config.success.partition("=")
        code = dig(answer, path.strip())
        if str(code) in accepted.split("|"):
            return SmsSent(provider_message_id=str(dig(answer, self.config.message_id_path) or ""))
        detail = str(dig(answer, self.config.error_message_path) or "")[:200]
        raise SmsError(str(code), detail, transient=str(code) in self.config.transient_codes)
