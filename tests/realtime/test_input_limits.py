"""Bad socket frames get a catalogued error frame, never `internal`, and the socket lives on."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from tests.realtime.test_consumer import command, connect

pytestmark = pytest.mark.django_db(transaction=True)
HUGE = 99999999999999999999


async def test_nul_huge_numbers_and_deep_frames(director: Any, group: Any) -> None:
    comm = await connect(director)
    send = {"type": "send", "conversation_id": group.pk, "client_id": "c-1", "text": "好"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**send, "id": "n1", "text": "a\x00b"}, "nul_character"),
        ({**send, "id": "n2", "client_id": "\x00"}, "nul_character"),
        ({**send, "id": "n3", "mentions": [HUGE]}, "out_of_range"),
        ({**send, "id": "n4", "conversation_id": HUGE}, "out_of_range"),
        ({**send, "id": "n5", "reply_to": -HUGE}, "out_of_range"),
        ({"type": "read", "id": "n6", "conversation_id": group.pk, "seq": HUGE}, "out_of_range"),
        ({"type": "resume", "id": "n7", "positions": {str(HUGE): 1}}, "out_of_range"),
        ({"type": "card_action", "id": "n8", "message_id": 1, "x": [[[[[[[[]]]]]]]] * 5}, ""),
    ]
    for frame, code in cases:
        reply = await command(comm, frame)
        if code:
            assert (reply["type"], reply["code"]) == ("error", code), frame
        else:
            assert reply["code"] != "internal"
    deep: Any = []
    for _ in range(40):
        deep = [deep]
    reply = await command(comm, {**send, "id": "d", "x": deep})
    assert (reply["type"], reply["code"]) == ("error", "too_deep")
    # Nesting the JSON decoder cannot take is still a clean error frame.
    await comm.send_to(text_data='{"id": "r", "x": ' + "[" * 30_000 + "]" * 30_000 + "}")
    reply = await comm.receive_json_from(timeout=5)
    assert (reply["type"], reply["code"]) == ("error", "too_deep")
    ok = await command(comm, {**send, "id": "fine"})
    assert ok["type"] == "ack"
    await comm.disconnect()


async def test_socket_and_rest_sends_share_one_limit(
    settings: Any, director: Any, group: Any
) -> None:
    settings.ZT_SEND_RATE_PER_SECOND = 0.3
    settings.ZT_SEND_RATE_WINDOW_SECONDS = 10  # 3 sends per 10 s
    comm = await connect(director)
    send = {"type": "send", "conversation_id": group.pk, "text": "好"}
    for i in range(3):
        reply = await command(comm, {**send, "id": f"s{i}", "client_id": f"c-{i}"})
        assert reply["type"] == "ack"
    reply = await command(comm, {**send, "id": "s4", "client_id": "c-4"})
    assert (reply["type"], reply["code"]) == ("error", "send_rate_limited")

    def rest_send() -> int:
        client = Client()
        client.force_login(director)
        url = f"/api/v1/conversations/{group.pk}/messages"
        response = client.post(url, {"text": "又一条"}, content_type="application/json")
        return int(response.status_code)

    assert await database_sync_to_async(rest_send)() == 429
    # Other commands are not sends: still answered.
    assert (await command(comm, {"type": "ping", "id": "p"}))["type"] == "ack"
    await comm.disconnect()
