"""System accounts (审批助手, 公文助手, 督办助手) send cards; they are never group members (#15)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.common.errors import ZtError
from backend.directory import services as directory
from realtime import services
from realtime.models import Conversation, Membership

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("account", ["approvals", "documents", "supervision"])
def test_a_group_cannot_be_created_with_a_system_account(
    director: Any, clerk: Any, account: str
) -> None:
    bot = directory.system_account_get(account)
    with pytest.raises(ZtError) as raised:
        services.group_create(actor=director, name="预算协调群", member_ids=[clerk.pk, bot.pk])
    assert raised.value.code == "system_account_not_member"
    assert "系统账号" in raised.value.message
    assert not Conversation.objects.filter(name="预算协调群").exists()


def test_a_system_account_cannot_be_added_to_a_group(director: Any, clerk: Any, staff: Any) -> None:
    group = services.group_create(actor=director, name="预算协调群", member_ids=[clerk.pk])
    bot = directory.system_account_get("approvals")
    with pytest.raises(ZtError) as raised:
        services.group_members_add(
            actor=director, conversation_id=group.pk, user_ids=[staff.pk, bot.pk]
        )
    assert raised.value.code == "system_account_not_member"
    # Nothing changed: not even the person chosen alongside it joined.
    assert not Membership.objects.filter(conversation=group, user__in=[staff, bot]).exists()
