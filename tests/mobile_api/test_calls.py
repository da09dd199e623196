"""The calls REST contract (docs/calls.md); every response is checked against /api/schema/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from backend.calls.models import Call
from realtime import services as chat
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def test_a_group_call_from_start_to_end(
    client_for: Callable[[Any], Client], director: Any, clerk: Any, staff: Any
) -> None:
    group = chat.group_create(actor=director, name="办公室工作群", member_ids=[clerk.pk, staff.pk])
    host, rung, member = client_for(director), client_for(staff), client_for(clerk)

    started = post(
        host,
        f"/api/v1/conversations/{group.pk}/calls",
        {"media": "video", "invitee_ids": [staff.pk]},
    )
    assert started.status_code == 201
    call = started.json()
    assert (call["media"], call["mode"], call["state"]) == ("video", "mesh", "ringing")
    assert call["host"]["id"] == director.pk
    assert (call["mesh_limit"], call["sfu_available"], call["recording"]) == (4, False, False)
    assert "ended_at" not in call and "duration_seconds" not in call
    states = {p["user"]["id"]: (p["state"], p["invited"]) for p in call["participants"]}
    assert states == {director.pk: ("joined", False), staff.pk: ("ringing", True)}

    active = member.get(f"/api/v1/conversations/{group.pk}/calls/active")
    assert active.status_code == 200 and active.json()["id"] == call["id"]
    again = post(member, f"/api/v1/conversations/{group.pk}/calls", {"media": "audio"})
    assert error_of(again) == (409, "call_in_progress")

    invited = post(host, f"/api/v1/calls/{call['id']}/invite", {"user_ids": [clerk.pk]})
    assert {p["user"]["id"] for p in invited.json()["participants"]} == {
        director.pk,
        staff.pk,
        clerk.pk,
    }
    declined = post(rung, f"/api/v1/calls/{call['id']}/decline")
    assert declined.status_code == 200
    [mine] = [p for p in declined.json()["participants"] if p["user"]["id"] == staff.pk]
    assert mine["state"] == "declined"

    recording = post(host, f"/api/v1/calls/{call['id']}/recording", {"on": True})
    assert recording.json()["recording"] is True
    assert error_of(post(member, f"/api/v1/calls/{call['id']}/end")) == (403, "not_call_host")
    ended = post(host, f"/api/v1/calls/{call['id']}/end")
    assert ended.status_code == 200
    body = ended.json()
    assert body["state"] == "ended" and body["duration_seconds"] == 0 and body["ended_at"]
    assert body["recording"] is False
    gone = member.get(f"/api/v1/conversations/{group.pk}/calls/active")
    assert error_of(gone) == (404, "call_not_found")
    assert member.get(f"/api/v1/calls/{call['id']}").json()["state"] == "ended"


def test_bad_starts(
    client_for: Callable[[Any], Client], director: Any, clerk: Any, staff: Any, settings: Any
) -> None:
    group = chat.group_create(actor=director, name="办公室工作群", member_ids=[clerk.pk, staff.pk])
    host = client_for(director)
    path = f"/api/v1/conversations/{group.pk}/calls"
    assert error_of(post(host, path, {"media": "hologram"}))[0] == 400
    assert error_of(post(host, path, {"media": "audio", "invitee_ids": [10**6]})) == (
        400,
        "invalid_invitee",
    )
    settings.ZT_CALL_MESH_LIMIT = 2
    too_large = post(host, path, {"media": "audio", "invitee_ids": [clerk.pk, staff.pk]})
    assert error_of(too_large) == (400, "call_too_large")
    assert too_large.json()["error"]["message"].startswith("超过2人的会议需要媒体服务器")
    assert not Call.objects.exists()
