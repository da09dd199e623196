"""Seed users and conversations through the real services, in a subprocess.

Run as ``python -m tests.integration.seed`` with ``DATABASE_URL`` pointing at
the run's database; reads a JSON spec on stdin and prints a JSON result:

spec::

    {"users": [{"key": "a", "mobile": "13900000001", "name": "张三"}],
     "directs": [{"key": "ab", "users": ["a", "b"]}],
     "groups": [{"key": "g", "owner": "a", "name": "群", "members": ["b", "c"]}],
     "tokens": true}

result::

    {"users": {"a": {"id": 1, "mobile": "...", "token": "..."}},
     "conversations": {"ab": 7, "g": 8}}

A subprocess (not the pytest process) so the server processes and the seed
share nothing but the database, exactly as in production.
"""

from __future__ import annotations

from typing import Any

from tests.integration.harness import seed_main

PASSWORD = "Zt-integration-2026!"


def run(spec: dict[str, Any]) -> dict[str, Any]:
    from backend.directory import services as directory
    from realtime import services

    users: dict[str, Any] = {}
    for item in spec.get("users", []):
        user = directory.user_create(mobile=item["mobile"], name=item["name"], password=PASSWORD)
        users[item["key"]] = user
    conversations: dict[str, int] = {}
    for item in spec.get("directs", []):
        first, second = (users[k] for k in item["users"])
        conversation = services.direct_conversation_get_or_create(actor=first, other_id=second.pk)
        conversations[item["key"]] = conversation.pk
    for item in spec.get("groups", []):
        conversation = services.group_create(
            actor=users[item["owner"]],
            name=item["name"],
            member_ids=[users[k].pk for k in item["members"]],
        )
        conversations[item["key"]] = conversation.pk
    out_users: dict[str, Any] = {}
    for key, user in users.items():
        entry: dict[str, Any] = {"id": user.pk, "mobile": user.mobile}
        if spec.get("tokens"):
            entry["token"] = directory.token_issue(user=user)
        out_users[key] = entry
    return {"users": out_users, "conversations": conversations}


if __name__ == "__main__":
    seed_main(run)
