"""The background worker (`manage.py db_worker`) against PostgreSQL: flow deadlines."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.integration import harness
from tests.integration.conftest import Cluster
from tests.integration.harness import Client, Server
from tests.integration.test_cluster import connect, login

pytestmark = pytest.mark.integration


def overdue_card(client: Client) -> Any:
    for frame in client.frames:
        message = frame.get("message") or {}
        title = str(message.get("data", {}).get("title", ""))
        if message.get("kind") == "card" and title.startswith("【已超时】"):
            return message
    return None


async def test_a_missed_deadline_reminds_the_handler(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    node1, _ = nodes
    head, staff = harness.people("d", 2)
    seeded = harness.seed(
        cluster.env,
        {"head": head, "staff": staff, "code": f"IT-{head['mobile']}"},
        module="tests.integration.seed_approval",
    )
    token = await login(node1, {"mobile": seeded["head"]["mobile"]})
    client = await connect(node1, token, seeded["head"]["id"])
    log = (cluster.log_dir / "worker.log").open("wb")
    worker = subprocess.Popen(
        [harness.PYTHON, "manage.py", "db_worker", "--interval", "0.5"],
        cwd=harness.ROOT,
        env=cluster.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        await client.resume()
        card = await client.wait_until(lambda: overdue_card(client), 60, "the overdue card")
        assert card["card"]["card_type"] == "approval"
        assert card["card"]["object_id"] == str(seeded["approval"])
        assert card["sender"]["name"] == "审批助手"
        detail = harness.http_json(
            "GET", f"{node1.http}/api/v1/approvals/{seeded['approval']}", token=token
        )
        [task] = detail["route"][0]["tasks"]
        assert task["overdue"] is True
        assert detail["history"][-1]["action_label"] == "超时提醒"
    finally:
        await client.close()
        worker.terminate()
        worker.wait(timeout=15)
        log.close()
    assert "Traceback" not in (cluster.log_dir / "worker.log").read_text(errors="replace")
