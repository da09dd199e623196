"""Conversations, members and messages over REST: success and error shapes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.audit.models import AuditEntry
from backend.directory import services as directory
from realtime import services
from realtime.models import Conversation, Membership, Message
from tests.mobile_api.conftest import error_of

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data or {}, content_type=JSON)


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, data, content_type=JSON)


def say(actor: Any, conversation: Any, text: str, **kw: Any) -> Message:
    message, _ = services.message_send(
        actor=actor, conversation_id=conversation.pk, text=text, **kw
    )
    return message


@pytest.fixture
def group(director: Any, clerk: Any, staff: Any) -> Conversation:
    return services.group_create(
        actor=director, name="办公室工作群", member_ids=[clerk.pk, staff.pk]
    )


def test_anonymous_gets_401_everywhere() -> None:
    client = Client()
    for url in (
        "/api/v1/conversations",
        "/api/v1/conversations/1/messages",
        "/api/v1/messages/search?q=x",
    ):
        assert error_of(client.get(url)) == (401, "not_authenticated")
    assert error_of(post(client, "/api/v1/conversations", {"kind": "direct"})) == (
        401,
        "not_authenticated",
    )


def test_create_direct_and_group(client_for: Any, director: Any, staff: Any, clerk: Any) -> None:
    client = client_for(director)
    first = post(client, "/api/v1/conversations", {"kind": "direct", "user_id": staff.pk})
    assert first.status_code == 201
    body = first.json()
    assert (body["kind"], body["name"], body["peer"]["id"]) == ("direct", "张三", staff.pk)
    again = post(client, "/api/v1/conversations", {"kind": "direct", "user_id": staff.pk})
    assert again.json()["id"] == body["id"]
    assert error_of(post(client, "/api/v1/conversations", {"kind": "direct"})) == (
        400,
        "invalid_direct",
    )
    assert error_of(
        post(client, "/api/v1/conversations", {"kind": "direct", "user_id": director.pk})
    ) == (400, "invalid_direct")
    assert error_of(post(client, "/api/v1/conversations", {"kind": "chat"})) == (400, "invalid")

    created = post(
        client,
        "/api/v1/conversations",
        {"kind": "group", "name": "专班", "member_ids": [staff.pk, clerk.pk]},
    )
    assert created.status_code == 201
    g = created.json()
    assert (g["kind"], g["name"], g["my_role"], g["member_count"]) == ("group", "专班", "owner", 3)
    assert g["last_message"]["kind"] == "system"
    assert error_of(
        post(
            client, "/api/v1/conversations", {"kind": "group", "name": "", "member_ids": [staff.pk]}
        )
    ) == (400, "invalid_group_name")


def test_conversation_list(
    client_for: Any, group: Conversation, director: Any, clerk: Any, staff: Any
) -> None:
    direct = services.direct_conversation_get_or_create(actor=staff, other_id=director.pk)
    say(staff, direct, "王主任，材料已发")
    say(clerk, group, "@张三 请查收", mention_ids=[staff.pk])
    say(director, group, "@所有人 下午三点开会", mention_all=True)
    client = client_for(staff)
    rows = client.get("/api/v1/conversations").json()
    assert [r["id"] for r in rows] == [group.pk, direct.pk]
    top = rows[0]
    assert top["last_message"]["text"] == "@所有人 下午三点开会"
    assert top["unread_count"] == 3
    assert top["mention_count"] == 2
    assert rows[1]["unread_count"] == 0
    assert rows[1]["name"] == "王建国"
    assert rows[1]["last_message"]["text"] == "王主任，材料已发"
    pinned = patch(client, f"/api/v1/conversations/{direct.pk}/settings", {"pinned": True})
    assert pinned.status_code == 200
    assert pinned.json()["pinned"] is True
    assert [r["id"] for r in client.get("/api/v1/conversations").json()] == [direct.pk, group.pk]


def test_conversation_list_query_count_does_not_grow(
    client_for: Any, director: Any, clerk: Any, staff: Any, django_assert_max_num_queries: Any
) -> None:
    def build(n: int) -> None:
        for i in range(n):
            g = services.group_create(actor=director, name=f"群{i}", member_ids=[clerk.pk])
            say(clerk, g, f"消息{i}", mention_ids=[director.pk])
            reply = say(director, g, "回复")
            say(clerk, g, "引用", reply_to_id=reply.pk)
        d = services.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
        say(staff, d, "私聊")

    client = client_for(director)
    build(2)
    with django_assert_max_num_queries(8) as small:
        assert len(client.get("/api/v1/conversations").json()) == 3
    build(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/conversations").json()) == 13


def test_detail_rename_and_errors(
    client_for: Any, group: Conversation, director: Any, staff: Any, outsider: Any
) -> None:
    url = f"/api/v1/conversations/{group.pk}"
    owner = client_for(director)
    assert owner.get(url).json()["name"] == "办公室工作群"
    renamed = patch(owner, url, {"name": "预算专班"})
    assert (renamed.status_code, renamed.json()["name"]) == (200, "预算专班")
    assert error_of(patch(client_for(staff), url, {"name": "x"})) == (403, "not_group_admin")
    assert error_of(client_for(outsider).get(url)) == (403, "not_a_member")
    assert error_of(owner.get("/api/v1/conversations/999999")) == (404, "conversation_not_found")
    assert error_of(patch(owner, url, {"name": ""})) == (400, "invalid_group_name")
    assert error_of(patch(client_for(outsider), f"{url}/settings", {"muted": True})) == (
        403,
        "not_a_member",
    )


def test_members_endpoints(
    client_for: Any,
    group: Conversation,
    director: Any,
    clerk: Any,
    staff: Any,
    finance_head: Any,
    outsider: Any,
) -> None:
    base = f"/api/v1/conversations/{group.pk}"
    owner = client_for(director)
    listed = owner.get(f"{base}/members").json()
    assert {m["user"]["id"] for m in listed} == {director.pk, clerk.pk, staff.pk}
    assert listed[0]["role"] == "owner"
    assert error_of(client_for(outsider).get(f"{base}/members")) == (403, "not_a_member")

    added = post(owner, f"{base}/members", {"user_ids": [finance_head.pk]})
    assert (added.status_code, added.json()["member_count"]) == (200, 4)
    assert error_of(post(client_for(staff), f"{base}/members", {"user_ids": [outsider.pk]})) == (
        403,
        "not_group_admin",
    )
    assert error_of(post(owner, f"{base}/members", {"user_ids": []})) == (400, "invalid")

    assert owner.delete(f"{base}/members/{finance_head.pk}").status_code == 204
    assert error_of(owner.delete(f"{base}/members/{outsider.pk}")) == (400, "not_in_group")

    made = post(owner, f"{base}/admins", {"user_id": clerk.pk, "is_admin": True})
    assert made.status_code == 200
    assert Membership.objects.get(conversation=group, user=clerk).role == "admin"
    assert error_of(
        post(client_for(clerk), f"{base}/admins", {"user_id": staff.pk, "is_admin": True})
    ) == (
        403,
        "not_group_owner",
    )

    assert error_of(post(owner, f"{base}/leave")) == (400, "owner_must_transfer")
    moved = post(owner, f"{base}/transfer", {"user_id": clerk.pk})
    assert (moved.status_code, moved.json()["owner_id"], moved.json()["my_role"]) == (
        200,
        clerk.pk,
        "admin",
    )
    assert post(owner, f"{base}/leave").status_code == 204
    assert error_of(owner.get(base)) == (403, "not_a_member")
    assert error_of(post(client_for(staff), f"{base}/dissolve")) == (403, "not_group_owner")
    assert post(client_for(clerk), f"{base}/dissolve").status_code == 204
    assert client_for(clerk).get(base).json()["dissolved"] is True
    assert error_of(post(client_for(staff), f"{base}/messages", {"text": "x"})) == (
        409,
        "conversation_dissolved",
    )


def test_send_history_and_pagination(
    client_for: Any, group: Conversation, director: Any, clerk: Any
) -> None:
    url = f"/api/v1/conversations/{group.pk}/messages"
    client = client_for(clerk)
    first = post(client, url, {"text": "第一条", "client_id": "c-1"})
    assert first.status_code == 201
    message = first.json()
    assert (message["seq"], message["text"], message["sender"]["id"]) == (2, "第一条", clerk.pk)
    retry = post(client, url, {"text": "第一条", "client_id": "c-1"})
    assert (retry.status_code, retry.json()["id"]) == (200, message["id"])
    for i in range(5):
        post(client, url, {"text": f"消息{i}"})
    page = client.get(f"{url}?limit=3").json()
    assert [m["seq"] for m in page["messages"]] == [5, 6, 7]
    assert page["has_more"] is True
    older = client.get(f"{url}?limit=3&before_seq=5").json()
    assert ([m["seq"] for m in older["messages"]], older["has_more"]) == ([2, 3, 4], True)
    oldest = client.get(f"{url}?limit=3&before_seq=2").json()
    assert ([m["seq"] for m in oldest["messages"]], oldest["has_more"]) == ([1], False)
    assert error_of(client.get(f"{url}?before_seq=abc")) == (400, "invalid_field")

    assert error_of(post(client, url, {"text": "字" * 5001})) == (400, "text_too_long")
    assert error_of(post(client, url, {"text": "  "})) == (400, "empty_message")
    assert error_of(post(client, url, {"text": "x", "mention_all": True})) == (
        403,
        "not_group_admin",
    )
    reply = post(client, url, {"text": "收到", "reply_to": message["id"]})
    assert reply.json()["reply_to"]["excerpt"] == "第一条"
    assert error_of(post(client, url, {"text": "x", "reply_to": 999999})) == (
        404,
        "message_not_found",
    )


def test_read_receipts_and_recall(
    client_for: Any, group: Conversation, director: Any, clerk: Any, staff: Any
) -> None:
    message = say(clerk, group, "请确认")
    base = f"/api/v1/conversations/{group.pk}"
    reader = client_for(staff)
    read = post(reader, f"{base}/read", {"seq": message.seq})
    assert read.json() == {"last_read_seq": message.seq}
    assert error_of(post(reader, f"{base}/read", {"seq": -1})) == (400, "invalid")
    sender = client_for(clerk)
    receipts = sender.get(f"/api/v1/messages/{message.pk}/receipts").json()
    assert [u["id"] for u in receipts["read"]] == [staff.pk]
    assert [u["id"] for u in receipts["unread"]] == [director.pk]
    assert error_of(reader.get(f"/api/v1/messages/{message.pk}/receipts")) == (
        403,
        "permission_denied",
    )
    counts = sender.get(f"{base}/receipts?seqs={message.seq},1").json()
    assert counts == {"counts": {str(message.seq): {"read": 1, "unread": 1}}}
    assert error_of(sender.get(f"{base}/receipts?seqs=a,b")) == (400, "invalid_field")

    assert error_of(post(reader, f"/api/v1/messages/{message.pk}/recall")) == (
        403,
        "recall_not_allowed",
    )
    recalled = post(sender, f"/api/v1/messages/{message.pk}/recall")
    assert recalled.status_code == 200
    assert (recalled.json()["recalled"], recalled.json()["text"]) == (True, "")
    assert error_of(post(sender, "/api/v1/messages/999999/recall")) == (404, "message_not_found")
    history = reader.get(f"{base}/messages").json()["messages"]
    assert history[-1]["recalled"] is True
    assert history[-1]["text"] == ""


def test_search(
    client_for: Any,
    group: Conversation,
    director: Any,
    staff: Any,
    finance_head: Any,
    outsider: Any,
) -> None:
    say(director, group, "明年预算编制")
    other = services.group_create(actor=finance_head, name="财政", member_ids=[outsider.pk])
    say(finance_head, other, "预算科内部讨论")
    client = client_for(staff)
    found = client.get("/api/v1/messages/search", {"q": "预算"}).json()
    assert [m["text"] for m in found] == ["明年预算编制"]
    scoped = client.get("/api/v1/messages/search", {"q": "预算", "conversation_id": group.pk})
    assert len(scoped.json()) == 1
    assert error_of(
        client.get("/api/v1/messages/search", {"q": "预算", "conversation_id": other.pk})
    ) == (403, "not_a_member")
    assert client.get("/api/v1/messages/search", {"q": ""}).json() == []
    assert client_for(outsider).get("/api/v1/messages/search", {"q": "明年"}).json() == []


def test_non_member_reads_and_writes_nothing(
    client_for: Any, group: Conversation, director: Any, outsider: Any
) -> None:
    message = say(director, group, "内部消息")
    client = client_for(outsider)
    base = f"/api/v1/conversations/{group.pk}"
    before = (Message.objects.count(), AuditEntry.objects.count())
    for response in (
        client.get(f"{base}/messages"),
        post(client, f"{base}/messages", {"text": "我也说一句"}),
        post(client, f"{base}/read", {"seq": 1}),
        client.get(f"{base}/receipts?seqs=1"),
        client.get(f"/api/v1/messages/{message.pk}/receipts"),
        post(client, f"/api/v1/messages/{message.pk}/recall"),
        post(client, f"{base}/leave"),
        post(client, f"{base}/members", {"user_ids": [outsider.pk]}),
    ):
        assert error_of(response) == (403, "not_a_member")
    assert (Message.objects.count(), AuditEntry.objects.count()) == before


def test_a_system_account_cannot_be_picked_as_a_group_member(
    client_for: Any, director: Any, clerk: Any
) -> None:
    bot = directory.system_account_get("approvals")
    answer = post(
        client_for(director),
        "/api/v1/conversations",
        {"kind": "group", "name": "预算协调群", "member_ids": [clerk.pk, bot.pk]},
    )
    assert error_of(answer) == (400, "system_account_not_member")
    assert not Conversation.objects.filter(name="预算协调群").exists()
