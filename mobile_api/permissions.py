"""The project's default permission: signed in, and the password not past its age."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from backend.common import error_catalogue as codes
from backend.common.errors import PermissionDenied
from backend.directory import services as directory_services
from backend.directory.models import User


class PasswordExpired(PermissionDenied):
    code = "password_expired"
    message = "密码已过期，请先修改密码"


class SignedInWithCurrentPassword(IsAuthenticated):
    """`IsAuthenticated`, and with `ZT_PASSWORD_MAX_AGE_DAYS` on, an expired password
    leaves only the views marked `allowed_with_expired_password` (change it, me, logout)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(view, "allowed_with_expired_password", False):
            return True
        user = request.user
        if isinstance(user, User) and directory_services.password_expired(user):
            raise PasswordExpired.of(codes.PASSWORD_EXPIRED)
        return True
