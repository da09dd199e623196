"""Resume after disconnect, as a property: every client converges to the server's history.

Random interleavings of sends by several members with clients that go away
and come back from their last known position (sometimes a stale one, as when
a device restarts from an older snapshot). A client applies what resume
tells it: message events past its position, `resync` (reload history). At
the end every client holds exactly the server's messages: no gap, no
duplicate, in order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from realtime import selectors, services, socket_ops
from realtime.models import Message
from tests.realtime.test_consumer import command_collect, connect

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Client:
    user: Any
    pos: int = 0
    seqs: list[int] = field(default_factory=list)
    snapshot: tuple[int, list[int]] = (0, [])

    def reload(self, conversation_id: int, pos: int) -> None:
        history, _ = selectors.message_history(
            viewer=self.user, conversation_id=conversation_id, limit=100
        )
        self.seqs = [m.seq for m in history]
        self.pos = pos

    def apply(self, conversation_id: int, frames: list[dict[str, Any]], pos: int) -> None:
        for frame in frames:
            if frame.get("conversation_id") != conversation_id:
                continue
            if frame["event"] == "resync":
                self.reload(conversation_id, pos)
                return
            assert frame["pos"] > self.pos, "an event was delivered twice"
            self.pos = frame["pos"]
            if frame["event"] == "message.new":
                seq = frame["message"]["seq"]
                assert seq not in self.seqs
                self.seqs.append(seq)
        self.pos = pos

    def resume(self, conversation_id: int) -> None:
        frames, positions = socket_ops.resume(self.user, {conversation_id: self.pos})
        self.apply(conversation_id, frames, positions[conversation_id])


actions = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.integers(0, 2)),
        st.tuples(st.just("resume"), st.integers(0, 2)),
        st.tuples(st.just("save"), st.integers(0, 2)),
        st.tuples(st.just("restore"), st.integers(0, 2)),
    ),
    max_size=30,
)


@hsettings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions)
def test_every_client_converges_to_the_server_history(
    settings: Any, director: Any, clerk: Any, staff: Any, steps: list[tuple[str, int]]
) -> None:
    settings.ZT_RESUME_MAX_EVENTS = 6  # small, so long absences end in `resync`
    people = [director, clerk, staff]
    group = services.group_create(actor=director, name="性质测试", member_ids=[clerk.pk, staff.pk])
    clients = [Client(user) for user in people]
    for client in clients:
        group.refresh_from_db()
        client.reload(group.pk, group.last_pos)
        client.snapshot = (client.pos, list(client.seqs))
    for n, (action, who) in enumerate(steps):
        client = clients[who]
        if action == "send":
            services.message_send(actor=people[who], conversation_id=group.pk, text=f"消息{n}")
        elif action == "resume":
            client.resume(group.pk)
        elif action == "save":
            client.snapshot = (client.pos, list(client.seqs))
        else:  # a device restarting from an older local copy
            client.pos, client.seqs = client.snapshot[0], list(client.snapshot[1])
    server = list(
        Message.objects.filter(conversation=group).order_by("seq").values_list("seq", flat=True)
    )
    assert server == list(range(1, len(server) + 1))
    for client in clients:
        client.resume(group.pk)
        assert client.seqs == server


async def test_real_sockets_converge_after_random_disconnects(
    director: Any, clerk: Any, staff: Any
) -> None:
    rng = random.Random(20261121)
    people = [director, clerk, staff]
    group = await database_sync_to_async(services.group_create)(
        actor=director, name="真连接", member_ids=[clerk.pk, staff.pk]
    )
    positions = {p.pk: 0 for p in people}
    seen: dict[int, list[int]] = {p.pk: [] for p in people}

    async def reconnect(user: Any) -> None:
        comm = await connect(user)
        ack, frames = await command_collect(
            comm, {"type": "resume", "id": "r", "positions": {str(group.pk): positions[user.pk]}}
        )
        for frame in frames:
            if frame.get("event") == "message.new":
                seen[user.pk].append(frame["message"]["seq"])
        positions[user.pk] = ack["data"]["positions"][str(group.pk)]
        await comm.disconnect()

    for round_ in range(4):
        for i in range(rng.randint(1, 4)):
            sender = rng.choice(people)
            await database_sync_to_async(services.message_send)(
                actor=sender, conversation_id=group.pk, text=f"第{round_}轮{i}"
            )
        for user in rng.sample(people, rng.randint(1, 3)):
            await reconnect(user)
    for user in people:
        await reconnect(user)
    server = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(conversation=group).order_by("seq").values_list("seq", flat=True)
        )
    )()
    for user in people:
        assert seen[user.pk] == server
