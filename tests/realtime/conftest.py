"""Fixtures of the messaging-core suites: conversations built with the real services."""

from __future__ import annotations

from typing import Any

import pytest

from realtime import services
from realtime.models import Conversation


@pytest.fixture(autouse=True)
def _isolated(private_media: None) -> None:
    """Every test here gets its own upload folder and an empty cache."""


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
