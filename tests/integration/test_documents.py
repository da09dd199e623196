"""公文 across two daphne processes: 分发 on one node reaches the receiving clerk on the other."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.integration import harness
from tests.integration.conftest import Cluster
from tests.integration.harness import Server
from tests.integration.test_cluster import connect, login

pytestmark = pytest.mark.integration


async def test_distribution_reaches_the_receiving_clerk_live(
    cluster: Cluster, nodes: tuple[Server, Server]
) -> None:
    node1, node2 = nodes
    seeded = harness.seed(
        cluster.env,
        {"code": f"DOC{os.getpid()}", "people": harness.people("d", 4)},
        module="tests.integration.seed_document",
    )
    receiver = seeded["receiver_clerk"]
    clerk = await connect(node2, await login(node2, receiver), receiver["id"])
    try:
        await clerk.resume()
        token = await login(node1, seeded["sender_clerk"])
        url = f"{node1.http}/api/v1/documents/{seeded['document']}/actions"
        detail = await asyncio.to_thread(
            harness.http_json, "POST", url, {"action": "approve"}, token
        )
        assert detail["status"] == "distributed"
        conversation = seeded["conversation"]
        await clerk.wait_messages(conversation, 1, timeout=15)
        [card] = clerk.messages(conversation)
        view = card["message"]["card"]["view"]
        assert view["status"] == "receipt_delivered"
        assert [a["action"] for a in view["actions"]] == ["sign_for", "refuse"]
    finally:
        await clerk.close()
