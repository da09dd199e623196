"""The world the 越权 matrix runs in, and the endpoints read from the URL configuration.

Personas (each row of `access_matrix.MATRIX` gives one status per persona, in
this order):

- `anonymous`: nobody logged in.
- `other_unit`: 赵六 (财政局), another unit; in no conversation, no approval.
- `non_member`: 李秀英 (市政府办公室, 文书), same unit as the owner; not in the
  group, not in the approval.
- `non_admin`: 张三 (市政府办公室, 科员), a plain member of the group; submitted
  the approval; no admin role.
- `member`: 王建国 (市政府办公室 主任, 单位管理员, 领导), owns the group, sent the
  message and the attachment, is the approval's handler.

Path parameters come from the world: `conversation_id` the group, `message_id`
王建国's 加急 message there, `token` the image he sent there, `user_id` 张三,
`approval_id`/`task_id` 张三's leave request and 王建国's pending task
(`token` is the request's attachment on the approval attachment route),
`template_id` the unit's 请假 template, `opinion_id` 王建国's saved opinion,
`unit_id`/`department_id`/`person_id` his unit, department and himself.
公文: `document_id` his 通知 (drafted by him, every 发文 step done, sent to his
office and 财政局), `document_token` its 附件, `page` its first layout page,
`receipt_id` the office's receipt of it (待签收), `which` the 发文 flow,
`phrase_id` his 常用批示语. `device_id` a token device of his. 督办:
`supervision_id` a task he created and owns the lead of, `supervision_token`
its attachment (rows map `task_id`/`token` to these in `ROW_PARAMS`). 通话:
`call_id` the audio call he started in the group, ringing 张三;
`call_conversation_id` his 1:1 chat with 张三 (no call yet) where the start row
starts one.
Each row runs in a fresh world; the personas ask in the order above (the
rightful `member` last, so an earlier persona's refused write cannot be
mistaken for a success).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from backend.calls import services as calls
from backend.directory import services as directory
from backend.directory.models import DeviceSession, User
from backend.documents import services as documents
from backend.documents.models import Receipt
from backend.supervision import services as supervision
from backend.workflow import services as workflow
from backend.workflow.models import Task
from backend.workflow.services import ActParams
from realtime import services as messaging
from tests.documents.conftest import draft
from tests.realtime.factories import image_bytes

PERSONAS = ("anonymous", "other_unit", "non_member", "non_admin", "member")
METHODS = ("get", "post", "put", "patch", "delete")


def endpoints() -> list[str]:
    """Every `METHOD /api/v1/…` the URL configuration serves, `{param}` for parameters."""
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if not route.startswith("api/v1/"):
                    continue
                view = getattr(pattern.callback, "cls", None)
                template = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
                for method in METHODS:
                    if view is not None and hasattr(view, method):
                        found.append(f"{method.upper()} {template}")

    walk(get_resolver().url_patterns, "")
    return sorted(found)


@dataclass
class World:
    people: dict[str, User | None]
    params: dict[str, Any]

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.people[persona]
        if user is not None:
            client.force_login(user)
        return client


def build(org: dict[str, Any], director: User, clerk: User, staff: User, outsider: User) -> World:
    group = messaging.group_create(actor=director, name="越权测试群", member_ids=[staff.pk])
    data = image_bytes()
    image = messaging.attachment_upload(
        actor=director, name="材料.png", size=len(data), stream=io.BytesIO(data)
    )
    messaging.message_send(actor=director, conversation_id=group.pk, attachment_id=image.token)
    urgent, _ = messaging.message_send_urgent(
        actor=director, conversation_id=group.pk, channels=["app"], text="请尽快回复"
    )
    owner = Client()
    owner.force_login(director)
    submitter = Client()
    submitter.force_login(staff)
    paper = messaging.attachment_upload(
        actor=staff, name="请假条.png", size=len(data), stream=io.BytesIO(data)
    )
    templates = submitter.get("/api/v1/approvals/templates").json()
    leave = next(t for t in templates if t["code"] == "leave")
    start = timezone.localdate() + timedelta(days=1)
    submitted = submitter.post(
        "/api/v1/approvals",
        {
            "template_id": leave["id"],
            "form": {
                "leave_type": "年休假",
                "period": {"start": str(start), "end": str(start)},
                "reason": "探亲",
                "attachments": [paper.token],
            },
            "client_id": "matrix",
        },
        content_type="application/json",
    ).json()
    approval_id = submitted["id"]
    task = Task.objects.get(assignee=director, state=Task.State.PENDING)
    opinion = owner.post(
        "/api/v1/approvals/opinions", {"text": "同意"}, content_type="application/json"
    ).json()
    document, receipt, document_file = _document(org, director, clerk)
    phrase = workflow.opinion_save(actor=director, text="请阅示")
    directory.token_issue(user=director, device_name="王建国的手机")
    device = DeviceSession.objects.filter(user=director).latest("pk")
    evidence = messaging.attachment_upload(
        actor=director, name="督办材料.png", size=len(data), stream=io.BytesIO(data)
    )
    supervised = supervision.task_create(
        actor=director,
        data=supervision.TaskInput(
            title="推进政务服务一网通办",
            deadline=timezone.localdate() + timedelta(days=30),
            lead=supervision.PartInput(owner_id=director.pk),
            source="meeting",
            requirement="按期完成，每周反馈进展。",
            attachments=[evidence.token],
        ),
    )
    # 通话: 王建国 rings 张三 in the group; their 1:1 chat has no call yet.
    call = calls.call_start(
        actor=director, conversation_id=group.pk, media="audio", invitee_ids=[staff.pk]
    )
    direct = messaging.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
    return World(
        people={
            "anonymous": None,
            "other_unit": outsider,
            "non_member": clerk,
            "non_admin": staff,
            "member": director,
        },
        params={
            "conversation_id": group.pk,
            "message_id": urgent.pk,
            "token": image.token,
            "approval_token": paper.token,
            "user_id": staff.pk,
            "approval_id": approval_id,
            "task_id": task.pk,
            "template_id": leave["id"],
            "opinion_id": opinion["id"],
            "unit_id": org["office"].pk,
            "department_id": org["secretariat"].pk,
            "person_id": director.pk,
            "document_id": document,
            "receipt_id": receipt,
            "document_token": document_file,
            "which": "outgoing",
            "page": 1,
            "phrase_id": phrase.pk,
            "device_id": device.pk,
            "supervision_id": supervised.pk,
            "supervision_token": evidence.token,
            "call_id": call.pk,
            "call_conversation_id": direct.pk,
        },
    )


def _document(org: dict[str, Any], director: User, clerk: User) -> tuple[int, int, str]:
    """王建国 drafts the 公文 suite's 通知 to his own office and 财政局; it goes through
    every 发文 step (李秀英 核稿/复核/登记/用印/分发, he 签发): the office's receipt
    waits for 签收."""
    data = image_bytes()
    appendix = messaging.attachment_upload(
        actor=director, name="附件.png", size=len(data), stream=io.BytesIO(data)
    )
    document = documents.document_submit(
        actor=director,
        data=draft(
            org, main_to=[org["office"].pk, org["finance"].pk], attachments=[appendix.token]
        ),
        client_id="matrix-doc",
    )
    for actor in (clerk, director, clerk, clerk, clerk, clerk):
        document = documents.document_act(
            actor=actor, document_id=document.pk, action="approve", params=ActParams()
        )
    receipt = Receipt.objects.get(document=document, unit=org["office"])
    return document.pk, receipt.pk, appendix.token
