"""Pages that show many cards to one viewer render them in one batch: a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backend.directory.models import User
from realtime import services as chat
from realtime.models import Message
from tests.approvals.test_services import submit

pytestmark = pytest.mark.django_db(transaction=True)

ClientFor = Callable[[Any], Client]


def get(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.json()


def test_a_history_page_with_two_approval_cards_costs_the_same_as_with_eight(
    client_for: ClientFor, staff: User, director: User
) -> None:
    boss = client_for(director)

    def history() -> tuple[int, list[dict[str, Any]]]:
        card = Message.objects.filter(kind="card", conversation__memberships__user=director)
        queries, body = get(boss, f"/api/v1/conversations/{card[0].conversation_id}/messages")
        return queries, [m["card"]["view"] for m in body["messages"] if m["card"]]

    for _ in range(2):
        submit(staff)
    few, views = history()
    assert len(views) == 2
    for _ in range(6):
        submit(staff)
    many, views = history()
    assert len(views) == 8
    assert all(
        [a["action"] for a in v["actions"]] == ["approve", "reject", "transfer"] for v in views
    )
    assert many == few


def test_the_conversation_list_renders_its_last_cards_in_one_batch(
    client_for: ClientFor, staff: User, director: User, clerk: User
) -> None:
    boss = client_for(director)

    def post_in_new_groups(count: int) -> None:
        for _ in range(count):
            group = chat.group_create(
                actor=staff, name="请假沟通", member_ids=[director.pk, clerk.pk]
            )
            submit(staff, post_to=group.pk)

    def conversation_list() -> tuple[int, list[dict[str, Any]]]:
        queries, body = get(boss, "/api/v1/conversations")
        last = [c["last_message"] for c in body if c["last_message"]]
        return queries, [m["card"]["view"] for m in last if m["card"]]

    post_in_new_groups(2)
    few, views = conversation_list()
    assert len(views) == 2 + 1  # the groups' cards and 审批助手's last one
    post_in_new_groups(6)
    many, views = conversation_list()
    assert len(views) == 8 + 1
    assert {v["status"] for v in views} == {"running"}
    assert many == few
