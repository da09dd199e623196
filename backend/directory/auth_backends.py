"""The only authentication backend: every `authenticate()` goes through `services.login_check`.

Django's `ModelBackend` would check a password with no lockout and no audit;
this one keeps its permission checks and replaces the password check. A
person who must give a second factor (`services.second_factor_needed`) is
never logged in by a password alone here: the login endpoints and
`/admin/login/` take them through the two-factor step.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from backend.common.client_ip import request_context
from backend.common.errors import ZtError
from backend.directory import services
from backend.directory.models import User


class LoginServiceBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        mobile = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if mobile is None or password is None:
            return None
        context = request_context(request.META) if request is not None else services.NO_CONTEXT
        needs = services.second_factor_needed(mobile)
        try:
            user = services.login_check(
                mobile=mobile, password=password, context=context, complete=not needs
            )
        except ZtError:
            return None
        return None if needs else user
