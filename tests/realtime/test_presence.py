"""Presence: several devices per person, heartbeats that tell nobody anything."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from realtime import presence
from tests.conftest import events_of

# Events leave on commit: let the transactions really commit.
pytestmark = pytest.mark.django_db(transaction=True)


def test_heartbeat_keeps_state_and_publishes_nothing(
    director: Any, staff: Any, events: list[Any]
) -> None:
    cache.clear()
    presence.presence_update(director.pk, "phone", presence.AWAY)
    assert len(events_of(events, "presence")) == 1
    presence.refresh_connection(director.pk, "phone")
    presence.refresh_connection(director.pk, "phone")
    assert presence.statuses([director.pk]) == {director.pk: presence.AWAY}
    assert len(events_of(events, "presence")) == 1


def test_status_follows_the_most_present_device(
    director: Any, staff: Any, events: list[Any]
) -> None:
    cache.clear()
    presence.presence_update(director.pk, "phone", presence.AWAY)
    presence.presence_update(director.pk, "desk", presence.ONLINE)
    assert presence.statuses([director.pk]) == {director.pk: presence.ONLINE}
    presence.presence_update(director.pk, "desk", None)
    assert presence.statuses([director.pk]) == {director.pk: presence.AWAY}
    presence.presence_update(director.pk, "phone", None)
    assert presence.statuses([director.pk]) == {director.pk: presence.OFFLINE}
    published = events_of(events, "presence")
    # away → online → away → offline, each told to the director and a colleague.
    assert [e.event["data"]["status"] for e in published] == ["away", "online", "away", "offline"]
    assert all(staff.pk in e.user_ids for e in published)
