"""A group with a long history, through the real services, in a subprocess.

Run as ``python -m tests.e2e.seed_history`` with the server's ``DATABASE_URL``
after ``seed_demo``; reads a JSON spec on stdin, prints JSON. Used by the
long-history browser test and by ``bench/chat_open.py``.

spec::

    {"owner": "13800000003", "members": ["13800000001", "13800000002"],
     "name": "千条消息测试群", "messages": 1000}

result::

    {"conversation_id": 12, "messages": 1000, "first_seq": 2, "last_seq": 1001,
     "first_text": "…", "last_text": "…", "seconds": 9.1}

The texts are ``历史消息 0001 …`` … ``历史消息 1000 …``, sent round-robin by
the owner and the members; every seventh is a long, wrapping paragraph so the
rows differ in height as they do in a real conversation.
"""

from __future__ import annotations

import time
from typing import Any

from tests.integration.harness import seed_main

LONG = (
    "请各科室对照市政府常务会议议定事项，逐项梳理本周办理进度，"
    "涉及跨部门协调的事项注明牵头单位和配合单位，周五下班前报送综合科汇总。"
)


def history_text(index: int) -> str:
    """The text of message `index` (1-based); stable so tests can find it."""
    body = LONG if index % 7 == 0 else "收到，按要求办理。"
    return f"历史消息 {index:04d} {body}"


def run(spec: dict[str, Any]) -> dict[str, Any]:
    from django.db import transaction

    from backend.directory.models import User
    from realtime import services

    started = time.monotonic()
    owner = User.objects.get(mobile=spec["owner"])
    members = list(User.objects.filter(mobile__in=spec["members"]))
    conversation = services.group_create(
        actor=owner, name=spec["name"], member_ids=[m.pk for m in members]
    )
    senders = [owner, *members]
    count = int(spec["messages"])
    seqs: list[int] = []
    # One transaction: 1,000 commits on SQLite would take most of a minute.
    with transaction.atomic():
        for index in range(1, count + 1):
            message, _ = services.message_send(
                actor=senders[index % len(senders)],
                conversation_id=conversation.pk,
                text=history_text(index),
                client_id=f"history:{conversation.pk}:{index}",
            )
            seqs.append(message.seq)
    return {
        "conversation_id": conversation.pk,
        "messages": count,
        "first_seq": seqs[0],
        "last_seq": seqs[-1],
        "first_text": history_text(1),
        "last_text": history_text(count),
        "seconds": round(time.monotonic() - started, 2),
    }


if __name__ == "__main__":
    seed_main(run)
