"""REST and WebSocket carry the same payloads: their two declarations must agree.

A message, a conversation row, a card and its actions reach the client both
over REST (output serializers, `mobile_api/v1/schemas.py`) and over the
WebSocket (pydantic frames, `realtime/event_types.py`). Both land in
/api/schema/ and the PWA's generated types; this keeps them the same shape,
field for field, so a field added on one side only fails here first.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.mobile_api.openapi_check import document

PAIRS = [
    ("MessageOut", "WsMessage"),
    ("MessageDataOut", "WsMessageData"),
    ("QuoteOut", "WsQuote"),
    ("AttachmentOut", "WsAttachment"),
    ("UserBriefOut", "WsUserBrief"),
    ("ConversationOut", "WsConversationItem"),
    ("CardOut", "WsCard"),
    ("CardViewOut", "WsCardView"),
    ("ActionOut", "WsAction"),
    ("ChoiceOut", "WsChoice"),
    ("LabelValueOut", "WsLabelValue"),
]


def _shape(schema: dict[str, Any]) -> tuple[list[str], list[str]]:
    return sorted(schema.get("properties", {})), sorted(schema.get("required", []))


@pytest.mark.parametrize(("rest", "socket"), PAIRS)
def test_rest_and_socket_declare_the_same_fields(rest: str, socket: str) -> None:
    components = document()["components"]["schemas"]
    assert _shape(components[rest]) == _shape(components[socket])
