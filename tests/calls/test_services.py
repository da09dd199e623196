"""The call services: rows, events and their recipients, audit, pushes, timed jobs, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backend.audit.models import AuditEntry
from backend.calls import reach, selectors, services
from backend.calls.cards import CallCard
from backend.calls.models import Call, CallParticipant, CallPeer
from backend.common.errors import ZtError
from push.models import Notification
from realtime import presence
from realtime import services as chat
from realtime.models import Message
from tests.conftest import events_of
from tests.push.conftest import run_jobs

pytestmark = pytest.mark.django_db(transaction=True)
P = CallParticipant.State


def code_of(error: pytest.ExceptionInfo[ZtError]) -> str:
    return error.value.code


def card_view(call: Call, viewer: Any) -> dict[str, Any]:
    return dict(CallCard().render(str(call.pk), viewer))


def join(call: Call, user: Any, channel: str) -> services.Joined:
    return services.peer_join(
        actor=user, call_id=call.pk, channel_name=channel, connection_id=f"conn-{channel}"
    )


def test_start_rings_the_invitees_posts_the_card_audits_and_pushes(
    director: Any, clerk: Any, staff: Any, group: Any, events: Any
) -> None:
    call = services.call_start(
        actor=director, conversation_id=group.pk, media="video", invitee_ids=[staff.pk]
    )
    rows = {p.user_id: p for p in call.participants.all()}
    assert rows[director.pk].state == P.JOINED and not rows[director.pk].invited
    assert rows[staff.pk].state == P.RINGING and rows[staff.pk].invited
    assert clerk.pk not in rows  # a member who was not rung
    [ringing] = events_of(events, "call.ringing")
    assert ringing.user_ids == [staff.pk]
    assert ringing.event["data"]["call"]["media"] == "video"
    [updated] = events_of(events, "call.updated")
    assert sorted(updated.user_ids) == sorted([director.pk, clerk.pk, staff.pk])
    card = Message.objects.get(conversation=group, kind=Message.Kind.CARD)
    assert (card.card_type, card.card_object_id, card.sender_id) == (
        "call",
        str(call.pk),
        director.pk,
    )
    assert card_view(call, clerk)["status_label"] == "视频通话 · 1人"
    entry = AuditEntry.objects.get(action="call.start")
    assert entry.data["rung"] == [staff.pk]
    [push] = Notification.objects.filter(kind="call")
    assert push.user_id == staff.pk
    assert push.title == "王建国邀请您视频通话"
    # Nobody is online: the ring's push goes; with a live socket it is skipped.
    assert reach.still_ringing(staff.pk, {"call_id": call.pk}) is None
    presence.set_connection(staff.pk, "tab", presence.AWAY)
    assert reach.still_ringing(staff.pk, {"call_id": call.pk}) == "本人在线，已通过连接响铃"


def test_bad_starts_change_nothing(
    director: Any, clerk: Any, staff: Any, outsider: Any, group: Any, direct: Any, settings: Any
) -> None:
    cases = [
        ({"actor": outsider, "conversation_id": group.pk}, "not_a_member"),
        (
            {"actor": director, "conversation_id": group.pk, "invitee_ids": [outsider.pk]},
            "invalid_invitee",
        ),
        (
            {"actor": director, "conversation_id": group.pk, "invitee_ids": [director.pk]},
            "invalid_invitee",
        ),
    ]
    for kwargs, code in cases:
        with pytest.raises(ZtError) as error:
            services.call_start(media="audio", **kwargs)
        assert code_of(error) == code
    settings.ZT_CALL_MESH_LIMIT = 2  # no SFU here: three people need the media server
    with pytest.raises(ZtError) as error:
        services.call_start(
            actor=director,
            conversation_id=group.pk,
            media="audio",
            invitee_ids=[clerk.pk, staff.pk],
        )
    assert code_of(error) == "call_too_large"
    assert "媒体服务器" in error.value.message
    assert not Call.objects.exists()
    assert not Message.objects.filter(kind=Message.Kind.CARD).exists()

    services.call_start(actor=director, conversation_id=direct.pk, media="audio")
    with pytest.raises(ZtError) as error:
        services.call_start(actor=staff, conversation_id=direct.pk, media="video")
    assert code_of(error) == "call_in_progress"
    assert Call.objects.count() == 1


def test_a_declined_one_to_one_call_ends_and_the_card_says_so(
    director: Any, staff: Any, direct: Any, events: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=direct.pk, media="audio")
    services.call_decline(actor=staff, call_id=call.pk)
    services.call_decline(actor=staff, call_id=call.pk)  # a second device: no change
    call.refresh_from_db()
    assert (call.state, call.end_reason) == (Call.State.ENDED, Call.EndReason.DECLINED)
    assert card_view(call, director)["status_label"] == "已拒绝"
    assert reach.still_ringing(staff.pk, {"call_id": call.pk}) == "通话已不再呼叫本人"
    with pytest.raises(ZtError) as error:
        services.call_decline(actor=director, call_id=call.pk)
    assert code_of(error) == "not_ringing"
    final = events_of(events, "call.updated")[-1].event["data"]["call"]
    assert final["state"] == "ended" and final["duration_seconds"] == 0


def test_an_unanswered_ring_expires_by_the_worker_as_a_missed_call(
    director: Any, staff: Any, direct: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=direct.pk, media="video")
    job = DBTaskResult.objects.get(task_path="backend.calls.tasks.call_rings_expire")
    assert job.run_after > timezone.now() + timedelta(seconds=40)
    run_jobs()  # not yet due: nothing
    call.refresh_from_db()
    assert call.state == Call.State.RINGING
    CallParticipant.objects.filter(call=call).update(ring_until=timezone.now())
    run_jobs(later=True)
    call.refresh_from_db()
    assert (call.state, call.end_reason) == (Call.State.ENDED, Call.EndReason.MISSED)
    assert CallParticipant.objects.get(call=call, user=staff).state == P.MISSED
    assert card_view(call, staff)["status_label"] == "未接来电"


def test_the_host_hanging_up_before_an_answer_cancels(
    director: Any, staff: Any, direct: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=direct.pk, media="audio")
    join(call, director, "host")
    services.peer_leave(actor=director, call_id=call.pk, channel_name="host")
    call.refresh_from_db()
    assert call.end_reason == Call.EndReason.CANCELLED
    assert CallParticipant.objects.get(call=call, user=staff).state == P.MISSED
    assert card_view(call, staff)["status_label"] == "已取消"


def test_a_talk_ends_with_its_duration_and_who_took_part(
    director: Any, staff: Any, direct: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=direct.pk, media="audio")
    join(call, director, "a")
    join(call, staff, "b")
    Call.objects.filter(pk=call.pk).update(answered_at=timezone.now() - timedelta(seconds=75))
    services.peer_leave(actor=staff, call_id=call.pk, channel_name="b")
    services.peer_leave(actor=director, call_id=call.pk, channel_name="a")
    call.refresh_from_db()
    assert call.end_reason == Call.EndReason.HUNG_UP
    view = card_view(call, director)
    assert view["status_label"] == "通话时长 01:15"
    assert {"label": "参与人", "value": "王建国、张三"} in view["fields"]
    assert selectors.call_payload(call)["duration_seconds"] == 75


def test_a_closed_socket_leaves_after_the_grace_and_the_last_one_out_ends_it(
    director: Any, staff: Any, direct: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=direct.pk, media="audio")
    join(call, director, "a")
    join(call, staff, "b")
    assert services.socket_closed(channel_name="b") == 1
    run_jobs()  # the grace has not passed
    assert CallParticipant.objects.get(call=call, user=staff).state == P.JOINED
    CallPeer.objects.filter(channel_name="b").update(rejoin_until=timezone.now())
    run_jobs(later=True)
    assert CallParticipant.objects.get(call=call, user=staff).state == P.LEFT
    services.socket_closed(channel_name="a")
    CallPeer.objects.filter(channel_name="a").update(rejoin_until=timezone.now())
    run_jobs(later=True)
    call.refresh_from_db()
    assert (call.state, call.end_reason) == (Call.State.ENDED, Call.EndReason.HUNG_UP)


def test_joins_above_the_mesh_limit_are_refused_without_a_media_server(
    director: Any, clerk: Any, staff: Any, group: Any, settings: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=group.pk, media="audio")
    join(call, director, "a")
    settings.ZT_CALL_MESH_LIMIT = 2
    join(call, staff, "b")
    with pytest.raises(ZtError) as error:
        join(call, clerk, "c")
    assert code_of(error) == "call_full"
    assert not CallParticipant.objects.filter(call=call, user=clerk).exists()


def test_the_host_removes_someone_who_then_cannot_rejoin(
    director: Any, clerk: Any, staff: Any, group: Any, events: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=group.pk, media="audio")
    join(call, director, "a")
    join(call, staff, "b")
    with pytest.raises(ZtError) as error:
        services.participant_remove(actor=staff, call_id=call.pk, user_id=director.pk)
    assert code_of(error) == "not_call_host"
    services.participant_remove(actor=director, call_id=call.pk, user_id=staff.pk)
    assert CallParticipant.objects.get(call=call, user=staff).state == P.REMOVED
    assert not CallPeer.objects.filter(channel_name="b", left_at__isnull=True).exists()
    with pytest.raises(ZtError) as error:
        join(call, staff, "b2")
    assert code_of(error) == "removed_from_call"
    join(call, clerk, "c")
    with pytest.raises(ZtError) as error:  # another participant cannot ring them back in
        services.call_invite(actor=clerk, call_id=call.pk, user_ids=[staff.pk])
    assert code_of(error) == "invalid_invitee"
    services.call_invite(actor=director, call_id=call.pk, user_ids=[staff.pk])  # the host may
    assert CallParticipant.objects.get(call=call, user=staff).state == P.RINGING
    assert AuditEntry.objects.filter(action="call.participant_remove").count() == 1


def test_recording_is_the_hosts_and_shows_to_every_member(
    director: Any, clerk: Any, staff: Any, group: Any, events: Any
) -> None:
    call = services.call_start(
        actor=director, conversation_id=group.pk, media="video", invitee_ids=[staff.pk]
    )
    with pytest.raises(ZtError) as error:
        services.recording_set(actor=staff, call_id=call.pk, on=True)
    assert code_of(error) == "not_call_host"
    services.recording_set(actor=director, call_id=call.pk, on=True)
    last = events_of(events, "call.updated")[-1]
    assert last.event["data"]["call"]["recording"] is True
    assert sorted(last.user_ids) == sorted([director.pk, clerk.pk, staff.pk])
    assert AuditEntry.objects.filter(action="call.recording_on").count() == 1
    services.call_end(actor=director, call_id=call.pk)
    call.refresh_from_db()
    assert call.recording is False and call.end_reason == Call.EndReason.CANCELLED


def test_invite_rings_more_members_and_joining_from_another_device_takes_over(
    director: Any, clerk: Any, staff: Any, group: Any, events: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=group.pk, media="audio")
    with pytest.raises(ZtError) as error:
        services.call_invite(actor=staff, call_id=call.pk, user_ids=[clerk.pk])
    assert code_of(error) == "not_in_call"
    services.call_invite(actor=director, call_id=call.pk, user_ids=[clerk.pk, staff.pk])
    [ringing] = events_of(events, "call.ringing")
    assert sorted(ringing.user_ids) == sorted([clerk.pk, staff.pk])
    first = join(call, staff, "phone")
    second = join(call, staff, "laptop")
    assert first.peer_id != second.peer_id
    live = CallPeer.objects.filter(participant__user=staff, left_at__isnull=True)
    assert list(live.values_list("peer_id", flat=True)) == [second.peer_id]
    payload = selectors.call_payload(call)
    [mine] = [p for p in payload["participants"] if p["user"]["id"] == staff.pk]
    assert mine["peer_id"] == second.peer_id


def test_signals_go_to_the_addressed_socket_only(
    director: Any, clerk: Any, staff: Any, group: Any, events: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=group.pk, media="audio")
    a = join(call, director, "a")
    join(call, staff, "b")
    services.signal_relay(
        actor=staff, call_id=call.pk, channel_name="b", to=a.peer_id, kind="bye", data={}
    )
    [signal] = events_of(events, "call.signal")
    assert (signal.channel_name, signal.user_ids) == ("a", [])
    with pytest.raises(ZtError) as error:  # the right user, the wrong socket
        services.signal_relay(
            actor=staff, call_id=call.pk, channel_name="a", to=a.peer_id, kind="bye", data={}
        )
    assert code_of(error) == "not_in_call"


def test_the_card_renders_in_batch_at_a_fixed_query_count(
    director: Any, staff: Any, outsider: Any, django_assert_num_queries: Any
) -> None:
    calls = []
    for _ in range(8):
        conversation = chat.group_create(actor=director, name="会商", member_ids=[staff.pk])
        calls.append(
            services.call_start(actor=director, conversation_id=conversation.pk, media="audio")
        )
    services.call_end(actor=director, call_id=calls[0].pk)
    ids = [str(c.pk) for c in calls]
    card = CallCard()
    assert card.render_many(ids, staff) == {i: card.render(i, staff) for i in ids}
    assert card.render(ids[0], outsider)["status"] == "hidden"
    with django_assert_num_queries(3):
        card.render_many(ids[:2], staff)
    with django_assert_num_queries(3):
        card.render_many(ids, staff)


def test_nobody_takes_over_someone_elses_peer_or_signals_after_leaving_the_group(
    director: Any, clerk: Any, staff: Any, group: Any, events: Any
) -> None:
    call = services.call_start(actor=director, conversation_id=group.pk, media="audio")
    a = join(call, director, "a")
    # 张三 presents 王建国's peer id: he gets a peer of his own, 王建国's stays on its socket.
    hijack = services.peer_join(
        actor=staff, call_id=call.pk, channel_name="b", connection_id="b", peer_id=a.peer_id
    )
    assert hijack.peer_id != a.peer_id
    assert CallPeer.objects.get(peer_id=a.peer_id).channel_name == "a"
    join(call, clerk, "c")
    chat.group_member_remove(actor=director, conversation_id=group.pk, user_id=clerk.pk)
    with pytest.raises(ZtError) as error:
        services.signal_relay(
            actor=clerk, call_id=call.pk, channel_name="c", to=a.peer_id, kind="bye", data={}
        )
    assert code_of(error) == "not_in_call"
    with pytest.raises(ZtError) as error:
        services.peer_media(
            actor=clerk, call_id=call.pk, channel_name="c", muted=True, camera=False, screen=False
        )
    assert code_of(error) == "call_not_found"
    assert not events_of(events, "call.signal")
