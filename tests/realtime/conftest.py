"""Fixtures of the messaging-core suites: conversations built with the real services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from realtime import services
from realtime.models import Conversation


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Uploads land in a per-test folder; the cache (presence, throttles) starts empty."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


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
