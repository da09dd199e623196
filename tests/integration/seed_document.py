"""Seed two units and a 公文 one step before 分发 (a subprocess).

Run as ``python -m tests.integration.seed_document``; spec on stdin
``{"code": "…", "people": [{"mobile", "name"} × 4]}`` (drafter, sending clerk,
leader, receiving clerk); prints ``{"document": id, "sender_clerk": {"id",
"mobile"}, "receiver_clerk": {"id", "mobile"}, "conversation": id}``. The
document goes through the services from 拟稿 to 用印; the receiving clerk's
chat with 公文助手 exists already, so the 分发 card arrives as a message.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from tests.integration.seed import PASSWORD


def run(spec: dict[str, Any]) -> dict[str, Any]:
    from backend.directory import services as directory
    from backend.directory.models import Department, Role
    from backend.documents import services
    from backend.workflow.services import ActParams
    from realtime import services as chat

    code = spec["code"]
    sender = directory.unit_create(
        name=f"发文单位{code}", level="city", kind="department", code=f"{code}-S"
    )
    receiver = directory.unit_create(
        name=f"收文单位{code}", level="city", kind="department", code=f"{code}-R"
    )
    roles = ((sender, None), (sender, Role.CLERK), (sender, Role.LEADER), (receiver, Role.CLERK))
    people = []
    for (unit, role), item in zip(roles, spec["people"], strict=True):
        section, _ = Department.objects.get_or_create(unit=unit, parent=None, name="办公室")
        user = directory.user_create(mobile=item["mobile"], name=item["name"], password=PASSWORD)
        directory.position_assign(user=user, department=section, title="科员")
        if role is not None:
            directory.role_grant(actor=None, user=user, unit=unit, role=role)
        people.append(user)
    drafter, clerk, leader, receiving = people
    document = services.document_submit(
        actor=drafter,
        data={
            "kind": "notice",
            "title": "关于集群测试的通知",
            "body": "请知悉。",
            "main_to": [receiver.pk],
        },
        client_id="integration-document",
    )
    for actor in (clerk, leader, clerk, clerk, clerk):  # 核稿 签发 复核 登记 用印
        services.document_act(
            actor=actor, document_id=document.pk, action="approve", params=ActParams()
        )
    bot = directory.system_account_get("documents")
    conversation = chat.direct_conversation_get_or_create(actor=bot, other_id=receiving.pk)
    return {
        "document": document.pk,
        "sender_clerk": {"id": clerk.pk, "mobile": clerk.mobile},
        "receiver_clerk": {"id": receiving.pk, "mobile": receiving.mobile},
        "conversation": conversation.pk,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    json.dump(run(json.loads(sys.stdin.read())), sys.stdout)


if __name__ == "__main__":
    main()
