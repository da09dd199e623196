"""Pre-join history (#11 finding 8): one rule for history, search, single messages,
attachments, receipts, replies, recalls and resume.

By default a member reads only what was sent after they joined; the group's
owner or admins may share the earlier history with new members.
"""

from __future__ import annotations

import importlib
import io
from typing import Any

import pytest
from django.apps import apps as django_apps

from backend.audit.models import AuditEntry
from backend.common.errors import ZtError
from realtime import selectors, services
from realtime.models import Attachment, Conversation, Membership, Message
from tests.conftest import events_of
from tests.realtime.factories import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def send(actor: Any, conversation: Conversation, text: str, **kw: Any) -> Message:
    message, _ = services.message_send(
        actor=actor, conversation_id=conversation.pk, text=text, **kw
    )
    return message


def upload(actor: Any) -> Attachment:
    data = image_bytes()
    return services.attachment_upload(
        actor=actor, name="会前材料.png", size=len(data), stream=io.BytesIO(data)
    )


@pytest.fixture
def before_join(director: Any, clerk: Any, staff: Any, outsider: Any) -> dict[str, Any]:
    """A group of three with a text and a photo; then 赵六 (outsider) is added."""
    group = services.group_create(
        actor=director, name="预算工作群", member_ids=[clerk.pk, staff.pk]
    )
    secret = send(director, group, "入群前的预算底数")
    image = upload(director)
    photo = send(director, group, "", attachment_id=image.token)
    services.group_members_add(actor=director, conversation_id=group.pk, user_ids=[outsider.pk])
    after = send(director, group, "入群后的通知：预算会议改期")
    return {"group": group, "secret": secret, "image": image, "photo": photo, "after": after}


def code(attempt: Any) -> str:
    with pytest.raises(ZtError) as err:
        attempt()
    return err.value.code


def test_joined_seq_is_the_last_seq_at_joining(before_join: dict[str, Any], outsider: Any) -> None:
    group = before_join["group"]
    newcomer = Membership.objects.get(conversation=group, user=outsider)
    # The invitation's system message is the first one the newcomer sees.
    assert newcomer.joined_seq == before_join["photo"].seq
    founders = Membership.objects.filter(conversation=group).exclude(user=outsider)
    assert {m.joined_seq for m in founders} == {0}


def test_newcomer_sees_only_what_came_after_joining(
    before_join: dict[str, Any], outsider: Any, staff: Any
) -> None:
    group, secret, photo = before_join["group"], before_join["secret"], before_join["photo"]
    page, more = selectors.message_history(viewer=outsider, conversation_id=group.pk)
    assert [m.seq for m in page] == [photo.seq + 1, before_join["after"].seq]
    assert page[0].kind == Message.Kind.SYSTEM  # "… 邀请 赵六 加入了群聊"
    assert more is False
    # A founding member still reads everything.
    page, _ = selectors.message_history(viewer=staff, conversation_id=group.pk)
    assert [m.seq for m in page][:3] == [1, secret.seq, photo.seq]

    assert code(lambda: selectors.message_get(viewer=outsider, message_id=secret.pk)) == (
        "message_not_found"
    )
    assert selectors.message_get(viewer=outsider, message_id=before_join["after"].pk)
    assert [m.pk for m in selectors.message_search(viewer=outsider, query="预算")] == [
        before_join["after"].pk
    ]
    assert {m.pk for m in selectors.message_search(viewer=staff, query="预算")} == {
        secret.pk,
        before_join["after"].pk,
    }
    token = before_join["image"].token
    assert code(lambda: selectors.attachment_get(viewer=outsider, token=token)) == (
        "attachment_not_found"
    )
    assert selectors.attachment_get(viewer=staff, token=token).pk == before_join["image"].pk


def test_receipts_of_pre_join_messages_are_hidden(
    before_join: dict[str, Any], director: Any, outsider: Any
) -> None:
    group, secret = before_join["group"], before_join["secret"]
    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=outsider.pk, is_admin=True
    )
    # An admin (who may see everyone's receipts) joined later: not for earlier messages.
    assert code(lambda: selectors.message_receipts(viewer=outsider, message_id=secret.pk)) == (
        "message_not_found"
    )
    after = before_join["after"]
    counts = selectors.receipt_counts(
        viewer=outsider, conversation_id=group.pk, seqs=[secret.seq, after.seq]
    )
    assert list(counts) == [after.seq]
    assert selectors.message_receipts(viewer=outsider, message_id=after.pk).unread


