"""The 越权 (privilege) matrix: every REST endpoint × persona → the status it must get.

Read by `test_access_matrix.py`, which fails when the URL configuration
serves an endpoint that has no row here (a new app must add its rows) or a
row names an endpoint that no longer exists. Personas and the world they act
in are described in `matrix_world.py`; in short:

    anonymous   — not logged in
    other_unit  — 赵六, another unit, involved in nothing
    non_member  — 李秀英, same unit, not in the group, not in the approval
    non_admin   — 张三, plain group member, the approval's submitter
    member      — 王建国, group owner, sender, unit admin, the approval's handler

A status may carry the error code after a colon ("403:not_a_member"); 2xx
statuses are bare. Rows are grouped by area; the comment on a row says why a
persona gets what it gets where that is not obvious.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.realtime.factories import image_bytes

Body = dict[str, Any] | Callable[[Any], dict[str, Any]]

TEMPLATE = {
    "name": "加班申请",
    "category": "人事",
    "fields": [{"key": "hours", "label": "加班时长", "type": "number", "required": True}],
    "nodes": [
        {
            "id": "n1",
            "type": "approver",
            "name": "主任审批",
            "assignees": {"kind": "dept_head"},
            "mode": "sequential",
        }
    ],
}

# Request bodies (query parameters for GET) the rows send, the same for every persona.
BODIES: dict[str, Body] = {
    "POST /api/v1/auth/login": {"mobile": "13800000003", "password": PASSWORD},
    "POST /api/v1/auth/token": {"mobile": "13800000003", "password": PASSWORD},
    "POST /api/v1/conversations": lambda w: {"kind": "direct", "user_id": w.params["person_id"]},
    "PATCH /api/v1/conversations/{conversation_id}": {"name": "改名"},
    "PATCH /api/v1/conversations/{conversation_id}/settings": {"muted": True},
    "POST /api/v1/conversations/{conversation_id}/members": lambda w: {
        "user_ids": [w.people["non_member"].pk]
    },
    "POST /api/v1/conversations/{conversation_id}/transfer": lambda w: {
        "user_id": w.params["user_id"]
    },
    "POST /api/v1/conversations/{conversation_id}/admins": lambda w: {
        "user_id": w.params["user_id"],
        "is_admin": True,
    },
    "POST /api/v1/conversations/{conversation_id}/messages": {"text": "越权测试"},
    "POST /api/v1/conversations/{conversation_id}/read": {"seq": 1},
    "GET /api/v1/conversations/{conversation_id}/receipts": {"seqs": "1,2,3"},
    "GET /api/v1/messages/search": {"q": "请尽快"},
    "POST /api/v1/attachments": lambda w: {
        "file": SimpleUploadedFile("a.png", image_bytes(), content_type="image/png")
    },
    "GET /api/v1/directory/search": {"q": "王"},
    "POST /api/v1/approvals": lambda w: {
        "template_id": w.params["template_id"],
        "form": {
            "leave_type": "年休假",
            "period": {
                "start": str(timezone.localdate() + timedelta(days=3)),
                "end": str(timezone.localdate() + timedelta(days=3)),
            },
            "reason": "越权测试",
        },
        "client_id": "matrix-2",
    },
    "POST /api/v1/approvals/templates/{template_id}/route": {"form": {}},
    "POST /api/v1/approvals/admin/templates": TEMPLATE,
    "PUT /api/v1/approvals/admin/templates/{template_id}": TEMPLATE,
    "POST /api/v1/approvals/opinions": {"text": "已阅"},
    "POST /api/v1/approvals/{approval_id}/actions": lambda w: {
        "action": "approve",
        "task_id": w.params["task_id"],
    },
    "POST /api/v1/approvals/{approval_id}/tasks/{task_id}/deadline": lambda w: {
        "due_at": (timezone.now() + timedelta(days=2)).isoformat()
    },
    "PATCH /api/v1/me/notification-settings": {"sms_urgent": False},
    "POST /api/v1/messages/{message_id}/urgent": {"channels": ["app"]},
}

MULTIPART = {"POST /api/v1/attachments"}

# Rows whose path parameter takes another world value than its name.
ROW_PARAMS: dict[str, dict[str, str]] = {
    "GET /api/v1/approvals/{approval_id}/attachments/{token}": {"token": "approval_token"},
}

# (anonymous, other_unit, non_member, non_admin, member)
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    "DELETE /api/v1/approvals/opinions/{opinion_id}": (
        "401:not_authenticated",
        "404:opinion_not_found",
        "404:opinion_not_found",
        "404:opinion_not_found",
        "204",
    ),
    "DELETE /api/v1/conversations/{conversation_id}/members/{user_id}": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:not_group_admin",
        "204",
    ),
    "DELETE /api/v1/push/subscriptions": (
        "401:not_authenticated",
        "400:invalid",
        "400:invalid",
        "400:invalid",
        "400:invalid",
    ),
    "GET /api/v1/admin/deliveries": (
        "401:not_authenticated",
        "403:not_delivery_admin",
        "403:not_delivery_admin",
        "403:not_delivery_admin",
        "200",
    ),
    "GET /api/v1/approvals": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/approvals/admin/templates": (
        "401:not_authenticated",
        "403:not_unit_admin",
        "403:not_unit_admin",
        "403:not_unit_admin",
        "200",
    ),
    "GET /api/v1/approvals/counts": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/approvals/opinions": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/approvals/rooms": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/approvals/templates": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/approvals/templates/{template_id}": (
        "401:not_authenticated",
        "404:template_not_found",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/approvals/{approval_id}": (
        "401:not_authenticated",
        "404:approval_not_found",
        "404:approval_not_found",
        "200",
        "200",
    ),
    "GET /api/v1/approvals/{approval_id}/attachments/{token}": (
        "401:not_authenticated",
        "404:approval_not_found",
        "404:approval_not_found",
        "200",
        "200",
    ),
    "GET /api/v1/attachments/{token}/download": (
        "401:not_authenticated",
        "404:attachment_not_found",
        "404:attachment_not_found",
        "200",
        "200",
    ),
    "GET /api/v1/attachments/{token}/thumbnail": (
        "401:not_authenticated",
        "404:attachment_not_found",
        "404:attachment_not_found",
        "200",
        "200",
    ),
    # 三员分立: only the audit administrator (tests/audit/test_separation.py).
    "GET /api/v1/audit/entries": (
        "401:not_authenticated",
        "403:duty_required",
        "403:duty_required",
        "403:duty_required",
        "403:duty_required",
    ),
    "GET /api/v1/audit/export": (
        "401:not_authenticated",
        "403:duty_required",
        "403:duty_required",
        "403:duty_required",
        "403:duty_required",
    ),
    # Public: the CSRF cookie, login and token login (as 张三) need no session.
    "GET /api/v1/auth/csrf": ("204", "204", "204", "204", "204"),
    "GET /api/v1/conversations": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/conversations/{conversation_id}": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "200",
        "200",
    ),
    "GET /api/v1/conversations/{conversation_id}/members": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "200",
        "200",
    ),
    "GET /api/v1/conversations/{conversation_id}/messages": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "200",
        "200",
    ),
    "GET /api/v1/conversations/{conversation_id}/receipts": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "200",
        "200",
    ),
    "GET /api/v1/directory/departments/{department_id}/people": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/directory/online": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/directory/search": ("401:not_authenticated", "200", "200", "200", "200"),
    # The directory is open to every official (masked mobiles: docs/security.md).
    "GET /api/v1/directory/units": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/directory/units/{unit_id}/departments": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/me": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/me/deliveries": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/me/notification-settings": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/messages/search": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/messages/{message_id}/receipts": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:permission_denied",
        "200",
    ),
    # Only the sender sees a 加急 message's status.
    "GET /api/v1/messages/{message_id}/urgent": (
        "401:not_authenticated",
        "403:urgent_not_sender",
        "403:urgent_not_sender",
        "403:urgent_not_sender",
        "200",
    ),
    "GET /api/v1/people/{person_id}": ("401:not_authenticated", "200", "200", "200", "200"),
    # Nobody has an avatar in this world: 404 for all, never 403/500.
    "GET /api/v1/people/{person_id}/avatar": (
        "401:not_authenticated",
        "404:avatar_not_found",
        "404:avatar_not_found",
        "404:avatar_not_found",
        "404:avatar_not_found",
    ),
    "GET /api/v1/push/vapid-public-key": ("401:not_authenticated", "200", "200", "200", "200"),
    "GET /api/v1/todo": ("401:not_authenticated", "200", "200", "200", "200"),
    "PATCH /api/v1/conversations/{conversation_id}": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:not_group_admin",
        "200",
    ),
    "PATCH /api/v1/conversations/{conversation_id}/settings": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "200",
        "200",
    ),
    "PATCH /api/v1/me/notification-settings": ("401:not_authenticated", "200", "200", "200", "200"),
    "POST /api/v1/approvals": (
        "401:not_authenticated",
        "404:template_not_found",
        "201",
        "201",
        "201",
    ),
    "POST /api/v1/approvals/admin/templates": (
        "401:not_authenticated",
        "403:not_unit_admin",
        "403:not_unit_admin",
        "403:not_unit_admin",
        "201",
    ),
    "POST /api/v1/approvals/opinions": ("401:not_authenticated", "201", "201", "201", "201"),
    "POST /api/v1/approvals/templates/{template_id}/route": (
        "401:not_authenticated",
        "404:template_not_found",
        "200",
        "200",
        "200",
    ),
    "POST /api/v1/approvals/{approval_id}/actions": (
        "401:not_authenticated",
        "404:approval_not_found",
        "404:approval_not_found",
        "403:not_handler",
        "200",
    ),
    # Only the initiator (张三) extends a deadline; the handler may not.
    "POST /api/v1/approvals/{approval_id}/tasks/{task_id}/deadline": (
        "401:not_authenticated",
        "404:approval_not_found",
        "404:approval_not_found",
        "200",
        "403:not_initiator",
    ),
    "POST /api/v1/attachments": ("401:not_authenticated", "201", "201", "201", "201"),
    "POST /api/v1/auth/login": ("200", "200", "200", "200", "200"),
    "POST /api/v1/auth/logout": ("401:not_authenticated", "204", "204", "204", "204"),
    "POST /api/v1/auth/token": ("200", "200", "200", "200", "200"),
    "POST /api/v1/auth/ws-ticket": ("401:not_authenticated", "200", "200", "200", "200"),
    # 王建国 opens a chat with himself here: refused as input, not as access.
    "POST /api/v1/conversations": (
        "401:not_authenticated",
        "201",
        "201",
        "201",
        "400:invalid_direct",
    ),
    "POST /api/v1/conversations/{conversation_id}/admins": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:not_group_owner",
        "200",
    ),
    "POST /api/v1/conversations/{conversation_id}/dissolve": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:not_group_owner",
        "204",
    ),
    # A member may leave; the owner must transfer first.
    "POST /api/v1/conversations/{conversation_id}/leave": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "204",
        "400:owner_must_transfer",
    ),
    "POST /api/v1/conversations/{conversation_id}/members": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:not_group_admin",
        "200",
    ),
    "POST /api/v1/conversations/{conversation_id}/messages": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "201",
        "201",
    ),
    "POST /api/v1/conversations/{conversation_id}/read": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "200",
        "200",
    ),
    "POST /api/v1/conversations/{conversation_id}/transfer": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:not_group_owner",
        "200",
    ),
    "POST /api/v1/messages/{message_id}/recall": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:recall_not_allowed",
        "200",
    ),
    "POST /api/v1/messages/{message_id}/urgent": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "403:urgent_not_sender",
        "200",
    ),
    "POST /api/v1/messages/{message_id}/urgent/remind": (
        "401:not_authenticated",
        "403:urgent_not_sender",
        "403:urgent_not_sender",
        "403:urgent_not_sender",
        "200",
    ),
    # An empty subscription is refused as input for everyone logged in.
    "POST /api/v1/push/subscriptions": (
        "401:not_authenticated",
        "400:invalid",
        "400:invalid",
        "400:invalid",
        "400:invalid",
    ),
    "PUT /api/v1/approvals/admin/templates/{template_id}": (
        "401:not_authenticated",
        "403:not_unit_admin",
        "403:not_unit_admin",
        "403:not_unit_admin",
        "200",
    ),
}
