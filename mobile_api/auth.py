"""REST authentication: browser sessions (PWA) and per-device bearer tokens (native clients).

Both know the device they belong to (`DeviceSession`): `request.auth` is it.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from backend.directory import services as directory_services
from backend.directory.models import DeviceSession

# Keys in the Django session of a PWA login.
SESSION_DEVICE = "zt_device"
SESSION_SEEN = "zt_seen"


class DeviceSessionAuthentication(authentication.SessionAuthentication):
    """Django session + CSRF, with the idle timeout and the device's last use.

    A session idle for longer than `ZT_SESSION_IDLE_SECONDS` is ended (flushed)
    and the request is anonymous. The last use is written to the session and
    the device row at most once per `ZT_DEVICE_TOUCH_SECONDS`.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        session = request._request.session
        seen = session.get(SESSION_SEEN)
        if seen is None:  # not a PWA login (the admin's, a test's force_login): nothing to track
            return result
        now = time.time()
        idle = settings.ZT_SESSION_IDLE_SECONDS
        if idle and now - float(seen) > idle:
            logout(request._request)
            return None
        device = None
        if now - float(seen) >= settings.ZT_DEVICE_TOUCH_SECONDS:
            session[SESSION_SEEN] = now
            device_id = session.get(SESSION_DEVICE)
            if device_id is not None:
                device = DeviceSession.objects.filter(pk=device_id).first()
            if device is not None:
                directory_services.device_touch(device=device)
        return result[0], device


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`: a per-device token, expiring when unused."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, DeviceSession] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("无效的登录凭证")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("无效的登录凭证") from None
        device = directory_services.token_authenticate(key=key)
        if device is None:
            raise exceptions.AuthenticationFailed("登录已失效，请重新登录")
        return device.user, device

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes `BearerTokenAuthentication`."""

    target_class = "mobile_api.auth.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "每台设备一个令牌，闲置过期"}


class DeviceSessionScheme(OpenApiAuthenticationExtension):
    """How the schema describes `DeviceSessionAuthentication` (the session cookie)."""

    target_class = "mobile_api.auth.DeviceSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
