"""The SFU path of calls against a real Janus (backend.calls.media.janus): five aiortc
participants in one VideoRoom room each receive the other four; forged, expired, foreign
and revoked tokens are refused; destroying the room ends it for everyone."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from backend.calls.media import janus as sfu
from tests.integration.harness import free_port
from tests.integration.janus_client import JanusRefused, JanusSession, Participant
from tests.integration.media_servers import Janus

pytestmark = pytest.mark.integration

# Janus: core 403 = JANUS_ERROR_UNAUTHORIZED; VideoRoom 433 = unauthorized, 426 = no such room.
CORE_UNAUTHORIZED = 403


async def token(call_id: int, user_id: int, peer_id: str) -> str:
    return await asyncio.to_thread(sfu.participant_token, call_id, user_id, peer_id)


@contextlib.asynccontextmanager
async def participants(
    room: int, tokens: list[str], *, video: bool = True
) -> AsyncIterator[list[Participant]]:
    url = sfu.browser_url()
    people = [
        Participant(url, room, tok, f"参会人{i + 1}", video=video) for i, tok in enumerate(tokens)
    ]
    try:
        yield people
    finally:
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)


async def wait_for(condition: object, what: object, timeout: float = 45) -> None:
    """Poll `condition` (sync or async) until true; `what` (a text, or a callable giving
    one at the time of failure) says what did not happen."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        await asyncio.sleep(0.2)


async def test_five_participants_each_receive_the_other_four(janus: Janus) -> None:
    call_id = 9001
    room = await asyncio.to_thread(sfu.room_ensure, call_id)
    assert room == sfu.room_id(call_id)
    assert await asyncio.to_thread(sfu.room_exists, call_id)
    tokens = [await token(call_id, user_id, f"peer-{user_id}") for user_id in range(1, 6)]
    assert len(set(tokens)) == 5
    try:
        async with participants(room, tokens) as people:
            for person in people:
                await person.join()
            await asyncio.gather(*(person.publish() for person in people))

            async def all_publishing() -> bool:
                return len(await people[0].publishers_seen()) == 4

            await wait_for(all_publishing, "five publishers in the room")
            feeds = {person.publisher_id for person in people}
            assert len(feeds) == 5
            await asyncio.gather(
                *(
                    person.subscribe(
                        sorted(feeds - {person.publisher_id}), one_connection_per_feed=True
                    )
                    for person in people
                )
            )

            def everyone_receives_everyone() -> bool:
                return all(
                    person.frames[(feed, "audio")] >= 25 and person.frames[(feed, "video")] >= 10
                    for person in people
                    for feed in feeds - {person.publisher_id}
                )

            await wait_for(
                everyone_receives_everyone,
                lambda: f"media from the other four: {[dict(p.frames) for p in people]}",
            )
            for person in people:
                received = {feed for (feed, _kind), n in person.frames.items() if n}
                assert received == feeds - {person.publisher_id}, person.frames
    finally:
        await asyncio.to_thread(sfu.room_destroy, call_id)
    assert not await asyncio.to_thread(sfu.room_exists, call_id)


async def test_forged_expired_foreign_and_revoked_tokens_are_refused(janus: Janus) -> None:
    call_id, other_call_id = 9002, 9003
    room = await asyncio.to_thread(sfu.room_ensure, call_id)
    await asyncio.to_thread(sfu.room_ensure, other_call_id)
    url = sfu.browser_url()
    now = int(time.time())
    try:
        # Forged: signed with a secret that is not Janus's.
        forged = sfu.sign_token("guessed", expiry=now + 600, descriptors=[f"room={room}"])
        with pytest.raises(JanusRefused) as refused:
            await JanusSession(url, forged).open()
        assert refused.value.code == CORE_UNAUTHORIZED
        # Expired: Janus's own secret, but past its expiry.
        expired = sfu.sign_token(janus.token_secret, expiry=now - 5, descriptors=[f"room={room}"])
        with pytest.raises(JanusRefused) as refused:
            await JanusSession(url, expired).open()
        assert refused.value.code == CORE_UNAUTHORIZED
        # No token at all.
        with pytest.raises(JanusRefused) as refused:
            await JanusSession(url, "").open()
        assert refused.value.code == CORE_UNAUTHORIZED

        foreign = await token(other_call_id, 7, "peer-7")
        revoked = await token(call_id, 8, "peer-8")
        await asyncio.to_thread(sfu.participant_revoke, call_id, 8, "peer-8")
        valid = await token(call_id, 9, "peer-9")
        async with participants(room, [foreign, revoked, valid], video=False) as people:
            # Another call's token opens a Janus session (it is genuine) but not this room.
            with pytest.raises(JanusRefused) as refused:
                await people[0].join()
            assert refused.value.code == sfu.ERROR_UNAUTHORIZED
            # A participant who left (token revoked) cannot come back with the old token.
            with pytest.raises(JanusRefused) as refused:
                await people[1].join()
            assert refused.value.code == sfu.ERROR_UNAUTHORIZED
            # The participant's own token joins.
            await people[2].join()
            assert people[2].publisher_id
    finally:
        await asyncio.to_thread(sfu.room_destroy, call_id)
        await asyncio.to_thread(sfu.room_destroy, other_call_id)


