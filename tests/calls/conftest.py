"""Fixtures of the calls suites: the messaging core's (checked frames, clean cache) and people."""

from __future__ import annotations

from typing import Any

import pytest

from realtime import services
from realtime.models import Conversation
from tests.realtime.conftest import (  # noqa: F401 - autouse fixtures shared with realtime
    _frames_match_their_models,
    _isolated,
)


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
