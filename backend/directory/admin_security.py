"""The Django admin behind the same door as the API, and on the record.

- Login (`AdminLoginForm`): `/admin/login/` checks the password with
  `services.login_check` — the lockout per (number, source), the audit of every
  outcome — and the same per-IP rate limit as `/api/v1/auth/login`; only then
  is the account's `is_staff` looked at.
- Changes (`AuditedAdminMixin`): every add, change and delete made in the admin
  is appended to the audit log (`admin.add`, `admin.change`, `admin.delete`)
  in the transaction of the change, besides Django's own `LogEntry`.
  `audit_every_admin` puts the mixin under every registered `ModelAdmin`,
  Django's and third-party ones included.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from backend.audit.services import audit_record
from backend.common.client_ip import request_context
from backend.common.errors import ZtError
from backend.common.throttles import ClientIpScopedThrottle
from backend.directory import services

# When this session last asked for an admin page (the admin's idle timeout).
ADMIN_SEEN = "zt_admin_seen"


def admin_idle_seconds() -> int:
    """The admin's idle limit: the PWA's (`ZT_SESSION_IDLE_SECONDS`), or the stricter
    `ZT_ADMIN_IDLE_SECONDS`; 0 = none."""
    limits = [s for s in (settings.ZT_SESSION_IDLE_SECONDS, settings.ZT_ADMIN_IDLE_SECONDS) if s]
    return min(limits) if limits else 0


class AdminIdleTimeoutMiddleware:
    """A signed-in session idle on `/admin/` for longer than `admin_idle_seconds()` is
    ended (logged out, audited as `auth.session_idle`) and sent to the admin login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/") and request.user.is_authenticated:
            now = time.time()
            seen = request.session.get(ADMIN_SEEN)
            idle = admin_idle_seconds()
            if idle and seen is not None and now - float(seen) > idle:
                audit_record(
                    "auth.session_idle",
                    actor=request.user,
                    data={"via": "admin", "idle_seconds": idle},
                    context=request_context(request.META),
                )
                logout(request)
                login_url = reverse("admin:login")
                return HttpResponseRedirect(f"{login_url}?{urlencode({'next': request.path})}")
            request.session[ADMIN_SEEN] = now
        return self.get_response(request)


class AdminLoginForm(AdminAuthenticationForm):
    """`/admin/login/` through `services.login_check` (lockout, audit) and the login rate."""

    def clean(self) -> dict[str, Any]:
        mobile = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not mobile or password is None:
            return self.cleaned_data
        request = cast(HttpRequest, self.request)
        throttle = ClientIpScopedThrottle()
        if not throttle.allow_request(request, SimpleNamespace(throttle_scope="login")):  # type: ignore[arg-type]
            raise ValidationError("操作过于频繁，请稍后再试", code="rate_limited")
        try:
            user = services.login_check(
                mobile=mobile,
                password=password,
                context=request_context(request.META),
                channel="admin",
            )
        except ZtError as error:
            raise ValidationError(error.message, code=error.code) from None
        self.user_cache = user
        self.confirm_login_allowed(user)  # staff only (AdminAuthenticationForm)
        return self.cleaned_data


class AuditedAdminMixin:
    """Every admin add / change / delete also goes to the append-only audit log."""

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _audit(request, "admin.add", [obj], message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _audit(request, "admin.change", [obj], message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Iterable[Any]) -> Any:
        objects = list(queryset)
        _audit(request, "admin.delete", objects, "")
        return super().log_deletions(request, objects)  # type: ignore[misc]


def _audit(request: HttpRequest, action: str, objects: list[models.Model], message: Any) -> None:
    context = request_context(request.META)
    for obj in objects:
        audit_record(
            action,
            actor=request.user,
            target=obj,
            data={"repr": str(obj)[:200], "message": json.loads(json.dumps(message, default=str))},
            context=context,
        )


def audit_every_admin(site: admin.AdminSite) -> None:
    """Re-register each ModelAdmin of `site` with `AuditedAdminMixin` in front (idempotent)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdminMixin):
            continue
        cls = type(model_admin)
        audited = type(f"Audited{cls.__name__}", (AuditedAdminMixin, cls), {})
        site.unregister(model)
        site.register(model, audited)
