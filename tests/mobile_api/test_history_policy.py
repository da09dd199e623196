"""Pre-join history over REST: history, search, downloads, and the group setting."""

from __future__ import annotations

import io
from typing import Any

import pytest

from realtime import services
from realtime.models import Conversation
from tests.mobile_api.conftest import error_of
from tests.realtime.factories import image_bytes

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def group(director: Any, clerk: Any, staff: Any, outsider: Any) -> dict[str, Any]:
    conversation = services.group_create(
        actor=director, name="预算工作群", member_ids=[clerk.pk, staff.pk]
    )
    services.message_send(actor=director, conversation_id=conversation.pk, text="入群前的预算底数")
    data = image_bytes()
    image = services.attachment_upload(
        actor=director, name="底数.png", size=len(data), stream=io.BytesIO(data)
    )
    services.message_send(
        actor=director, conversation_id=conversation.pk, attachment_id=image.token
    )
    services.group_members_add(
        actor=director, conversation_id=conversation.pk, user_ids=[outsider.pk]
    )
    return {"conversation": conversation, "image": image}


def texts(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["text"] for m in response.json()["messages"]]


def test_newcomer_reads_nothing_from_before_joining_until_shared(
    client_for: Any, group: dict[str, Any], director: Any, outsider: Any, staff: Any
) -> None:
    conversation: Conversation = group["conversation"]
    token = group["image"].token
    newcomer, founder, owner = client_for(outsider), client_for(staff), client_for(director)
    history = f"/api/v1/conversations/{conversation.pk}/messages"

    assert "入群前的预算底数" not in texts(newcomer.get(history))
    assert "入群前的预算底数" in texts(founder.get(history))
    found = newcomer.get("/api/v1/messages/search", {"q": "底数"})
    assert found.status_code == 200
    assert found.json() == []
    assert founder.get("/api/v1/messages/search", {"q": "底数"}).json()
    assert error_of(newcomer.get(f"/api/v1/attachments/{token}/download")) == (
        404,
        "attachment_not_found",
    )
    assert founder.get(f"/api/v1/attachments/{token}/download").status_code == 200
    detail = newcomer.get(f"/api/v1/conversations/{conversation.pk}")
    assert detail.json()["history_visible_to_new_members"] is False

    # A plain member may not change the policy; nothing changes.
    denied = newcomer.patch(
        f"/api/v1/conversations/{conversation.pk}",
        {"history_visible_to_new_members": True},
        content_type=JSON,
    )
    assert error_of(denied) == (403, "not_group_admin")
    assert "入群前的预算底数" not in texts(newcomer.get(history))
    empty = owner.patch(f"/api/v1/conversations/{conversation.pk}", {}, content_type=JSON)
    assert error_of(empty) == (400, "invalid_field")

    shared = owner.patch(
        f"/api/v1/conversations/{conversation.pk}",
        {"history_visible_to_new_members": True},
        content_type=JSON,
    )
    assert shared.status_code == 200
    assert shared.json()["history_visible_to_new_members"] is True
    assert "入群前的预算底数" in texts(newcomer.get(history))
    assert newcomer.get("/api/v1/messages/search", {"q": "底数"}).json()
    assert newcomer.get(f"/api/v1/attachments/{token}/download").status_code == 200


def test_rename_and_setting_change_together_or_not_at_all(
    client_for: Any, group: dict[str, Any], director: Any
) -> None:
    conversation: Conversation = group["conversation"]
    owner = client_for(director)
    bad = owner.patch(
        f"/api/v1/conversations/{conversation.pk}",
        {"name": "新名字", "history_visible_to_new_members": "maybe"},
        content_type=JSON,
    )
    assert bad.status_code == 400
    both = owner.patch(
        f"/api/v1/conversations/{conversation.pk}",
        {"name": "新名字", "history_visible_to_new_members": True},
        content_type=JSON,
    )
    assert both.status_code == 200
    body = both.json()
    assert (body["name"], body["history_visible_to_new_members"]) == ("新名字", True)
