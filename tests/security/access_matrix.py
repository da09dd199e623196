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

from backend.documents.flows import OUTGOING_NODES
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
    "POST /api/v1/me/password": {"old_password": PASSWORD, "new_password": "Jiangcheng#2027"},
    "POST /api/v1/documents": lambda w: {
        "kind": "notice",
        "title": "关于开展安全生产检查的通知",
        "secrecy": "none",
        "urgency": "normal",
        "publicity": "public",
        "body": "各单位：\n现将安全生产检查有关事项通知如下。",
        "main_to": [w.params["unit_id"]],
        "copy_to": [],
        "client_id": "matrix-doc-2",
    },
    "POST /api/v1/documents/files": lambda w: {
        "file": SimpleUploadedFile("附件.png", image_bytes(), content_type="image/png")
    },
    "POST /api/v1/documents/handwriting": lambda w: {
        "file": SimpleUploadedFile("签批.png", image_bytes(), content_type="image/png")
    },
    "POST /api/v1/documents/phrases": {"text": "已阅，同意"},
    "POST /api/v1/documents/{document_id}/actions": {"action": "return", "opinion": "请修改"},
    "POST /api/v1/documents/{document_id}/redistribute": lambda w: {"unit_id": w.params["unit_id"]},
    "POST /api/v1/documents/receipts/{receipt_id}/actions": {"action": "approve"},
    "POST /api/v1/documents/receipts/{receipt_id}/refuse": {"reason": "非本单位主办事项"},
    "POST /api/v1/documents/receipts/{receipt_id}/register": {"handle_type": "handle", "copies": 1},
    "PUT /api/v1/documents/admin/flows/{which}": {"nodes": OUTGOING_NODES},
    "POST /api/v1/supervision": lambda w: {
        "title": "整治背街小巷环境卫生",
        "deadline": str(timezone.localdate() + timedelta(days=30)),
        "lead": {"owner_id": w.params["person_id"]},
    },
    "POST /api/v1/supervision/{task_id}/split": lambda w: {
        "title": "梳理事项清单",
        "part": {"owner_id": w.params["user_id"]},
        "deadline": str(timezone.localdate() + timedelta(days=20)),
    },
    "POST /api/v1/supervision/{task_id}/reports": {"text": "已完成摸底排查", "percent": 40},
    "POST /api/v1/supervision/{task_id}/urge": {"message": "请加快进度"},
    "POST /api/v1/supervision/{task_id}/finish": {"result": "已按要求办结"},
    "POST /api/v1/supervision/{task_id}/extension": lambda w: {
        "new_deadline": str(timezone.localdate() + timedelta(days=45)),
        "reason": "涉及多部门协调",
    },
    "POST /api/v1/supervision/{task_id}/decision": {"decision": "approve"},
    "POST /api/v1/conversations/{conversation_id}/calls": {"media": "audio"},
    "POST /api/v1/calls/{call_id}/invite": lambda w: {"user_ids": [w.params["user_id"]]},
    "POST /api/v1/calls/{call_id}/recording": {"on": True},
}

MULTIPART = {
    "POST /api/v1/attachments",
    "POST /api/v1/documents/files",
    "POST /api/v1/documents/handwriting",
}

# Rows whose path parameter takes another world value than its name.
ROW_PARAMS: dict[str, dict[str, str]] = {
    "POST /api/v1/conversations/{conversation_id}/calls": {
        "conversation_id": "call_conversation_id"
    },
    "GET /api/v1/approvals/{approval_id}/attachments/{token}": {"token": "approval_token"},
    "GET /api/v1/documents/{document_id}/files/{token}": {"token": "document_token"},
    **{
        f"{method} /api/v1/supervision/{{task_id}}{tail}": {"task_id": "supervision_id"}
        for method, tail in (
            ("GET", ""),
            ("POST", "/split"),
            ("POST", "/reports"),
            ("POST", "/urge"),
            ("POST", "/finish"),
            ("POST", "/extension"),
            ("POST", "/decision"),
        )
    },
    "GET /api/v1/supervision/{task_id}/attachments/{token}": {
        "task_id": "supervision_id",
        "token": "supervision_token",
    },
}

