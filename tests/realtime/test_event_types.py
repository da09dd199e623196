"""The declared WebSocket frames are exact, and published in /api/schema/."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pydantic import ValidationError

from realtime import event_types

TYPING = {
    "type": "event",
    "event": "typing",
    "conversation_id": 3,
    "data": {"user_id": 1, "name": "王建国"},
}


def test_a_declared_event_passes_and_an_extra_field_fails() -> None:
    event_types.validate_event(TYPING)
    with pytest.raises(ValidationError):
        event_types.validate_event({**TYPING, "data": {**TYPING["data"], "extra": 1}})
    with pytest.raises(ValidationError):
        event_types.validate_event({**TYPING, "event": "typo"})
    with pytest.raises(ValidationError):
        event_types.validate_frame({"type": "ack", "id": "x", "data": {"surprise": True}})


def test_tags_are_always_sent() -> None:
    frame = event_types.dump(event_types.ResyncEvent(conversation_id=4, data=event_types.Empty()))
    assert frame == {"type": "event", "event": "resync", "conversation_id": 4, "data": {}}


@pytest.mark.django_db
def test_frames_are_components_of_the_schema() -> None:
    schemas: dict[str, Any] = (
        Client().get("/api/schema/?format=json").json()["components"]["schemas"]
    )
    for name in ("WsServerFrame", "WsMessageNewEvent", "WsCardView", "WsAck", "WsError"):
        assert name in schemas


def test_tags_are_required_in_the_schema() -> None:
    """Always on the wire, so the generated PWA types must not make them optional."""
    components = event_types.openapi_components()
    assert {"type", "event"} <= set(components["WsTypingEvent"]["required"])
    assert "type" in components["WsError"]["required"]
    assert "fields" not in components["WsError"]["required"]
    assert "required" not in components["WsMessageData"]
