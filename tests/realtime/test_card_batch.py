"""Cards rendered in batch: a resume or a gap fill costs the same however many cards it replays,
and a live `card.updated` renders its card once per viewer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backend.approvals.services import approval_act
from backend.directory.models import User
from backend.workflow.services import ActParams
from realtime import cards, event_types, services, socket_ops
from realtime.models import Conversation, Message
from tests.approvals.test_services import submit
from tests.realtime.conftest import registered
from tests.realtime.test_consumer import make_direct, next_event, resumed, run

pytestmark = pytest.mark.django_db(transaction=True)


def assistant_chat(user: User) -> int:
    """The person's 1:1 conversation with 审批助手, where their approval cards arrive."""
    message = Message.objects.filter(
        kind=Message.Kind.CARD, conversation__memberships__user=user
    ).first()
    assert message is not None
    return message.conversation_id


def checked(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for frame in frames:
        event_types.validate_frame(frame)
    return frames


def card_views_in(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    views = [f["message"]["card"]["view"] for f in frames if f["event"] == "message.new"]
    views += [f["data"]["view"] for f in frames if f["event"] == "card.updated"]
    return [v for v in views if v is not None]


def test_a_resume_replaying_card_messages_costs_the_same_for_two_and_eight(
    staff: User, director: User
) -> None:
    def resume_from_start() -> tuple[int, list[dict[str, Any]]]:
        conversation_id = assistant_chat(director)
        with CaptureQueriesContext(connection) as captured:
            frames, _ = socket_ops.resume(director, {conversation_id: 0})
        return len(captured), checked(frames)

    for _ in range(2):
        submit(staff)
    few, frames = resume_from_start()
    assert len(card_views_in(frames)) == 2
    approvals = [submit(staff) for _ in range(6)]
    for approval in approvals[:3]:  # card.updated events in the replay too
        approval_act(actor=director, approval_id=approval.pk, action="approve", params=ActParams())
    many, frames = resume_from_start()
    views = card_views_in(frames)
    assert len(views) == 8 + 3
    assert {v["status"] for v in views} == {"running", "approved"}
    assert all(
        [a["action"] for a in v["actions"]] == ["approve", "reject", "transfer"]
        for v in views
        if v["status"] == "running"
    )
    assert many == few


def test_a_gap_fill_with_card_updates_costs_the_same_for_two_and_eight(
    staff: User, director: User
) -> None:
    submit(staff)
    conversation_id = assistant_chat(director)

    def gap_fill(count: int) -> int:
        start = Conversation.objects.get(pk=conversation_id).last_pos
        for _ in range(count):
            approval = submit(staff)
            approval_act(
                actor=director, approval_id=approval.pk, action="approve", params=ActParams()
            )
        end = Conversation.objects.get(pk=conversation_id).last_pos
        with CaptureQueriesContext(connection) as captured:
            frames, _ = socket_ops.events_after(director, conversation_id, start, end)
        assert len(card_views_in(checked(frames))) == 2 * count  # message.new + card.updated
        return len(captured)

    assert gap_fill(2) == gap_fill(8)


# --- a live card.updated renders once per viewer ------------------------------------------


class _CountingCard:
    """A card type that records each batch it is asked to render, per viewer."""

    card_type = "test.counted"

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[str]]] = []

    def render(self, object_id: str, viewer: Any) -> cards.CardView:
        return self.render_many([object_id], viewer)[object_id]

    def render_many(self, object_ids: Sequence[str], viewer: Any) -> dict[str, cards.CardView]:
        self.batches.append((viewer.name, list(object_ids)))
        return {
            object_id: {
                "title": "通知",
                "status": "open",
                "status_label": "进行中",
                "fields": [{"label": "查看人", "value": viewer.name}],
                "actions": [],
                "link": "",
            }
            for object_id in object_ids
        }

    def act(
        self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]
    ) -> cards.CardView:
        return self.render(object_id, viewer)


@pytest.fixture
def counted() -> Iterator[_CountingCard]:
    with registered(_CountingCard()) as card:
        yield card


async def test_card_updated_renders_once_per_viewer(
    counted: _CountingCard, director: Any, staff: Any
) -> None:
    conversation = await make_direct(director, staff)
    for object_id in ("1", "2"):
        await run(
            services.card_message_send,
            conversation_id=conversation.pk,
            card_type=counted.card_type,
            object_id=object_id,
            title="通知",
            sender=staff,
        )
    alice = await resumed(director, {conversation.pk: 0})
    bob = await resumed(staff, {conversation.pk: 0})
    # Each resume rendered both cards in one batch.
    assert sorted(counted.batches) == [("张三", ["1", "2"]), ("王建国", ["1", "2"])]
    counted.batches.clear()

    def update() -> None:
        with transaction.atomic():
            services.card_updated(card_type=counted.card_type, object_id="1")

    await run(update)
    for comm, name in ((alice, "王建国"), (bob, "张三")):
        event = await next_event(comm, "card.updated")
        assert event["data"]["view"]["fields"] == [{"label": "查看人", "value": name}]
    assert sorted(counted.batches) == [("张三", ["1"]), ("王建国", ["1"])]
    await alice.disconnect()
    await bob.disconnect()


class _SingleCard:
    """A card type without render_many: the registry falls back to one render per card."""

    card_type = "test.single"
    rendered: list[str]

    def __init__(self) -> None:
        self.rendered = []

    def render(self, object_id: str, viewer: Any) -> cards.CardView:
        self.rendered.append(object_id)
        return {
            "title": object_id,
            "status": "open",
            "status_label": "",
            "fields": [],
            "actions": [],
            "link": "",
        }

    def act(
        self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]
    ) -> cards.CardView:
        return self.render(object_id, viewer)


def test_a_card_type_without_render_many_is_rendered_card_by_card(director: User) -> None:
    with registered(_SingleCard()) as single:  # no render_many, on purpose
        views = cards.render_for_many(
            [("test.single", "a"), ("test.single", "b"), ("test.single", "a")], director
        )
    assert single.rendered == ["a", "b"]
    assert {key: view["title"] for key, view in views.items()} == {
        ("test.single", "a"): "a",
        ("test.single", "b"): "b",
    }


def test_every_approval_card_view_in_a_replay_matches_render(staff: User, director: User) -> None:
    approvals = [submit(staff) for _ in range(3)]
    approval_act(actor=director, approval_id=approvals[0].pk, action="approve", params=ActParams())
    conversation_id = assistant_chat(director)
    frames = checked(socket_ops.resume(director, {conversation_id: 0})[0])
    card = cards.get("approval")
    for frame in frames:
        if frame["event"] == "message.new" and frame["message"]["card"]:
            shown = frame["message"]["card"]
        elif frame["event"] == "card.updated":
            shown = frame["data"]
        else:
            continue
        assert shown["view"] == card.render(shown["object_id"], director)
