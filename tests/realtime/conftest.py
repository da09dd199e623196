"""Fixtures of the messaging-core suites: conversations built with the real services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from channels.testing import WebsocketCommunicator

from realtime import cards, event_types, services
from realtime.models import Conversation


@pytest.fixture(autouse=True)
def _isolated(private_media: None) -> None:
    """Every test here gets its own upload folder and an empty cache."""


@pytest.fixture(autouse=True)
def _frames_match_their_models(monkeypatch: Any) -> None:
    """Every JSON frame a test socket receives is checked against `realtime.event_types`."""
    original = WebsocketCommunicator.receive_json_from

    async def checked(self: WebsocketCommunicator, timeout: float = 1) -> Any:
        frame = await original(self, timeout)
        event_types.validate_frame(frame)
        return frame

    monkeypatch.setattr(WebsocketCommunicator, "receive_json_from", checked)


C = TypeVar("C")


@contextmanager
def registered(card: C) -> Iterator[C]:
    """`card` (a test's own card type) registered for the block."""
    cards.register(card)  # type: ignore[arg-type]  # test cards may leave out render_many
    try:
        yield card
    finally:
        cards.unregister(card.card_type)  # type: ignore[attr-defined]


@pytest.fixture
def direct(director: Any, staff: Any) -> Conversation:
    """王建国 ↔ 张三."""
    return services.direct_conversation_get_or_create(actor=director, other_id=staff.pk)


@pytest.fixture
def group(director: Any, clerk: Any, staff: Any) -> Conversation:
    """「办公室工作群」: director owns it, clerk and staff are members."""
    return services.group_create(
        actor=director, name="办公室工作群", member_ids=[clerk.pk, staff.pk]
    )