def test_newcomer_can_neither_quote_nor_hear_of_pre_join_messages(
    before_join: dict[str, Any], director: Any, outsider: Any, events: list[Any]
) -> None:
    group, secret = before_join["group"], before_join["secret"]
    assert code(lambda: send(outsider, group, "引用", reply_to_id=secret.pk)) == "message_not_found"
    services.message_recall(actor=director, message_id=secret.pk)
    recalled = events_of(events, "message.recalled")
    assert len(recalled) == 1
    assert outsider.pk not in recalled[0].user_ids
    assert director.pk in recalled[0].user_ids
    # Resume replays the recall to founders only.
    newcomer = Membership.objects.get(conversation=group, user=outsider)
    replay = selectors.events_between(
        viewer=outsider, conversation_id=group.pk, after=newcomer.joined_pos - 1
    )
    assert "message.recalled" not in [e.type for e in replay]
    assert [e.message.seq for e in replay if e.message and e.type == "message.new"] == [
        before_join["photo"].seq + 1,
        before_join["after"].seq,
    ]
    founders = selectors.events_between(viewer=director, conversation_id=group.pk, after=0)
    assert "message.recalled" in [e.type for e in founders]


def test_sharing_history_opens_every_path(
    before_join: dict[str, Any], director: Any, outsider: Any, events: list[Any]
) -> None:
    group, secret = before_join["group"], before_join["secret"]
    services.group_history_visibility_set(actor=director, conversation_id=group.pk, visible=True)
    group.refresh_from_db()
    assert group.history_visible_to_new_members is True
    page, _ = selectors.message_history(viewer=outsider, conversation_id=group.pk)
    assert page[0].seq == 1
    assert selectors.message_get(viewer=outsider, message_id=secret.pk).pk == secret.pk
    assert secret.pk in {m.pk for m in selectors.message_search(viewer=outsider, query="预算")}
    image = before_join["image"]
    assert selectors.attachment_get(viewer=outsider, token=image.token).pk == image.pk
    assert send(outsider, group, "引用", reply_to_id=secret.pk).reply_to_id == secret.pk
    # Everyone hears of the change; it is audited and announced in the group.
    updated = events_of(events, "conversation.updated")
    assert updated[-1].event["data"]["conversation"]["history_visible_to_new_members"] is True
    assert outsider.pk in updated[-1].user_ids
    entry = AuditEntry.objects.filter(action="group.history_visibility_set").get()
    assert entry.actor_id == director.pk
    assert entry.data == {"visible": True}
    assert Message.objects.filter(
        conversation=group, data__action="history_visibility_set"
    ).exists()
    # Setting the same value again changes nothing.
    before = Message.objects.count()
    services.group_history_visibility_set(actor=director, conversation_id=group.pk, visible=True)
    assert Message.objects.count() == before
    # And off again hides it again.
    services.group_history_visibility_set(actor=director, conversation_id=group.pk, visible=False)
    assert code(lambda: selectors.message_get(viewer=outsider, message_id=secret.pk)) == (
        "message_not_found"
    )


def test_only_owner_and_admins_set_the_policy(
    before_join: dict[str, Any], director: Any, staff: Any, clerk: Any
) -> None:
    group = before_join["group"]
    assert (
        code(
            lambda: services.group_history_visibility_set(
                actor=staff, conversation_id=group.pk, visible=True
            )
        )
        == "not_group_admin"
    )
    group.refresh_from_db()
    assert group.history_visible_to_new_members is False
    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=clerk.pk, is_admin=True
    )
    services.group_history_visibility_set(actor=clerk, conversation_id=group.pk, visible=True)
    group.refresh_from_db()
    assert group.history_visible_to_new_members is True
    direct = services.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
    assert (
        code(
            lambda: services.group_history_visibility_set(
                actor=director, conversation_id=direct.pk, visible=True
            )
        )
        == "not_a_group"
    )


def test_a_returning_member_reads_from_their_return(
    before_join: dict[str, Any], director: Any, outsider: Any
) -> None:
    group = before_join["group"]
    services.group_member_remove(actor=director, conversation_id=group.pk, user_id=outsider.pk)
    while_away = send(director, group, "离开期间的消息")
    services.group_members_add(actor=director, conversation_id=group.pk, user_ids=[outsider.pk])
    page, _ = selectors.message_history(viewer=outsider, conversation_id=group.pk)
    assert all(m.seq > while_away.seq for m in page)


def test_migration_backfills_joined_seq_from_the_events(
    before_join: dict[str, Any], outsider: Any
) -> None:
    group = before_join["group"]
    Membership.objects.filter(conversation=group).update(joined_seq=0)
    migration = importlib.import_module("realtime.migrations.0004_pre_join_history_policy")
    migration.backfill_joined_seq(django_apps, None)
    newcomer = Membership.objects.get(conversation=group, user=outsider)
    assert newcomer.joined_seq == before_join["photo"].seq
    assert set(
        Membership.objects.filter(conversation=group)
        .exclude(user=outsider)
        .values_list("joined_seq", flat=True)
    ) == {0}
