"""`/admin/login/` with the second factor, the same as the PWA's and the native login.

`AdminLoginView` replaces the admin site's login (routed before
`admin.site.urls`): the password through `login_begin` (lockout, audit, the
login rate); an administrator — every staff account must give a second
factor — is not logged in yet but sent to `/admin/two-factor/`, with the
challenge kept in the (still anonymous) session. There they enter a TOTP
code, an SMS code or a recovery code; someone not enrolled yet scans the QR
code (or asks for an SMS) first and is shown their recovery codes once.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from backend.common.client_ip import request_context
from backend.common.errors import ZtError
from backend.common.throttles import ClientIpScopedThrottle
from backend.directory.admin_security import ADMIN_SEEN, AdminLoginForm
from backend.twofactor import services

SESSION_CHALLENGE = "zt_admin_2fa"
SESSION_NEXT = "zt_admin_2fa_next"
METHOD_LABELS = {
    services.TOTP: "验证器应用动态码",
    services.SMS: "短信验证码",
    services.RECOVERY: "恢复码",
}


class TwoFactorAdminLoginForm(AdminLoginForm):
    """The admin's password step through `services.login_begin`."""

    step: services.LoginStep | None = None

    def clean(self) -> dict[str, Any]:
        mobile = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not mobile or password is None:
            return self.cleaned_data
        request = cast(HttpRequest, self.request)
        _throttle(request)
        try:
            self.step = services.login_begin(
                mobile=mobile,
                password=password,
                channel=services.ADMIN_CHANNEL,
                context=request_context(request.META),
            )
        except ZtError as error:
            raise ValidationError(error.message, code=error.code) from None
        self.user_cache = self.step.user
        self.confirm_login_allowed(self.step.user)  # staff only (AdminAuthenticationForm)
        return self.cleaned_data


def _throttle(request: HttpRequest) -> None:
    throttle = ClientIpScopedThrottle()
    if not throttle.allow_request(request, SimpleNamespace(throttle_scope="login")):  # type: ignore[arg-type]
        raise ValidationError("操作过于频繁，请稍后再试", code="rate_limited")


class AdminLoginView(LoginView):
    form_class = TwoFactorAdminLoginForm
    authentication_form = TwoFactorAdminLoginForm
    template_name = "admin/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request))
        context.setdefault("title", "登录")
        context.setdefault("site_header", admin.site.site_header)
        return context

    def get_default_redirect_url(self) -> str:
        return reverse("admin:index")

    def form_valid(self, form: Any) -> HttpResponse:
        step = cast(TwoFactorAdminLoginForm, form).step
        if step is None or step.challenge_key is None:
            response = super().form_valid(form)  # logs in (no second factor asked)
            self.request.session[ADMIN_SEEN] = _now()
            return response
        self.request.session[SESSION_CHALLENGE] = step.challenge_key
        self.request.session[SESSION_NEXT] = self.get_success_url()
        return HttpResponseRedirect(reverse("admin-two-factor"))


def _now() -> float:
    return time.time()


@never_cache
@csrf_protect
def admin_two_factor(request: HttpRequest) -> HttpResponse:
    """The second step of `/admin/login/` (see the module docstring)."""
    key = request.session.get(SESSION_CHALLENGE)
    if not key:
        return HttpResponseRedirect(reverse("admin:login"))
    context = request_context(request.META)
    error = ""
    notice = ""
    setup: services.TotpSetup | None = None
    state = services.login_step_state(key=key, channel=services.ADMIN_CHANNEL)
    if state is None:  # expired, used or out of attempts: the password again
        request.session.pop(SESSION_CHALLENGE, None)
        return HttpResponseRedirect(reverse("admin:login"))
    if request.method == "POST":
        action = request.POST.get("action", "verify")
        try:
            if action == "sms":
                sent = services.login_sms_send(key=key, context=context)
                notice = f"验证码已发送至 {sent.sent_to}，5分钟内有效。"
            else:
                done = services.login_verify(
                    key=key,
                    channel=services.ADMIN_CHANNEL,
                    method=request.POST.get("method", ""),
                    code=request.POST.get("code", "")[:16],
                    context=context,
                )
                return _admin_session_start(request, done)
        except ZtError as failure:
            error = failure.message
        state = services.login_step_state(key=key, channel=services.ADMIN_CHANNEL)
        if state is None:
            request.session.pop(SESSION_CHALLENGE, None)
            return HttpResponseRedirect(reverse("admin:login"))
    if state.enrol and services.TOTP in state.methods:
        setup = services.login_totp_setup(key=key)
    return render(
        request,
        "twofactor/admin_two_factor.html",
        {
            **admin.site.each_context(request),
            "title": "两步验证",
            "enrol": state.enrol,
            "methods": [(m, METHOD_LABELS[m]) for m in state.methods],
            "sms": services.SMS in state.methods,
            "setup": setup,
            "error": error,
            "notice": notice,
        },
    )


def _admin_session_start(request: HttpRequest, done: services.LoginDone) -> HttpResponse:
    target = request.session.get(SESSION_NEXT) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    auth_login(request, done.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[ADMIN_SEEN] = _now()
    if done.recovery_codes:
        return render(
            request,
            "twofactor/admin_recovery_codes.html",
            {
                **admin.site.each_context(request),
                "title": "恢复码",
                "codes": done.recovery_codes,
                "next": target,
            },
        )
    return HttpResponseRedirect(target)
