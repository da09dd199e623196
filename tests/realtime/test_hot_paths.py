"""The messaging core's hot paths (#14): a fixed, small number of queries per send."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from realtime import socket_ops
from realtime.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements run inside the transaction (not BEGIN and COMMIT)."""
    edges = ("BEGIN", "COMMIT")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(edges)]


def test_a_socket_send_is_a_fixed_number_of_statements(
    group: Conversation, director: Any, clerk: Any, events: list[Any]
) -> None:
    """Lock, idempotency check, membership, message, sender's read pointer, event,
    the conversation's counters (one UPDATE), the audience, the push job (9), plus
    checking and storing the @s (2) — and the ack and the event frame are built
    from what is in hand (no mentions query)."""
    socket_ops.send(director, {"conversation_id": group.pk, "text": "热身", "client_id": "w"})
    events.clear()
    frame = {
        "conversation_id": group.pk,
        "text": "@李秀英 今天下午三点开会",
        "client_id": "c1",
        "mentions": [clerk.pk],
    }
    with CaptureQueriesContext(connection) as captured:
        reply = socket_ops.send(director, frame)
    statements = _statements(captured)
    assert len(statements) == 11, "\n".join(statements)
    assert sum(s.startswith("UPDATE") for s in statements) == 2
    assert reply["message"]["seq"] == 3
    assert reply["message"]["mentions"] == [clerk.pk]
    [sent] = events
    assert sent.event["message"]["mentions"] == [clerk.pk]
    stored = Message.objects.get(pk=reply["message"]["id"])
    assert [m.user_id for m in stored.mentions.all()] == [clerk.pk]
    group.refresh_from_db()
    assert (group.last_seq, group.last_pos) == (3, sent.event["pos"])
    assert group.last_message_at == stored.created_at
