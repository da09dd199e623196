"""The chat-message rule: who is pushed, coalescing per conversation, presence at delivery."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.directory.models import User
from push import services
from push.models import Delivery, Notification
from realtime import presence
from realtime import services as chat
from realtime.models import Conversation
from realtime.reach import MESSAGE_RULE
from tests.push.conftest import deliveries, run_jobs, subscribe
from tests.push.servers import Device, PushService

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(director: User, clerk: User, staff: User) -> Conversation:
    return chat.group_create(actor=director, name="秘书科工作群", member_ids=[clerk.pk, staff.pk])


@pytest.fixture
def phones(
    push_service: PushService, director: User, clerk: User, staff: User
) -> dict[str, Device]:
    devices = {}
    for person in (director, clerk, staff):
        devices[person.name] = push_service.new_device()
        subscribe(person, devices[person.name])
    return devices


@pytest.fixture(autouse=True)
def _fresh_presence() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def say(actor: User, conversation: Conversation, text: str, **extra: object) -> int:
    message, _ = chat.message_send(
        actor=actor,
        conversation_id=conversation.pk,
        text=text,
        **extra,  # type: ignore[arg-type]
    )
    return message.seq


def test_messages_coalesce_into_one_push_per_conversation(
    push_service: PushService, phones: dict[str, Device], group: Conversation, director: User
) -> None:
    for text in ("第一条", "第二条", "请于今天下午三点前报送材料"):
        say(director, group, text)

    # The fan-out ran (one job per message); the pushes wait for the window.
    assert run_jobs() == 3
    assert push_service.received == []
    rows = Notification.objects.order_by("user_id")
    assert [(n.user.name, n.count, n.kind) for n in rows] == [
        ("李秀英", 3, "message"),
        ("张三", 3, "message"),
    ]
    assert Delivery.objects.count() == 2  # one pending push each, updated, not multiplied

    run_jobs(later=True)  # the coalescing window passed
    for name in ("李秀英", "张三"):
        [got] = push_service.for_device(phones[name])
        assert got.payload["title"] == "秘书科工作群"
        assert got.payload["body"] == "3条新消息 · 王建国: 请于今天下午三点前报送材料"
        assert got.payload["url"] == f"/chats/{group.pk}?seq={group.last_seq + 3}"
        assert got.payload["tag"] == f"conv:{group.pk}"
    assert push_service.for_device(phones["王建国"]) == []  # never the sender


def test_a_message_after_the_push_starts_a_new_notification(
    push_service: PushService,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    staff: User,
) -> None:
    say(director, group, "第一条")
    run_jobs()
    run_jobs(later=True)
    say(director, group, "第二条")
    run_jobs()
    run_jobs(later=True)
    got = push_service.for_device(phones["张三"])
    assert [g.payload["body"] for g in got] == ["第一条", "第二条"]
    assert Notification.objects.filter(user=staff).count() == 2


def test_direct_message_notifies_with_the_sender_as_title(
    push_service: PushService, phones: dict[str, Device], director: User, staff: User
) -> None:
    direct = chat.direct_conversation_get_or_create(actor=director, other_id=staff.pk)
    say(director, direct, "明早八点开会")
    run_jobs()
    run_jobs(later=True)
    [got] = push_service.for_device(phones["张三"])
    assert (got.payload["title"], got.payload["body"]) == ("王建国", "明早八点开会")
    assert got.payload["kind"] == "message"


def test_muted_conversation_notifies_only_mentions(
    push_service: PushService,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    clerk: User,
    staff: User,
) -> None:
    chat.membership_settings_update(actor=staff, conversation_id=group.pk, muted=True)
    say(director, group, "大家好")
    run_jobs()
    assert not Notification.objects.filter(user=staff).exists()
    assert Notification.objects.filter(user=clerk).exists()

    say(director, group, "张三请处理", mention_ids=[staff.pk])
    run_jobs()
    mine = Notification.objects.get(user=staff)
    assert (mine.kind, mine.urgency) == ("mention", "high")
    run_jobs(later=True)
    [got] = push_service.for_device(phones["张三"])
    assert got.payload["body"] == "[有人@我] 张三请处理"
    assert got.headers["urgency"] == "high"


def test_muted_conversation_hears_at_all(
    phones: dict[str, Device], group: Conversation, director: User, staff: User
) -> None:
    chat.membership_settings_update(actor=staff, conversation_id=group.pk, muted=True)
    say(director, group, "全体注意", mention_all=True)
    run_jobs()
    assert Notification.objects.get(user=staff).kind == "mention"


def test_a_visible_tab_at_delivery_time_suppresses_the_push(
    push_service: PushService,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    staff: User,
) -> None:
    say(director, group, "收到请回复")
    run_jobs()
    # Offline when the message was sent; opens the app before the push goes.
    presence.set_connection(staff.pk, "tab-1", presence.ONLINE)
    run_jobs(later=True)
    assert push_service.for_device(phones["张三"]) == []
    [delivery] = deliveries(staff, "push")
    assert (delivery.state, delivery.error_code, delivery.error) == (
        Delivery.State.SKIPPED,
        "not_needed",
        "本人正在使用政通",
    )
    assert len(push_service.for_device(phones["李秀英"])) == 1


def test_a_hidden_tab_still_gets_the_push(
    push_service: PushService,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    staff: User,
) -> None:
    presence.set_connection(staff.pk, "tab-1", presence.AWAY)
    say(director, group, "收到请回复")
    run_jobs()
    run_jobs(later=True)
    assert len(push_service.for_device(phones["张三"])) == 1


def test_read_before_the_window_ends_means_no_push(
    push_service: PushService,
    phones: dict[str, Device],
    group: Conversation,
    director: User,
    staff: User,
) -> None:
    seq = say(director, group, "收到请回复")
    run_jobs()
    chat.conversation_mark_read(actor=staff, conversation_id=group.pk, seq=seq)
    run_jobs(later=True)
    assert push_service.for_device(phones["张三"]) == []
    assert deliveries(staff, "push")[0].error == "已读"


def test_the_fanout_run_twice_counts_once(
    phones: dict[str, Device], group: Conversation, director: User, staff: User
) -> None:
    message, _ = chat.message_send(actor=director, conversation_id=group.pk, text="一条")
    run_jobs()
    # A worker killed after committing the fan-out runs the job again.
    assert services.fanout_run(MESSAGE_RULE, {"message_id": message.pk}) == []
    assert Notification.objects.get(user=staff).count == 1
    run_jobs(later=True)
    # Even after the push went out, a late re-run does not notify again.
    assert services.fanout_run(MESSAGE_RULE, {"message_id": message.pk}) == []
    assert Notification.objects.filter(user=staff).count() == 1


def test_sending_a_message_costs_one_job(group: Conversation, director: User) -> None:
    from django_tasks_db.models import DBTaskResult

    say(director, group, "一条")
    assert DBTaskResult.objects.filter(task_path="push.tasks.fanout").count() == 1
    assert not Notification.objects.exists()  # nothing per recipient until the job runs
