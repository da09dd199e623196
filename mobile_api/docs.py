"""Who may read the API documentation (`/api/docs/`, `/api/schema/`): settings.ZT_API_DOCS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class ApiDocsAccess(BasePermission):
    """`public`: anyone; `staff`: signed-in staff (the production default); `off`: 404."""

    def has_permission(self, request: Request, view: Any) -> bool:
        mode = settings.ZT_API_DOCS
        if mode == "public":
            return True
        if mode == "staff":
            return bool(request.user and request.user.is_staff)
        raise Http404