async def test_a_subscription_needs_a_joined_publishers_private_id(janus: Janus) -> None:
    """require_pvtid: a valid token alone does not let someone watch without joining."""
    call_id = 9004
    room = await asyncio.to_thread(sfu.room_ensure, call_id)
    try:
        tokens = [await token(call_id, 1, "a"), await token(call_id, 2, "b")]
        async with participants(room, tokens, video=False) as (alice, bob):
            await alice.join()
            await alice.publish()

            async def alice_publishing() -> bool:
                return alice.publisher_id in await alice.publishing()

            await wait_for(alice_publishing, "alice's media")
            assert bob.session is None
            bob.session = JanusSession(sfu.browser_url(), tokens[1])
            await bob.session.open()
            handle = await bob.session.attach()
            with pytest.raises(JanusRefused) as refused:
                await bob.session.message(
                    handle,
                    {
                        "request": "join",
                        "ptype": "subscriber",
                        "room": room,
                        "private_id": 12345,
                        "streams": [{"feed": alice.publisher_id}],
                    },
                )
            assert refused.value.code == sfu.ERROR_UNAUTHORIZED
    finally:
        await asyncio.to_thread(sfu.room_destroy, call_id)


async def test_room_destroy_ends_the_room_for_everyone_in_it(janus: Janus) -> None:
    call_id = 9005
    room = await asyncio.to_thread(sfu.room_ensure, call_id)
    # Idempotent: a second ensure keeps the same room.
    assert await asyncio.to_thread(sfu.room_ensure, call_id) == room
    tokens = [await token(call_id, 1, "a"), await token(call_id, 1, "a2")]
    async with participants(room, tokens, video=False) as (inside, late):
        await inside.join()
        await inside.publish()
        await asyncio.to_thread(sfu.room_destroy, call_id)
        assert not await asyncio.to_thread(sfu.room_exists, call_id)
        assert inside.session is not None
        events = inside.session.events(inside._publisher_handle)

        async def destroyed_event() -> None:
            while True:
                event = await events.get()
                data = event.get("plugindata", {}).get("data", {})
                if data.get("videoroom") == "destroyed":
                    return

        await asyncio.wait_for(destroyed_event(), 10)
        with pytest.raises(JanusRefused) as refused:
            await late.join()
        assert refused.value.code == sfu.ERROR_NO_SUCH_ROOM
    # Idempotent: destroying a destroyed room is fine.
    await asyncio.to_thread(sfu.room_destroy, call_id)


def test_without_janus_there_is_no_sfu(settings: object) -> None:
    setattr(settings, "ZT_JANUS_URL", "")  # noqa: B010 - the settings fixture is untyped
    assert sfu.sfu_available() is False


def test_an_unreachable_janus_is_sfu_unavailable(janus: Janus, settings: object) -> None:
    setattr(settings, "ZT_JANUS_URL", f"http://127.0.0.1:{free_port()}/janus")  # noqa: B010
    with pytest.raises(sfu.SfuUnavailable) as unavailable:
        sfu.room_ensure(9006)
    assert unavailable.value.code == "sfu_unavailable"
    assert unavailable.value.status == 503
