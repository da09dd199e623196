"""Every write of the messaging core, through the real services (and their events)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from backend.audit.models import AuditEntry
from backend.common.errors import ZtError
from backend.directory import services as directory
from realtime import selectors, services
from realtime.models import (
    Attachment,
    Conversation,
    ConversationEvent,
    Membership,
    Message,
    MessageMention,
    WsTicket,
)
from realtime.payloads import RECALLED_TEXT, message_payload, preview_text
from realtime.tasks import attachment_make_thumbnail
from tests.conftest import events_of
from tests.realtime import factories

# Real commits: events leave on commit, exactly as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def send(actor: Any, conversation: Conversation, text: str = "你好", **kw: Any) -> Message:
    message, _ = services.message_send(
        actor=actor, conversation_id=conversation.pk, text=text, **kw
    )
    return message


def code_of(excinfo: pytest.ExceptionInfo[ZtError]) -> str:
    return excinfo.value.code


def audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def counts() -> tuple[int, int, int, int]:
    return (
        Message.objects.count(),
        ConversationEvent.objects.count(),
        AuditEntry.objects.count(),
        Membership.objects.filter(is_active=True).count(),
    )


def member(conversation: Conversation, user: Any) -> Membership:
    return Membership.objects.get(conversation=conversation, user=user)


def upload(actor: Any, name: str, data: bytes) -> Attachment:
    return services.attachment_upload(
        actor=actor, name=name, size=len(data), stream=io.BytesIO(data)
    )


# --- direct conversations ---------------------------------------------------------


def test_direct_conversation_is_one_per_pair(director: Any, staff: Any, events: list[Any]) -> None:
    first = services.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
    again = services.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
    reverse = services.direct_conversation_get_or_create(actor=staff, other_id=director.pk)
    assert first.pk == again.pk == reverse.pk
    assert Conversation.objects.filter(kind="direct").count() == 1
    assert sorted(first.memberships.values_list("user_id", flat=True)) == sorted(
        [director.pk, staff.pk]
    )
    added = events_of(events, "member.added")
    assert len(added) == 1
    assert added[0].user_ids == sorted([director.pk, staff.pk])


def test_direct_conversation_needs_another_active_person(director: Any, staff: Any) -> None:
    with pytest.raises(ZtError) as err:
        services.direct_conversation_get_or_create(actor=director, other_id=director.pk)
    assert code_of(err) == "invalid_direct"
    with pytest.raises(ZtError) as err:
        services.direct_conversation_get_or_create(actor=director, other_id=999_999)
    assert code_of(err) == "invalid_direct"
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    with pytest.raises(ZtError) as err:
        services.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
    assert code_of(err) == "invalid_direct"
    assert Conversation.objects.count() == 0


# --- groups -----------------------------------------------------------------------


def test_group_create_writes_members_system_message_audit_and_events(
    director: Any, clerk: Any, staff: Any, events: list[Any]
) -> None:
    group = services.group_create(
        actor=director, name=" 预算协调群 ", member_ids=[clerk.pk, staff.pk, director.pk, clerk.pk]
    )
    group.refresh_from_db()
    assert (group.name, group.kind, group.owner_id, group.member_count) == (
        "预算协调群",
        "group",
        director.pk,
        3,
    )
    assert member(group, director).role == "owner"
    assert member(group, clerk).role == "member"
    system = Message.objects.get(conversation=group)
    assert system.kind == "system"
    assert system.seq == 1
    assert "王建国 创建了群聊「预算协调群」" in system.text
    assert "李秀英" in system.text
    assert "张三" in system.text
    entry = audits("group.create")[0]
    assert (entry.actor_id, entry.target_id) == (director.pk, str(group.pk))
    assert entry.data["member_ids"] == [clerk.pk, staff.pk]
    everyone = sorted([director.pk, clerk.pk, staff.pk])
    assert [e.user_ids for e in events_of(events, "member.added")] == [everyone]
    new = events_of(events, "message.new")
    assert [(e.user_ids, e.event["pos"]) for e in new] == [(everyone, 2)]


@pytest.mark.parametrize(
    ("name", "members", "code"),
    [
        ("", "clerk", "invalid_group_name"),
        ("群" * 31, "clerk", "invalid_group_name"),
        ("好名字", "", "group_needs_members"),
        ("好名字", "ghost", "invalid_user"),
    ],
)
def test_group_create_rejects_bad_input(
    director: Any, clerk: Any, name: str, members: str, code: str
) -> None:
    ids = {"clerk": [clerk.pk], "": [], "ghost": [clerk.pk, 987_654]}[members]
    with pytest.raises(ZtError) as err:
        services.group_create(actor=director, name=name, member_ids=ids)
    assert code_of(err) == code
    assert Conversation.objects.count() == 0
    assert AuditEntry.objects.filter(action="group.create").count() == 0


def test_group_member_limit(
    settings: Any, director: Any, clerk: Any, staff: Any, finance_head: Any, outsider: Any
) -> None:
    settings.ZT_GROUP_MEMBER_LIMIT = 3
    with pytest.raises(ZtError) as err:
        services.group_create(
            actor=director, name="大群", member_ids=[clerk.pk, staff.pk, finance_head.pk]
        )
    assert code_of(err) == "group_full"
    group = services.group_create(actor=director, name="小群", member_ids=[clerk.pk, staff.pk])
    before = counts()
    with pytest.raises(ZtError) as err:
        services.group_members_add(
            actor=director, conversation_id=group.pk, user_ids=[finance_head.pk]
        )
    assert code_of(err) == "group_full"
    assert counts() == before


def test_group_add_and_remove_members(
    group: Conversation, director: Any, clerk: Any, staff: Any, finance_head: Any, events: Any
) -> None:
    services.group_members_add(
        actor=director, conversation_id=group.pk, user_ids=[finance_head.pk, clerk.pk]
    )
    group.refresh_from_db()
    assert group.member_count == 4
    fm = member(group, finance_head)
    assert fm.is_active
    # Nothing before joining counts as unread; the notice of their joining does.
    assert fm.last_read_seq == group.last_seq - 1
    last = Message.objects.filter(conversation=group).order_by("-seq").first()
    assert last is not None
    assert last.text == "王建国 邀请 陈志明 加入了群聊"
    assert audits("group.members_add")[0].data == {"user_ids": [finance_head.pk]}
    # Adding someone already in the group changes nothing.
    before = counts()
    services.group_members_add(actor=director, conversation_id=group.pk, user_ids=[clerk.pk])
    assert counts() == before

    events.clear()
    services.group_member_remove(actor=director, conversation_id=group.pk, user_id=finance_head.pk)
    group.refresh_from_db()
    assert group.member_count == 3
    fm.refresh_from_db()
    assert not fm.is_active
    removed = events_of(events, "member.removed")
    assert len(removed) == 1
    assert finance_head.pk in removed[0].user_ids
    assert removed[0].event["data"]["user_ids"] == [finance_head.pk]
    assert fm.left_pos == removed[0].event["pos"]
    system = events_of(events, "message.new")[0]
    assert finance_head.pk not in system.user_ids
    assert system.event["message"]["text"] == "王建国 将 陈志明 移出了群聊"
    assert audits("group.member_remove")[0].data == {"user_id": finance_head.pk}


def test_removed_member_gets_no_later_events(
    group: Conversation, director: Any, clerk: Any, staff: Any, events: Any
) -> None:
    services.group_member_remove(actor=director, conversation_id=group.pk, user_id=staff.pk)
    events.clear()
    send(director, group, "只给留下的人")
    services.group_rename(actor=director, conversation_id=group.pk, name="新群名")
    services.typing_notify(actor=director, conversation_id=group.pk)
    assert events
    for sent in events:
        assert staff.pk not in sent.user_ids
    with pytest.raises(ZtError) as err:
        send(staff, group, "我还在吗")
    assert code_of(err) == "not_a_member"


def test_readding_a_member_starts_them_fresh(
    group: Conversation, director: Any, staff: Any
) -> None:
    services.group_member_remove(actor=director, conversation_id=group.pk, user_id=staff.pk)
    send(director, group, "离开期间的消息")
    services.group_members_add(actor=director, conversation_id=group.pk, user_ids=[staff.pk])
    group.refresh_from_db()
    sm = member(group, staff)
    assert sm.is_active
    assert sm.left_pos is None
    assert sm.role == "member"
    assert sm.joined_pos == group.last_pos - 1  # member.added is the first thing they see
    assert group.member_count == 3


def test_group_permissions(
    group: Conversation, director: Any, clerk: Any, staff: Any, outsider: Any
) -> None:
    before = counts()
    cases: list[tuple[Any, str]] = [
        (
            lambda: services.group_members_add(
                actor=staff, conversation_id=group.pk, user_ids=[outsider.pk]
            ),
            "not_group_admin",
        ),
        (
            lambda: services.group_member_remove(
                actor=staff, conversation_id=group.pk, user_id=clerk.pk
            ),
            "not_group_admin",
        ),
        (
            lambda: services.group_rename(actor=staff, conversation_id=group.pk, name="x"),
            "not_group_admin",
        ),
        (
            lambda: services.group_rename(actor=outsider, conversation_id=group.pk, name="x"),
            "not_a_member",
        ),
        (
            lambda: services.group_transfer_ownership(
                actor=staff, conversation_id=group.pk, new_owner_id=staff.pk
            ),
            "not_group_owner",
        ),
        (
            lambda: services.group_admin_set(
                actor=staff, conversation_id=group.pk, user_id=staff.pk, is_admin=True
            ),
            "not_group_owner",
        ),
        (
            lambda: services.group_dissolve(actor=staff, conversation_id=group.pk),
            "not_group_owner",
        ),
        (
            lambda: services.group_leave(actor=director, conversation_id=group.pk),
            "owner_must_transfer",
        ),
        (
            lambda: services.group_leave(actor=outsider, conversation_id=group.pk),
            "not_a_member",
        ),
        (
            lambda: services.group_member_remove(
                actor=director, conversation_id=group.pk, user_id=director.pk
            ),
            "cannot_remove_self",
        ),
        (
            lambda: services.group_member_remove(
                actor=director, conversation_id=group.pk, user_id=outsider.pk
            ),
            "not_in_group",
        ),
        (
            lambda: services.group_rename(actor=director, conversation_id=999_999, name="x"),
            "conversation_not_found",
        ),
    ]
    for call, code in cases:
        with pytest.raises(ZtError) as err:
            call()
        assert code_of(err) == code, code
    assert counts() == before


def test_admins_cannot_remove_owner_or_each_other(
    group: Conversation, director: Any, clerk: Any, staff: Any, finance_head: Any
) -> None:
    services.group_members_add(actor=director, conversation_id=group.pk, user_ids=[finance_head.pk])
    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=clerk.pk, is_admin=True
    )
    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=finance_head.pk, is_admin=True
    )
    for target in (director, finance_head):
        with pytest.raises(ZtError) as err:
            services.group_member_remove(actor=clerk, conversation_id=group.pk, user_id=target.pk)
        assert code_of(err) == "not_group_owner"
    # An admin may remove a plain member; the owner may remove an admin.
    services.group_member_remove(actor=clerk, conversation_id=group.pk, user_id=staff.pk)
    services.group_member_remove(actor=director, conversation_id=group.pk, user_id=finance_head.pk)
    assert sorted(
        Membership.objects.filter(conversation=group, is_active=True).values_list(
            "user_id", flat=True
        )
    ) == sorted([director.pk, clerk.pk])


def test_rename_transfer_admin_set_leave(
    group: Conversation, director: Any, clerk: Any, staff: Any, events: Any
) -> None:
    services.group_rename(actor=director, conversation_id=group.pk, name="预算专班")
    group.refresh_from_db()
    assert group.name == "预算专班"
    assert audits("group.rename")[0].data == {"old": "办公室工作群", "new": "预算专班"}
    updated = events_of(events, "conversation.updated")
    assert updated[-1].event["data"]["conversation"]["name"] == "预算专班"
    # Renaming to the same name is a no-op.
    before = counts()
    services.group_rename(actor=director, conversation_id=group.pk, name="预算专班")
    assert counts() == before

    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=clerk.pk, is_admin=True
    )
    assert member(group, clerk).role == "admin"
    assert audits("group.admin_set")[0].data == {"user_id": clerk.pk, "is_admin": True}
    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=clerk.pk, is_admin=False
    )
    assert member(group, clerk).role == "member"
    with pytest.raises(ZtError) as err:
        services.group_admin_set(
            actor=director, conversation_id=group.pk, user_id=director.pk, is_admin=False
        )
    assert code_of(err) == "not_in_group"

    services.group_transfer_ownership(
        actor=director, conversation_id=group.pk, new_owner_id=clerk.pk
    )
    group.refresh_from_db()
    assert group.owner_id == clerk.pk
    assert member(group, clerk).role == "owner"
    assert member(group, director).role == "admin"
    assert audits("group.transfer_ownership")[0].data == {"new_owner_id": clerk.pk}
    last = Message.objects.filter(conversation=group).order_by("-seq").first()
    assert last is not None
    assert last.text == "王建国 将群主转让给 李秀英"

    # The former owner can leave now.
    events.clear()
    services.group_leave(actor=director, conversation_id=group.pk)
    assert not member(group, director).is_active
    assert audits("group.leave")[0].actor_id == director.pk
    left = events_of(events, "member.removed")[0]
    assert director.pk in left.user_ids
    assert left.event["data"]["action"] == "left"
    note = events_of(events, "message.new")[0]
    assert director.pk not in note.user_ids
    assert note.event["message"]["text"] == "王建国 退出了群聊"


def test_group_only_operations_refuse_direct(direct: Conversation, director: Any) -> None:
    for call in (
        lambda: services.group_rename(actor=director, conversation_id=direct.pk, name="x"),
        lambda: services.group_leave(actor=director, conversation_id=direct.pk),
    ):
        with pytest.raises(ZtError) as err:
            call()
        assert code_of(err) == "not_a_group"


def test_dissolve(group: Conversation, director: Any, clerk: Any, events: Any) -> None:
    services.group_dissolve(actor=director, conversation_id=group.pk)
    group.refresh_from_db()
    assert group.dissolved_at is not None
    assert audits("group.dissolve")[0].target_id == str(group.pk)
    dissolved = events_of(events, "conversation.dissolved")
    assert len(dissolved) == 1
    assert clerk.pk in dissolved[0].user_ids
    for call in (
        lambda: send(clerk, group, "还在吗"),
        lambda: services.group_rename(actor=director, conversation_id=group.pk, name="复活"),
    ):
        with pytest.raises(ZtError) as err:
            call()
        assert code_of(err) == "conversation_dissolved"


def test_membership_settings(group: Conversation, staff: Any, outsider: Any, events: Any) -> None:
    m = services.membership_settings_update(
        actor=staff, conversation_id=group.pk, muted=True, pinned=True
    )
    assert (m.muted, m.pinned) == (True, True)
    updated = events_of(events, "membership.updated")
    assert [(e.user_ids, e.event["data"]) for e in updated] == [
        ([staff.pk], {"muted": True, "pinned": True})
    ]
    with pytest.raises(ZtError) as err:
        services.membership_settings_update(actor=outsider, conversation_id=group.pk, muted=True)
    assert code_of(err) == "not_a_member"


# --- messages ---------------------------------------------------------------------


def test_send_text_and_seq_is_gapless(
    group: Conversation, director: Any, clerk: Any, staff: Any, events: Any
) -> None:
    events.clear()
    sent = [send(m, group, f"第{i}条") for i, m in enumerate([clerk, staff, director, clerk])]
    group.refresh_from_db()
    assert [m.seq for m in sent] == [2, 3, 4, 5]
    assert group.last_seq == 5
    assert list(
        Message.objects.filter(conversation=group).values_list("seq", flat=True).order_by("seq")
    ) == [1, 2, 3, 4, 5]
    assert list(
        ConversationEvent.objects.filter(conversation=group)
        .values_list("pos", flat=True)
        .order_by("pos")
    ) == list(range(1, group.last_pos + 1))
    new = events_of(events, "message.new")
    assert [e.event["message"]["seq"] for e in new] == [2, 3, 4, 5]
    assert all(e.user_ids == sorted([director.pk, clerk.pk, staff.pk]) for e in new)
    # Sending means having read everything before.
    assert member(group, clerk).last_read_seq == 5
    assert member(group, staff).last_read_seq == 3


def test_text_limits(settings: Any, group: Conversation, clerk: Any) -> None:
    before = counts()
    assert settings.ZT_TEXT_MAX_CHARS == 5000
    send(clerk, group, "字" * 5000)
    with pytest.raises(ZtError) as err:
        send(clerk, group, "字" * 5001)
    assert code_of(err) == "text_too_long"
    for empty in ("", "   \n\t "):
        with pytest.raises(ZtError) as err:
            send(clerk, group, empty)
        assert code_of(err) == "empty_message"
    assert Message.objects.count() == before[0] + 1


def test_idempotent_client_id(
    group: Conversation, direct: Conversation, director: Any, events: Any
) -> None:
    events.clear()
    first, created = services.message_send(
        actor=director, conversation_id=group.pk, text="一次", client_id="c-42"
    )
    again, created_again = services.message_send(
        actor=director, conversation_id=group.pk, text="一次", client_id="c-42"
    )
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert len(events_of(events, "message.new")) == 1
    with pytest.raises(ZtError) as err:
        services.message_send(
            actor=director, conversation_id=direct.pk, text="另一处", client_id="c-42"
        )
    assert code_of(err) == "client_id_reused"
    assert Message.objects.filter(client_id="c-42").count() == 1


def test_mentions_must_be_members(
    group: Conversation, director: Any, clerk: Any, staff: Any, outsider: Any
) -> None:
    message = send(clerk, group, "@张三 请看", mention_ids=[staff.pk, clerk.pk])
    assert list(message.mentions.values_list("user_id", flat=True)) == [staff.pk]
    before = counts()
    with pytest.raises(ZtError) as err:
        send(clerk, group, "@赵六", mention_ids=[outsider.pk])
    assert code_of(err) == "invalid_mention"
    assert counts() == before
    assert MessageMention.objects.count() == 1


def test_mention_all_only_owner_or_admin(
    group: Conversation, director: Any, clerk: Any, staff: Any, direct: Conversation
) -> None:
    with pytest.raises(ZtError) as err:
        send(staff, group, "@所有人", mention_all=True)
    assert code_of(err) == "not_group_admin"
    assert send(director, group, "@所有人 开会", mention_all=True).mentions_all
    services.group_admin_set(
        actor=director, conversation_id=group.pk, user_id=clerk.pk, is_admin=True
    )
    assert send(clerk, group, "@所有人 交材料", mention_all=True).mentions_all
    # In a one-to-one chat @所有人 means nothing and is dropped.
    assert not send(staff, direct, "@所有人", mention_all=True).mentions_all


def test_reply_to_must_be_in_the_same_conversation(
    group: Conversation, direct: Conversation, director: Any, staff: Any
) -> None:
    original = send(director, group, "明年预算编制的通知")
    reply = send(staff, group, "收到", reply_to_id=original.pk)
    payload = message_payload(reply, staff)
    assert payload["reply_to"] == {
        "id": original.pk,
        "seq": original.seq,
        "sender_name": "王建国",
        "excerpt": "明年预算编制的通知",
    }
    elsewhere = send(director, direct, "私聊")
    with pytest.raises(ZtError) as err:
        send(staff, group, "跨会话引用", reply_to_id=elsewhere.pk)
    assert code_of(err) == "message_not_found"


def test_recall_rules(
    group: Conversation, director: Any, clerk: Any, staff: Any, direct: Conversation, events: Any
) -> None:
    mine = send(staff, group, "发错了")
    events.clear()
    recalled = services.message_recall(actor=staff, message_id=mine.pk)
    assert recalled.is_recalled
    assert recalled.recalled_by_id == staff.pk
    ev = events_of(events, "message.recalled")
    assert len(ev) == 1
    assert ev[0].event["data"]["seq"] == mine.seq
    assert ev[0].event["message"]["recalled"] is True
    assert ev[0].event["message"]["text"] == ""
    assert preview_text(recalled) == RECALLED_TEXT == "已撤回"
    assert audits("message.recall")[0].data == {"conversation_id": group.pk, "seq": mine.seq}
    # Recalling twice is harmless.
    services.message_recall(actor=staff, message_id=mine.pk)
    assert len(events_of(events, "message.recalled")) == 1

    old = send(staff, group, "一天前的消息")
    Message.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=24, seconds=1)
    )
    with pytest.raises(ZtError) as err:
        services.message_recall(actor=staff, message_id=old.pk)
    assert code_of(err) == "recall_not_allowed"
    other = send(clerk, group, "别人的消息")
    with pytest.raises(ZtError) as err:
        services.message_recall(actor=staff, message_id=other.pk)
    assert code_of(err) == "recall_not_allowed"
    # The group owner may recall anyone's message, any time.
    assert services.message_recall(actor=director, message_id=old.pk).is_recalled
    system = Message.objects.get(conversation=group, seq=1)
    with pytest.raises(ZtError) as err:
        services.message_recall(actor=director, message_id=system.pk)
    assert code_of(err) == "recall_not_allowed"
    # In a direct chat nobody is admin.
    late = send(staff, direct, "私聊旧消息")
    Message.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ZtError) as err:
        services.message_recall(actor=director, message_id=late.pk)
    assert code_of(err) == "recall_not_allowed"
    with pytest.raises(ZtError) as err:
        services.message_recall(actor=director, message_id=999_999)
    assert code_of(err) == "message_not_found"


def test_mark_read_moves_forward_only_and_counts(
    group: Conversation, director: Any, clerk: Any, staff: Any, events: Any
) -> None:
    def item() -> selectors.ConversationItem:
        return selectors.conversation_item_get(viewer=staff, conversation_id=group.pk)

    start = item()
    # The "created the group and invited you" notice is the one unread message.
    assert (start.unread_count, start.mention_count) == (1, 0)
    send(clerk, group, "普通消息")
    send(clerk, group, "@张三 看一下", mention_ids=[staff.pk])
    send(director, group, "@所有人 下午开会", mention_all=True)
    send(director, group, "@李秀英", mention_ids=[clerk.pk])
    now = item()
    assert now.unread_count == 5
    assert now.mention_count == 2
    events.clear()
    assert services.conversation_mark_read(actor=staff, conversation_id=group.pk, seq=3) == 3
    after = item()
    assert (after.unread_count, after.mention_count) == (2, 1)
    read = events_of(events, "read")
    assert len(read) == 1
    # The senders of newly read messages, the group admins and my other devices.
    assert read[0].user_ids == sorted([director.pk, clerk.pk, staff.pk])
    assert read[0].event["data"] == {"user_id": staff.pk, "seq": 3, "previous_seq": 0}
    # Backwards is ignored, beyond the end is clamped.
    events.clear()
    assert services.conversation_mark_read(actor=staff, conversation_id=group.pk, seq=2) == 3
    assert not events
    assert services.conversation_mark_read(actor=staff, conversation_id=group.pk, seq=999) == 5
    assert (item().unread_count, item().mention_count) == (0, 0)
    assert member(group, staff).last_read_seq == 5


def test_recalled_mentions_do_not_count(
    group: Conversation, director: Any, clerk: Any, staff: Any
) -> None:
    explicit = send(clerk, group, "@张三", mention_ids=[staff.pk])
    to_all = send(director, group, "@所有人", mention_all=True)
    services.message_recall(actor=clerk, message_id=explicit.pk)
    services.message_recall(actor=director, message_id=to_all.pk)
    item = selectors.conversation_item_get(viewer=staff, conversation_id=group.pk)
    assert item.mention_count == 0


def test_receipts(group: Conversation, director: Any, clerk: Any, staff: Any) -> None:
    message = send(clerk, group, "请确认收到")
    services.conversation_mark_read(actor=director, conversation_id=group.pk, seq=message.seq)
    receipts = selectors.message_receipts(viewer=clerk, message_id=message.pk)
    assert [u.pk for u in receipts.read] == [director.pk]
    assert [u.pk for u in receipts.unread] == [staff.pk]
    assert selectors.message_receipts(viewer=director, message_id=message.pk).read == receipts.read
    with pytest.raises(ZtError) as err:
        selectors.message_receipts(viewer=staff, message_id=message.pk)
    assert code_of(err) == "permission_denied"

    second = send(clerk, group, "第二条")
    counts_ = selectors.receipt_counts(
        viewer=clerk, conversation_id=group.pk, seqs=[1, message.seq, second.seq]
    )
    assert counts_ == {message.seq: (1, 1), second.seq: (0, 2)}
    # The owner sees every message's numbers; a plain member only their own.
    assert set(
        selectors.receipt_counts(viewer=director, conversation_id=group.pk, seqs=[1, message.seq])
    ) == {1, message.seq}
    assert (
        selectors.receipt_counts(viewer=staff, conversation_id=group.pk, seqs=[message.seq]) == {}
    )


def test_typing(
    group: Conversation, clerk: Any, director: Any, staff: Any, outsider: Any, events: Any
) -> None:
    services.typing_notify(actor=clerk, conversation_id=group.pk)
    typing = events_of(events, "typing")
    assert [(e.user_ids, e.event["data"]) for e in typing] == [
        (sorted([director.pk, staff.pk]), {"user_id": clerk.pk, "name": "李秀英"})
    ]
    with pytest.raises(ZtError) as err:
        services.typing_notify(actor=outsider, conversation_id=group.pk)
    assert code_of(err) == "not_a_member"


# --- access: a non-member can do nothing ----------------------------------------


def test_non_member_can_read_send_search_or_download_nothing(
    group: Conversation, director: Any, clerk: Any, outsider: Any, events: Any
) -> None:
    image = upload(clerk, "现场.png", factories.image_bytes())
    attachment_make_thumbnail.call(image.pk)
    photo, _ = services.message_send(
        actor=clerk, conversation_id=group.pk, attachment_id=image.token
    )
    secret = send(director, group, "明年预算编制")
    before = counts()
    events.clear()
    attempts: list[tuple[Any, str]] = [
        (
            lambda: selectors.message_history(viewer=outsider, conversation_id=group.pk),
            "not_a_member",
        ),
        (lambda: send(outsider, group, "我能发吗"), "not_a_member"),
        (
            lambda: selectors.message_search(
                viewer=outsider, query="预算", conversation_id=group.pk
            ),
            "not_a_member",
        ),
        (lambda: selectors.message_receipts(viewer=outsider, message_id=secret.pk), "not_a_member"),
        (
            lambda: selectors.receipt_counts(
                viewer=outsider, conversation_id=group.pk, seqs=[secret.seq]
            ),
            "not_a_member",
        ),
        (lambda: selectors.message_get(viewer=outsider, message_id=secret.pk), "not_a_member"),
        (lambda: selectors.member_list(viewer=outsider, conversation_id=group.pk), "not_a_member"),
        (
            lambda: selectors.conversation_item_get(viewer=outsider, conversation_id=group.pk),
            "not_a_member",
        ),
        (
            lambda: selectors.attachment_get(viewer=outsider, token=image.token),
            "attachment_not_found",
        ),
        (
            lambda: services.conversation_mark_read(
                actor=outsider, conversation_id=group.pk, seq=secret.seq
            ),
            "not_a_member",
        ),
        (lambda: services.message_recall(actor=outsider, message_id=secret.pk), "not_a_member"),
        (lambda: services.typing_notify(actor=outsider, conversation_id=group.pk), "not_a_member"),
    ]
    for attempt, code in attempts:
        with pytest.raises(ZtError) as err:
            attempt()
        assert code_of(err) == code
    # Searching everywhere finds nothing of a conversation one is not in.
    assert selectors.message_search(viewer=outsider, query="预算") == []
    assert selectors.conversation_list(viewer=outsider) == []
    assert counts() == before
    assert not events
    assert photo.attachment_id == image.pk
    # Members may open it; once the message is recalled, only the uploader may.
    assert selectors.attachment_get(viewer=director, token=image.token).pk == image.pk
    services.message_recall(actor=clerk, message_id=photo.pk)
    with pytest.raises(ZtError) as err:
        selectors.attachment_get(viewer=director, token=image.token)
    assert code_of(err) == "attachment_not_found"
    assert selectors.attachment_get(viewer=clerk, token=image.token).pk == image.pk


def test_former_member_loses_access(group: Conversation, director: Any, staff: Any) -> None:
    message = send(director, group, "内部材料")
    services.group_member_remove(actor=director, conversation_id=group.pk, user_id=staff.pk)
    with pytest.raises(ZtError) as err:
        selectors.message_history(viewer=staff, conversation_id=group.pk)
    assert code_of(err) == "not_a_member"
    assert selectors.message_search(viewer=staff, query="内部") == []
    with pytest.raises(ZtError) as err:
        selectors.message_get(viewer=staff, message_id=message.pk)
    assert code_of(err) == "not_a_member"


def test_someone_elses_attachment_cannot_be_sent(
    group: Conversation, clerk: Any, staff: Any
) -> None:
    theirs = upload(clerk, "a.txt", "通知正文".encode())
    with pytest.raises(ZtError) as err:
        services.message_send(actor=staff, conversation_id=group.pk, attachment_id=theirs.token)
    assert code_of(err) == "attachment_not_found"


# --- selectors ----------------------------------------------------------------------


def test_history_pages_backwards(group: Conversation, director: Any) -> None:
    for i in range(7):
        send(director, group, f"消息{i}")
    page, more = selectors.message_history(viewer=director, conversation_id=group.pk, limit=3)
    assert ([m.seq for m in page], more) == ([6, 7, 8], True)
    page, more = selectors.message_history(
        viewer=director, conversation_id=group.pk, before_seq=6, limit=3
    )
    assert ([m.seq for m in page], more) == ([3, 4, 5], True)
    page, more = selectors.message_history(
        viewer=director, conversation_id=group.pk, before_seq=3, limit=3
    )
    assert ([m.seq for m in page], more) == ([1, 2], False)
    with pytest.raises(ZtError) as err:
        selectors.message_history(viewer=director, conversation_id=999_999)
    assert code_of(err) == "conversation_not_found"


def test_search_finds_chinese_substrings_in_my_conversations(
    group: Conversation,
    direct: Conversation,
    director: Any,
    staff: Any,
    finance_head: Any,
    outsider: Any,
) -> None:
    hit = send(director, group, "关于明年预算编制的安排")
    send(director, direct, "预算表发你了")
    other = services.group_create(actor=finance_head, name="财政局", member_ids=[outsider.pk])
    send(finance_head, other, "预算科内部讨论")
    gone = send(director, group, "预算草稿作废")
    services.message_recall(actor=director, message_id=gone.pk)
    found = selectors.message_search(viewer=staff, query="预算")
    assert {m.text for m in found} == {"关于明年预算编制的安排", "预算表发你了"}
    scoped = selectors.message_search(viewer=staff, query=" 预算 ", conversation_id=group.pk)
    assert [m.pk for m in scoped] == [hit.pk]
    assert selectors.message_search(viewer=staff, query="   ") == []
    doc = upload(director, "2027年预算编制说明.docx", factories.docx_bytes())
    services.message_send(actor=director, conversation_id=group.pk, attachment_id=doc.token)
    assert any(
        m.attachment_id == doc.pk for m in selectors.message_search(viewer=staff, query="编制说明")
    )


def test_conversation_list_order_and_preview(
    group: Conversation, direct: Conversation, director: Any, staff: Any, clerk: Any
) -> None:
    quiet = services.direct_conversation_get_or_create(actor=director, other_id=clerk.pk)
    send(staff, direct, "最新的私聊")
    items = selectors.conversation_list(viewer=director)
    assert [i.conversation.pk for i in items] == [direct.pk, group.pk, quiet.pk]
    assert items[0].peer is not None
    assert items[0].peer.pk == staff.pk
    assert items[0].last_message is not None
    assert items[0].last_message.text == "最新的私聊"
    assert items[0].unread_count == 1
    services.membership_settings_update(actor=director, conversation_id=quiet.pk, pinned=True)
    assert selectors.conversation_list(viewer=director)[0].conversation.pk == quiet.pk


# --- cards ----------------------------------------------------------------------------


def test_card_message_and_update(
    group: Conversation, director: Any, staff: Any, outsider: Any, events: Any
) -> None:
    card = services.card_message_send(
        conversation_id=group.pk, card_type="test.note", object_id="7", title="请审阅"
    )
    assert (card.kind, card.card_object_id, preview_text(card)) == ("card", "7", "[卡片] 请审阅")
    with pytest.raises(ZtError) as err:
        services.card_message_send(
            conversation_id=group.pk,
            card_type="test.note",
            object_id="8",
            title="x",
            sender=outsider,
        )
    assert code_of(err) == "not_a_member"
    events.clear()
    with transaction.atomic():
        services.card_updated(card_type="test.note", object_id="7")
    updated = events_of(events, "card.updated")
    assert len(updated) == 1
    assert updated[0].event["data"] == {"card_type": "test.note", "object_id": "7"}
    # Also callable on its own (it takes its own transaction).
    services.card_updated(card_type="test.note", object_id=7)
    assert len(events_of(events, "card.updated")) == 2


# --- attachments ------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_image_upload_strips_exif_and_gets_a_thumbnail(clerk: Any, fmt: str, mime: str) -> None:
    raw = factories.image_bytes(fmt, size=(1200, 900))
    assert Image.open(io.BytesIO(raw)).getexif()  # the original carries camera + GPS data
    attachment = upload(clerk, f"../../现场照片.{fmt.lower()}", raw)
    assert (attachment.kind, attachment.mime) == ("image", mime)
    assert (attachment.width, attachment.height) == (1200, 900)
    assert attachment.name == f"现场照片.{fmt.lower()}"
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert len(stored) == attachment.size
    with Image.open(io.BytesIO(stored)) as img:
        assert dict(img.getexif()) == {}
        assert img.format == fmt
    assert audits("attachment.upload")[0].data["mime"] == mime

    attachment_make_thumbnail.call(attachment.pk)
    attachment.refresh_from_db()
    assert attachment.thumbnail
    with attachment.thumbnail.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) == 480
    name = attachment.thumbnail.name
    attachment_make_thumbnail.call(attachment.pk)  # idempotent
    attachment.refresh_from_db()
    assert attachment.thumbnail.name == name


def test_image_upload_enqueues_thumbnail_job(clerk: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    attachment = upload(clerk, "a.png", factories.image_bytes())
    jobs = [r for r in DBTaskResult.objects.all() if "attachment_make_thumbnail" in r.task_path]
    assert len(jobs) == 1
    assert jobs[0].args_kwargs["args"] == [attachment.pk]


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("会议纪要.txt", "关于做好年度预算编制工作的通知\n".encode() * 5, "text/plain"),
        ("通知.pdf", factories.pdf_bytes(), "application/pdf"),
        (
            "通知.docx",
            factories.docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_file_uploads_by_content(clerk: Any, name: str, data: bytes, mime: str) -> None:
    attachment = upload(clerk, name, data)
    assert (attachment.kind, attachment.mime, attachment.name, attachment.size) == (
        "file",
        mime,
        name,
        len(data),
    )
    with attachment.file.open("rb") as handle:
        assert handle.read() == data
    attachment_make_thumbnail.call(attachment.pk)  # not an image: nothing to do
    attachment.refresh_from_db()
    assert not attachment.thumbnail


def test_rejected_uploads_write_nothing(settings: Any, clerk: Any) -> None:
    settings.ZT_UPLOAD_MAX_BYTES = 1024 * 1024
    cases = [
        ("照片.jpg", factories.exe_bytes(), "attachment_rejected"),
        ("空.txt", b"", "attachment_rejected"),
        ("大.txt", b"a" * (1024 * 1024 + 1), "attachment_too_large"),
    ]
    for name, data, code in cases:
        with pytest.raises(ZtError) as err:
            upload(clerk, name, data)
        assert code_of(err) == code, name
    assert Attachment.objects.count() == 0
    assert AuditEntry.objects.filter(action="attachment.upload").count() == 0


def test_image_and_file_messages(group: Conversation, clerk: Any, staff: Any) -> None:
    image = upload(clerk, "图.png", factories.image_bytes())
    pdf = upload(clerk, "通知.pdf", factories.pdf_bytes())
    photo, _ = services.message_send(
        actor=clerk, conversation_id=group.pk, attachment_id=image.token, text="被忽略"
    )
    doc, _ = services.message_send(actor=clerk, conversation_id=group.pk, attachment_id=pdf.token)
    assert (photo.kind, photo.text, preview_text(photo)) == ("image", "", "[图片]")
    assert (doc.kind, preview_text(doc)) == ("file", "[文件] 通知.pdf")
    payload = message_payload(photo, staff)
    assert payload["attachment"]["url"] == f"/api/v1/attachments/{image.token}/download"
    assert payload["attachment"]["thumbnail_url"] == f"/api/v1/attachments/{image.token}/thumbnail"
    assert selectors.attachment_get(viewer=staff, token=pdf.token).pk == pdf.pk
    services.attachment_download_record(actor=staff, attachment=pdf)
    assert audits("attachment.download")[0].actor_id == staff.pk


# --- WebSocket tickets ------------------------------------------------------------------


def test_ws_ticket_is_single_use_and_expires(director: Any, settings: Any) -> None:
    ticket = services.ws_ticket_issue(actor=director)
    assert services.ws_ticket_redeem(key=ticket.key).pk == director.pk
    with pytest.raises(ZtError) as err:
        services.ws_ticket_redeem(key=ticket.key)
    assert code_of(err) == "ticket_invalid"

    stale = services.ws_ticket_issue(actor=director)
    WsTicket.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ZtError) as err:
        services.ws_ticket_redeem(key=stale.key)
    assert code_of(err) == "ticket_invalid"
    # Issuing sweeps expired tickets.
    services.ws_ticket_issue(actor=director)
    assert not WsTicket.objects.filter(pk=stale.pk).exists()
    with pytest.raises(ZtError):
        services.ws_ticket_redeem(key="not-a-ticket")
    inactive = services.ws_ticket_issue(actor=director)
    director.is_active = False
    director.save(update_fields=["is_active"])
    with pytest.raises(ZtError):
        services.ws_ticket_redeem(key=inactive.key)


def test_group_create_and_add_cost_the_same_queries_for_5_or_60_members(
    director: Any,
) -> None:
    people = [
        directory.user_create(mobile=f"1370000{i:04d}", name=f"成员{i}", password=None)
        for i in range(125)
    ]

    def queries(action: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            action()
        return len(ctx.captured_queries)

    small = queries(
        lambda: services.group_create(
            actor=director, name="小组", member_ids=[p.pk for p in people[:5]]
        )
    )
    large = queries(
        lambda: services.group_create(
            actor=director, name="大组", member_ids=[p.pk for p in people[5:65]]
        )
    )
    assert small == large
    group = Conversation.objects.get(name="小组")
    add_few = queries(
        lambda: services.group_members_add(
            actor=director, conversation_id=group.pk, user_ids=[p.pk for p in people[65:67]]
        )
    )
    add_many = queries(
        lambda: services.group_members_add(
            actor=director, conversation_id=group.pk, user_ids=[p.pk for p in people[67:125]]
        )
    )
    assert add_few == add_many
    assert group.memberships.filter(is_active=True).count() == 1 + 5 + 2 + 58