# (anonymous, other_unit, non_member, non_admin, member)
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    # 通话 (docs/calls.md): a call is seen by the members of its conversation only.
    # 张三 starts a call in his 1:1 chat with 王建国; 王建国 then finds it in progress.
    "POST /api/v1/conversations/{conversation_id}/calls": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "201",
        "409:call_in_progress",
    ),
    "GET /api/v1/conversations/{conversation_id}/calls/active": (
        "401:not_authenticated",
        "403:not_a_member",
        "403:not_a_member",
        "200",
        "200",
    ),
    "GET /api/v1/calls/{call_id}": (
        "401:not_authenticated",
        "404:call_not_found",
        "404:call_not_found",
        "200",
        "200",
    ),
    # Only the person rung (张三) declines; the host is not rung.
    "POST /api/v1/calls/{call_id}/decline": (
        "401:not_authenticated",
        "404:call_not_found",
        "404:call_not_found",
        "200",
        "409:not_ringing",
    ),
    # A joined participant (the host) rings more members; 张三 has not joined.
    "POST /api/v1/calls/{call_id}/invite": (
        "401:not_authenticated",
        "404:call_not_found",
        "404:call_not_found",
        "403:not_in_call",
        "200",
    ),
    "POST /api/v1/calls/{call_id}/end": (
        "401:not_authenticated",
        "404:call_not_found",
        "404:call_not_found",
        "403:not_call_host",
        "200",
    ),
    "POST /api/v1/calls/{call_id}/participants/{user_id}/remove": (
        "401:not_authenticated",
        "404:call_not_found",
        "404:call_not_found",
        "403:not_call_host",
        "200",
    ),
    "POST /api/v1/calls/{call_id}/recording": (
        "401:not_authenticated",
        "404:call_not_found",
        "404:call_not_found",
        "403:not_call_host",
        "200",
    ),
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
    # 公文 (docs/documents.md): the world's 通知 was drafted by 王建国 and went through
    # every 发文 step (李秀英 核稿/复核/登记/用印/分发, he 签发) to his own office and
    # 财政局. A person sees it if in its flow or an admin of its unit; anyone else
    # gets document_not_found, never a 403 that would confirm it exists.
    "GET /api/v1/documents": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/documents/counts": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/documents/meta": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/documents/phrases": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/documents/admin/flows": (
        "401:not_authenticated",
        "403:not_document_admin",
        "403:not_document_admin",
        "403:not_document_admin",
        "200",
    ),
    "PUT /api/v1/documents/admin/flows/{which}": (
        "401:not_authenticated",
        "403:not_document_admin",
        "403:not_document_admin",
        "403:not_document_admin",
        "200",
    ),
    # 赵六's 财政局 has nobody to take its 核稿 step (no clerk, no admin): refused as
    # input, not as access.
    "POST /api/v1/documents": (
        "401:not_authenticated",
        "400:no_assignee",
        "201",
        "201",
        "201",
    ),
    "POST /api/v1/documents/files": (
        "401:not_authenticated",
        "201",
        "201",
        "201",
        "201",
    ),
    "POST /api/v1/documents/handwriting": (
        "401:not_authenticated",
        "201",
        "201",
        "201",
        "201",
    ),
    "POST /api/v1/documents/phrases": (
        "401:not_authenticated",
        "201",
        "201",
        "201",
        "201",
    ),
    # 王建国's own 常用批示语: nobody else can delete it.
    "DELETE /api/v1/documents/phrases/{phrase_id}": (
        "401:not_authenticated",
        "404:opinion_not_found",
        "404:opinion_not_found",
        "404:opinion_not_found",
        "204",
    ),
    # 李秀英 handled its steps; 张三 is neither in the flow nor an admin.
    "GET /api/v1/documents/{document_id}": (
        "401:not_authenticated",
        "404:document_not_found",
        "200",
        "404:document_not_found",
        "200",
    ),
    "GET /api/v1/documents/{document_id}/files/{token}": (
        "401:not_authenticated",
        "404:document_not_found",
        "200",
        "404:document_not_found",
        "200",
    ),
    "GET /api/v1/documents/{document_id}/layout": (
        "401:not_authenticated",
        "404:document_not_found",
        "200",
        "404:document_not_found",
        "200",
    ),
    "GET /api/v1/documents/{document_id}/layout.pdf": (
        "401:not_authenticated",
        "404:document_not_found",
        "200",
        "404:document_not_found",
        "200",
    ),
    "GET /api/v1/documents/{document_id}/layout/pages/{page}.png": (
        "401:not_authenticated",
        "404:document_not_found",
        "200",
        "404:document_not_found",
        "200",
    ),
    # The flow has ended: those who see it are told so; 退回 changes nothing.
    "POST /api/v1/documents/{document_id}/actions": (
        "401:not_authenticated",
        "404:document_not_found",
        "409:task_closed",
        "404:document_not_found",
        "409:task_closed",
    ),
    # The drafter or his unit's office (李秀英) may archive; again is harmless.
    "POST /api/v1/documents/{document_id}/archive": (
        "401:not_authenticated",
        "404:document_not_found",
        "200",
        "404:document_not_found",
        "200",
    ),
    # Nobody refused the receipt, so there is nothing to send again.
    "POST /api/v1/documents/{document_id}/redistribute": (
        "401:not_authenticated",
        "404:document_not_found",
        "409:not_redistributable",
        "404:document_not_found",
        "409:not_redistributable",
    ),
    # 收文: the office's receipt of the 通知 (待签收), seen by the office's clerk (李秀英)
    # and admin (王建国) only. She signs first, so his 签收/退回 finds it signed.
    "GET /api/v1/documents/receipts/{receipt_id}": (
        "401:not_authenticated",
        "404:receipt_not_found",
        "200",
        "404:receipt_not_found",
        "200",
    ),
    "POST /api/v1/documents/receipts/{receipt_id}/sign": (
        "401:not_authenticated",
        "404:receipt_not_found",
        "200",
        "404:receipt_not_found",
        "409:receipt_state",
    ),
    "POST /api/v1/documents/receipts/{receipt_id}/refuse": (
        "401:not_authenticated",
        "404:receipt_not_found",
        "200",
        "404:receipt_not_found",
        "409:receipt_state",
    ),
    # 登记 needs 签收 first.
    "POST /api/v1/documents/receipts/{receipt_id}/register": (
        "401:not_authenticated",
        "404:receipt_not_found",
        "409:receipt_state",
        "404:receipt_not_found",
        "409:receipt_state",
    ),
    # Flow actions need a registered receipt.
    "POST /api/v1/documents/receipts/{receipt_id}/actions": (
        "401:not_authenticated",
        "404:receipt_not_found",
        "409:receipt_state",
        "404:receipt_not_found",
        "409:receipt_state",
    ),
    # 登录设备 and password: each person's own; the world's device is 王建国's token.
    "GET /api/v1/me/devices": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "DELETE /api/v1/me/devices/{device_id}": (
        "401:not_authenticated",
        "404:device_not_found",
        "404:device_not_found",
        "404:device_not_found",
        "204",
    ),
    "POST /api/v1/me/devices/sign-out-others": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    # Each changes their own password (the old one is the shared test password).
    "POST /api/v1/me/password": (
        "401:not_authenticated",
        "204",
        "204",
        "204",
        "204",
    ),
    # 督办 (docs/supervision.md): 王建国 created the task and owns its lead part.
    # Only grant holders see it; everyone else, same unit or not, gets
    # supervision_not_found.
    "GET /api/v1/supervision": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    "GET /api/v1/supervision/dashboard": (
        "401:not_authenticated",
        "200",
        "200",
        "200",
        "200",
    ),
    # Only leaders (or 督查 staff) create.
    "POST /api/v1/supervision": (
        "401:not_authenticated",
        "403:not_supervisor_role",
        "403:not_supervisor_role",
        "403:not_supervisor_role",
        "201",
    ),
    "GET /api/v1/supervision/{task_id}": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "200",
    ),
    "GET /api/v1/supervision/{task_id}/attachments/{token}": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "200",
    ),
    "POST /api/v1/supervision/{task_id}/split": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "201",
    ),
    "POST /api/v1/supervision/{task_id}/reports": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "200",
    ),
    # The owner may not urge himself.
    "POST /api/v1/supervision/{task_id}/urge": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "403:not_above_owner",
    ),
    "POST /api/v1/supervision/{task_id}/finish": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "200",
    ),
    "POST /api/v1/supervision/{task_id}/extension": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "200",
    ),
    "POST /api/v1/supervision/{task_id}/decision": (
        "401:not_authenticated",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "404:supervision_not_found",
        "409:no_pending_application",
    ),
}
