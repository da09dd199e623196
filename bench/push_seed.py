"""The database side of `bench.push`, through the real services, in a subprocess.

``python -m bench.push_seed seed`` reads a spec on stdin and prints JSON:

spec: ``{"recipients": 1000, "devices": [{"endpoint", "p256dh", "auth"}, …]}``
(one device per recipient) → ``{"sender": id, "recipients": [ids],
"conversation_id": id, "seed_seconds": s}``. The sender and the recipients
are people with mainland mobile numbers; every recipient has one push
subscription (a device of the bench's local push service); the group holds
them all (recipients + the sender).

``python -m bench.push_seed drive`` then takes one JSON command per line and
answers one JSON line each, with Django set up once (no start-up cost inside
a measurement):

- ``{"op": "urge", "conversation_id", "sender", "channels"}`` → sends one
  message marked 加急 (`message_send_urgent`); ``{"started", "committed",
  "message_id", "seq", "sms_after"}`` (Unix times);
- ``{"op": "read", "conversation_id", "seq", "user_ids"}`` → those people
  read up to `seq` (`conversation_mark_read`); ``{"done"}``;
- ``{"op": "stats", "message_id"}`` → the worker jobs (path, times, status)
  and the delivery log of that message's notifications, counted;
- ``{"op": "quit"}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def seed(spec: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from backend.directory import services as directory
    from push import services as push
    from realtime import services as chat

    started = time.monotonic()
    devices = spec["devices"]
    count = int(spec["recipients"])
    assert len(devices) == count
    password = make_password("Zt-bench-2026!")
    with transaction.atomic():
        sender = directory.user_create(
            mobile="13600000000", name="值班室", password=None, password_hash=password
        )
        people = [
            directory.user_create(
                mobile=f"137{i:08d}", name=f"压测{i}", password=None, password_hash=password
            )
            for i in range(count)
        ]
        for person, device in zip(people, devices, strict=True):
            push.subscription_save(
                actor=person,
                data=push.SubscriptionInput(
                    endpoint=device["endpoint"],
                    p256dh=device["p256dh"],
                    auth=device["auth"],
                    user_agent="bench",
                ),
            )
    group = chat.group_create(actor=sender, name="防汛压测群", member_ids=[p.pk for p in people])
    return {
        "sender": sender.pk,
        "recipients": [p.pk for p in people],
        "conversation_id": group.pk,
        "seed_seconds": round(time.monotonic() - started, 2),
    }


def urge(command: dict[str, Any]) -> dict[str, Any]:
    from backend.directory.models import User
    from realtime import services as chat
    from realtime.models import UrgentNotice

    sender = User.objects.get(pk=command["sender"])
    started = time.time()
    message, _ = chat.message_send_urgent(
        actor=sender,
        conversation_id=command["conversation_id"],
        text="【加急】今晚20时前各单位上报防汛值班安排",
        channels=command["channels"],
    )
    committed = time.time()
    notice = UrgentNotice.objects.get(message=message)
    return {
        "started": started,
        "committed": committed,
        "message_id": message.pk,
        "seq": message.seq,
        "sms_after": notice.sms_after.timestamp() if notice.sms_after else None,
    }


def read(command: dict[str, Any]) -> dict[str, Any]:
    from backend.directory.models import User
    from realtime import services as chat

    for person in User.objects.filter(pk__in=command["user_ids"]):
        chat.conversation_mark_read(
            actor=person, conversation_id=command["conversation_id"], seq=command["seq"]
        )
    return {"done": time.time()}


def stats(command: dict[str, Any]) -> dict[str, Any]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from push.models import Delivery

    jobs = [
        {
            "task": row["task_path"].rsplit(".", 1)[-1],
            "status": row["status"],
            "started": row["started_at"].timestamp() if row["started_at"] else None,
            "finished": row["finished_at"].timestamp() if row["finished_at"] else None,
        }
        for row in DBTaskResult.objects.values("task_path", "status", "started_at", "finished_at")
    ]
    counted = (
        Delivery.objects.values("notification__kind", "channel", "state", "error_code")
        .annotate(n=Count("pk"))
        .order_by("notification__kind", "channel", "state")
    )
    deliveries = [
        {
            "kind": row["notification__kind"],
            "channel": row["channel"],
            "state": row["state"],
            "error_code": row["error_code"],
            "n": row["n"],
        }
        for row in counted
    ]
    return {"jobs": jobs, "deliveries": deliveries}


def drive() -> None:
    handlers = {"urge": urge, "read": read, "stats": stats}
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        print(json.dumps(handlers[command["op"]](command)), flush=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    if sys.argv[1:] == ["seed"]:
        json.dump(seed(json.loads(sys.stdin.read())), sys.stdout)
    elif sys.argv[1:] == ["drive"]:
        drive()
    else:
        raise SystemExit("usage: python -m bench.push_seed seed|drive")


if __name__ == "__main__":
    main()
