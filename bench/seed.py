"""Bulk seed for the benchmarks, through the real services, in a subprocess.

``python -m bench.seed`` with the server's DATABASE_URL (and a long
ZT_WS_TICKET_SECONDS); reads a JSON spec on stdin, prints JSON:

spec: ``{"users": 2000, "group_size": 100, "big_group": 1000, "tickets": 1}``
result: ``{"users": [{"id": 1, "tickets": ["..."]}], "groups": [{"id": 7,
"members": [0, 1, ...]}], "big": {"id": 9, "members": [...]} | null}``

Member lists hold user *indexes* into ``users``; group ``i`` holds users
``[i*group_size, (i+1)*group_size)``; the big group holds the first
``big_group`` users.
"""

from __future__ import annotations

import time
from typing import Any

from tests.integration.harness import seed_main


def run(spec: dict[str, Any]) -> dict[str, Any]:
    from django.db import transaction

    from backend.directory import services as directory
    from realtime import services

    count = int(spec["users"])
    group_size = int(spec.get("group_size", 0))
    big_size = int(spec.get("big_group", 0))
    tickets_per_user = int(spec.get("tickets", 1))
    started = time.monotonic()
    users = []
    with transaction.atomic():
        for i in range(count):
            users.append(
                directory.user_create(
                    mobile=f"137{i:08d}", name=f"压测{i}", password="Zt-bench-2026!"
                )
            )
    groups: list[dict[str, Any]] = []
    if group_size > 1:
        for start in range(0, count - group_size + 1, group_size):
            members = list(range(start, start + group_size))
            conversation = services.group_create(
                actor=users[start],
                name=f"压测群{start // group_size}",
                member_ids=[users[i].pk for i in members[1:]],
            )
            groups.append({"id": conversation.pk, "members": members})
    big = None
    if big_size > 1:
        members = list(range(min(big_size, count)))
        conversation = services.group_create(
            actor=users[0], name="压测大群", member_ids=[users[i].pk for i in members[1:]]
        )
        big = {"id": conversation.pk, "members": members}
    out_users = []
    with transaction.atomic():
        for user in users:
            keys = [services.ws_ticket_issue(actor=user).key for _ in range(tickets_per_user)]
            out_users.append({"id": user.pk, "tickets": keys})
    return {
        "users": out_users,
        "groups": groups,
        "big": big,
        "seed_seconds": round(time.monotonic() - started, 2),
    }


if __name__ == "__main__":
    seed_main(run)
