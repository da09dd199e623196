"""Every write of calls: start, ring, join, leave, relay, end (docs/calls.md).

Each service takes the call's row lock (`_lock`), checks membership and
state, changes the rows and publishes after commit: `call.updated` (the whole
call) to every member of the conversation, `call.ringing` to the people rung,
`card.updated` for the call card when what it shows changed. Signalling
(`signal_relay`) writes nothing: it checks that both ends are joined peers of
the same call and sends `call.signal` to the addressed peer's socket only.

Timed work is done by the worker (`manage.py db_worker`): a ring expires
after ZT_CALL_RING_SECONDS (`rings_expire`: the person missed it) and a
socket that closed while joined is given ZT_CALL_REJOIN_SECONDS to come back
(`peer_expire`). Both re-check the rows when they run, and `peer_join` also
sweeps peers whose grace has passed, so a call converges without the worker.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from backend.audit.services import NO_CONTEXT, RequestContext, audit_record
from backend.calls import errors, ice, selectors
from backend.calls.models import Call, CallParticipant, CallPeer
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from push import services as push
from realtime import event_types as wire
from realtime import events
from realtime import selectors as chat_selectors
from realtime import services as chat
from realtime.errors import ConversationDissolved, NotAMember
from realtime.event_types import dump
from realtime.models import Membership

logger = logging.getLogger(__name__)

CARD_TYPE = "call"
RING_CONDITION = "call.ringing"
P = CallParticipant.State


@dataclass(frozen=True)
class Joined:
    """What `peer_join` gives the socket: the call, its peer id and how to reach the media."""

    call: Call
    peer_id: str
    ice_servers: list[dict[str, Any]]
    sfu: dict[str, Any] | None


# --- helpers ---------------------------------------------------------------------------


def _lock(call_id: int, viewer: User) -> Call:
    """The call's row, locked; `call_not_found` unless `viewer` is a member of its conversation."""
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None or not _is_member(call.conversation_id, viewer.pk):
        raise errors.CallNotFound()
    return call


def _is_member(conversation_id: int, user_id: int) -> bool:
    return Membership.objects.filter(
        conversation_id=conversation_id, user_id=user_id, is_active=True
    ).exists()


def _live_peers(call: Call) -> Any:
    return CallPeer.objects.filter(call=call, left_at__isnull=True)


def _announce(
    call: Call, *, ring: Iterable[int] = (), card: bool = False, refresh: bool = True
) -> None:
    """Publish the call's new state (after commit): call.updated, call.ringing, card.updated."""
    if refresh:
        call.refresh_from_db()
    model = selectors.call_model(call)
    data = wire.CallData(call=model)
    members = selectors.member_ids(call)
    events.publish(
        members,
        dump(wire.CallUpdatedEvent(conversation_id=call.conversation_id, data=data)),
    )
    rung = [u for u in ring if u in set(members)]
    if rung:
        events.publish(
            rung, dump(wire.CallRingingEvent(conversation_id=call.conversation_id, data=data))
        )
    if card:
        chat.card_updated(card_type=CARD_TYPE, object_id=str(call.pk))


def _enqueue(job: Any, run_after: datetime, *args: Any) -> None:
    """Store a timed job with the change (database backend) or after commit (others).

    A backend that cannot defer (the immediate one of browser tests) gets
    nothing: the lazy sweeps in `peer_join` and `ringing_frames` cover it.
    """
    backend = task_backends[job.backend]
    if not backend.supports_defer:
        return
    deferred = job.using(run_after=run_after)
    if isinstance(backend, DatabaseBackend):
        deferred.enqueue(*args)
    else:
        transaction.on_commit(lambda: deferred.enqueue(*args))


def _ring(call: Call, user_ids: list[int], now: datetime, host: User) -> datetime:
    """Mark `user_ids` rung until now + ZT_CALL_RING_SECONDS; push to those with no live socket."""
    from backend.calls.tasks import call_rings_expire  # the job module imports this one

    until = now + timedelta(seconds=settings.ZT_CALL_RING_SECONDS)
    media = Call.Media(call.media).label
    push.notify(
        user_ids,
        kind="call",
        title=f"{host.name}邀请您{media}",
        body=f"{host.name}邀请您{media}，点击接听",
        sender_name=host.name,
        url=f"/chats/{call.conversation_id}?call={call.pk}",
        tag=f"call:{call.pk}",
        dedup_key=f"call:{call.pk}:{int(until.timestamp())}",
        condition=RING_CONDITION,
        condition_ref={"call_id": call.pk},
    )
    _enqueue(call_rings_expire, until + timedelta(seconds=1), call.pk)
    return until


def _check_size(people: int) -> None:
    """`call_too_large` for a call of `people` that this installation cannot hold."""
    most = settings.ZT_CALL_MAX_PARTICIPANTS
    if people > most:
        raise errors.CallTooLarge(f"一次通话最多{most}人")
    limit = settings.ZT_CALL_MESH_LIMIT
    if people > limit and not ice.sfu_available():
        raise errors.CallTooLarge(f"超过{limit}人的会议需要媒体服务器，请联系管理员部署")


def _invitees(conversation_id: int, actor: User, user_ids: Iterable[int]) -> list[int]:
    """Active human members other than the actor, or `invalid_invitee`."""
    wanted = list(dict.fromkeys(user_ids))
    if actor.pk in wanted:
        raise errors.InvalidInvitee("不能邀请自己")
    found = set(
        Membership.objects.filter(
            conversation_id=conversation_id,
            user_id__in=wanted,
            is_active=True,
            user__is_active=True,
            user__is_bot=False,
        ).values_list("user_id", flat=True)
    )
    if len(found) != len(wanted):
        raise errors.InvalidInvitee()
    return wanted


def _peer_gone(peer: CallPeer, now: datetime) -> None:
    """A peer leaves; its person has left when it was their last live device."""
    peer.left_at = now
    peer.save(update_fields=["left_at"])
    participant = peer.participant
    if (
        participant.state == P.JOINED
        and not participant.peers.filter(left_at__isnull=True).exists()
    ):
        participant.state = P.LEFT
        participant.left_at = now
        participant.save(update_fields=["state", "left_at"])


def _settle(call: Call, now: datetime) -> bool:
    """After any change: ringing → ongoing on the first answer, or the end. True if it ended."""
    rows = list(call.participants.all())
    with_device = set(CallPeer.objects.filter(call=call).values_list("participant_id", flat=True))
    if call.answered_at is None and any(
        p.state == P.JOINED and p.user_id != call.host_id and p.pk in with_device for p in rows
    ):
        call.answered_at = now
        call.state = Call.State.ONGOING
        call.save(update_fields=["answered_at", "state"])
        return False
    if call.answered_at is not None:
        if not _live_peers(call).exists():
            _end(call, Call.EndReason.HUNG_UP, now)
            return True
        return False
    host = next((p for p in rows if p.user_id == call.host_id), None)
    if host is None or host.state != P.JOINED:
        _end(call, Call.EndReason.CANCELLED, now)
        return True
    invited = [p for p in rows if p.invited]
    if invited and not any(p.state == P.RINGING for p in invited):
        declined = all(p.state == P.DECLINED for p in invited)
        _end(call, Call.EndReason.DECLINED if declined else Call.EndReason.MISSED, now)
        return True
    return False


def _end(call: Call, reason: str, now: datetime) -> None:
    """Close the call for everyone (caller holds the call's lock)."""
    call.state = Call.State.ENDED
    call.end_reason = reason
    call.ended_at = now
    call.recording = False
    call.save(update_fields=["state", "end_reason", "ended_at", "recording"])
    _live_peers(call).update(left_at=now)
    call.participants.filter(state=P.JOINED).update(state=P.LEFT, left_at=now)
    call.participants.filter(state=P.RINGING).update(state=P.MISSED)
    if call.sfu_room is not None:
        call_id = call.pk
        transaction.on_commit(lambda: _room_destroy(call_id), robust=True)


def _room_destroy(call_id: int) -> None:
    try:
        ice.room_destroy(call_id)
    except Exception:
        logger.exception("destroying the SFU room of call %s failed", call_id)


def _expire_detached(call: Call, now: datetime) -> None:
    """Peers whose socket closed and whose grace has passed have left (caller holds the lock)."""
    for peer in _live_peers(call).select_related("participant").filter(rejoin_until__lte=now):
        _peer_gone(peer, now)


# --- starting and ringing ------------------------------------------------------------------


def call_start(
    *,
    actor: User,
    conversation_id: int,
    media: str,
    invitee_ids: Iterable[int] = (),
    context: RequestContext = NO_CONTEXT,
) -> Call:
    """Start a call in a conversation and ring people (docs/calls.md "Starting a call").

    1:1: the other member is rung (`invitee_ids` ignored); group: `invitee_ids`
    (members; may be empty — the others can join from the conversation).
    The starter is the host; the call card goes into the conversation.
    """
    if media not in Call.Media.values:
        raise InvalidInput.of(codes.INVALID_FIELD, "media 只能是 audio 或 video")
    with transaction.atomic():
        membership = chat_selectors.membership_get(viewer=actor, conversation_id=conversation_id)
        conversation = membership.conversation
        if conversation.dissolved_at is not None:
            raise ConversationDissolved()
        if conversation.is_group:
            rung = _invitees(conversation_id, actor, invitee_ids)
        else:
            rung = list(
                Membership.objects.filter(
                    conversation_id=conversation_id, is_active=True, user__is_bot=False
                )
                .exclude(user=actor)
                .values_list("user_id", flat=True)
            )
            if not rung:
                raise errors.InvalidInvitee("对方无法接听通话")
        _check_size(len(rung) + 1)
        if Call.objects.filter(conversation_id=conversation_id, ended_at__isnull=True).exists():
            raise errors.CallInProgress()
        now = timezone.now()
        try:
            with transaction.atomic():  # a savepoint: the constraint decides a race
                call = Call.objects.create(
                    conversation_id=conversation_id, host=actor, media=media, started_at=now
                )
        except IntegrityError:
            raise errors.CallInProgress() from None
        until = _ring(call, rung, now, actor) if rung else None
        CallParticipant.objects.bulk_create(
            [
                CallParticipant(
                    call=call, user=actor, state=P.JOINED, joined_at=now, created_at=now
                ),
                *(
                    CallParticipant(
                        call=call,
                        user_id=user_id,
                        state=P.RINGING,
                        invited=True,
                        ring_until=until,
                        created_at=now,
                    )
                    for user_id in rung
                ),
            ]
        )
        chat.card_post(
            actor=actor,
            conversation_id=conversation_id,
            card_type=CARD_TYPE,
            object_id=str(call.pk),
            title=Call.Media(media).label,
        )
        audit_record(
            "call.start",
            actor=actor,
            target=call,
            data={"conversation_id": conversation_id, "media": media, "rung": rung},
            context=context,
        )
        _announce(call, ring=rung, refresh=False)
    return call


def call_invite(*, actor: User, call_id: int, user_ids: Iterable[int]) -> Call:
    """A joined participant rings more members of the conversation."""
    with transaction.atomic():
        call = _lock(call_id, actor)
        if not call.is_live:
            raise errors.CallEnded()
        if not call.participants.filter(user=actor, state=P.JOINED).exists():
            raise errors.NotInCall()
        wanted = _invitees(call.conversation_id, actor, user_ids)
        rows = {p.user_id: p for p in call.participants.filter(user_id__in=wanted)}
        if call.host_id != actor.pk and any(r.state == P.REMOVED for r in rows.values()):
            raise errors.InvalidInvitee("该人员已被发起人移出通话")  # only the host lets them back
        rung = [u for u in wanted if rows.get(u) is None or rows[u].state not in (P.JOINED,)]
        present = call.participants.filter(state__in=[P.JOINED, P.RINGING]).count()
        fresh = [u for u in rung if rows.get(u) is None or rows[u].state != P.RINGING]
        _check_size(present + len(fresh))
        if not rung:
            return call
        now = timezone.now()
        host = User.objects.get(pk=call.host_id)
        until = _ring(call, rung, now, host)
        for user_id in rung:
            row = rows.get(user_id)
            if row is None:
                CallParticipant.objects.create(
                    call=call,
                    user_id=user_id,
                    state=P.RINGING,
                    invited=True,
                    ring_until=until,
                    created_at=now,
                )
            else:
                row.state, row.invited, row.ring_until = P.RINGING, True, until
                row.save(update_fields=["state", "invited", "ring_until"])
        _announce(call, ring=rung)
    return call


def call_decline(*, actor: User, call_id: int) -> Call:
    """The person rung declines (any of their devices); a second decline changes nothing."""
    with transaction.atomic():
        call = _lock(call_id, actor)
        row = call.participants.filter(user=actor).first()
        if row is not None and row.state == P.DECLINED:
            return call
        if row is None or row.state != P.RINGING or not call.is_live:
            raise errors.NotRinging()
        row.state = P.DECLINED
        row.save(update_fields=["state"])
        ended = _settle(call, timezone.now())
        _announce(call, card=ended)
    return call


def rings_expire(call_id: int) -> bool:
    """The worker's job: rings past their time are missed (the call may end). True if any."""
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(pk=call_id).first()
        if call is None or not call.is_live:
            return False
        now = timezone.now()
        expired = call.participants.filter(state=P.RINGING, ring_until__lte=now).update(
            state=P.MISSED
        )
        if not expired:
            return False
        ended = _settle(call, now)
        _announce(call, card=ended)
    return True


# --- joining and leaving (the socket's commands) --------------------------------------------


def peer_join(
    *,
    actor: User,
    call_id: int,
    channel_name: str,
    connection_id: str,
    peer_id: str | None = None,
) -> Joined:
    """Bind this socket as the actor's device in the call (docs/calls.md `call_join`).

    `peer_id` of a live peer of the actor's = a rejoin from a new socket: the
    same peer continues. Otherwise a new peer; a person has one joined device,
    so a join from another device takes over (the old peer leaves). A join
    above the mesh limit switches the call to the SFU when one is configured.
    """
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("host").filter(pk=call_id).first()
        if call is None:
            raise errors.CallNotFound()
        if not _is_member(call.conversation_id, actor.pk):
            raise NotAMember()
        if not call.is_live:
            raise errors.CallEnded()
        now = timezone.now()
        _expire_detached(call, now)
        row = call.participants.filter(user=actor).first()
        if row is not None and row.state == P.REMOVED:
            raise errors.RemovedFromCall()
        peer = None
        if peer_id:
            peer = (
                _live_peers(call)
                .filter(peer_id=peer_id, participant__user=actor)
                .select_related("participant")
                .first()
            )
        if peer is not None:
            peer.channel_name, peer.connection_id = channel_name, connection_id
            peer.detached_at = peer.rejoin_until = None
            peer.save(
                update_fields=["channel_name", "connection_id", "detached_at", "rejoin_until"]
            )
        else:
            peer = _new_peer(call, actor, row, channel_name, connection_id, now)
        ended = _settle(call, now)
        if ended:  # cannot happen for a fresh peer; kept for safety
            raise errors.CallEnded()
        _announce(call, card=True)
        sfu = _sfu_for(call, actor, peer.peer_id)
        servers = ice.ice_servers_for(actor.pk, call.pk)
    return Joined(call=call, peer_id=peer.peer_id, ice_servers=servers, sfu=sfu)


def _new_peer(
    call: Call,
    actor: User,
    row: CallParticipant | None,
    channel_name: str,
    connection_id: str,
    now: datetime,
) -> CallPeer:
    others = (
        call.participants.filter(state=P.JOINED).exclude(user=actor).count()
    )  # the host counts from the start
    people = others + 1
    most = settings.ZT_CALL_MAX_PARTICIPANTS
    if people > most:
        raise errors.CallFull(f"通话人数已满（最多{most}人）")
    limit = settings.ZT_CALL_MESH_LIMIT
    if call.mode == Call.Mode.MESH and people > limit:
        if not ice.sfu_available():
            raise errors.CallFull(
                f"通话人数已满（最多{limit}人），超过{limit}人的会议需要媒体服务器"
            )
        call.mode = Call.Mode.SFU
        call.sfu_room = ice.room_ensure(call.pk)
        call.save(update_fields=["mode", "sfu_room"])
    if row is None:
        row = CallParticipant.objects.create(
            call=call, user=actor, state=P.JOINED, joined_at=now, created_at=now
        )
    else:
        for old in row.peers.filter(left_at__isnull=True):
            old.left_at = now  # taken over by this device
            old.save(update_fields=["left_at"])
        row.state = P.JOINED
        row.joined_at = row.joined_at or now
        row.left_at = None
        row.ring_until = None
        row.save(update_fields=["state", "joined_at", "left_at", "ring_until"])
    return CallPeer.objects.create(
        call=call,
        participant=row,
        peer_id=secrets.token_hex(8),
        channel_name=channel_name,
        connection_id=connection_id,
        joined_at=now,
    )


def _sfu_for(call: Call, actor: User, peer_id: str) -> dict[str, Any] | None:
    if call.mode != Call.Mode.SFU or call.sfu_room is None:
        return None
    return {
        "url": ice.browser_url(),
        "room": call.sfu_room,
        "token": ice.participant_token(call.pk, actor.pk, peer_id),
        "display": actor.name,
    }


def _socket_peer(call: Call, actor: User, channel_name: str) -> CallPeer:
    peer = (
        _live_peers(call)
        .select_related("participant")
        .filter(channel_name=channel_name, participant__user=actor)
        .first()
    )
    if peer is None:
        raise errors.NotInCall()
    return peer


def peer_leave(*, actor: User, call_id: int, channel_name: str) -> Call:
    """This socket's peer leaves; the last one out ends the call (an ended call: a no-op)."""
    with transaction.atomic():
        call = _lock(call_id, actor)
        if not call.is_live:
            return call
        peer = _socket_peer(call, actor, channel_name)
        now = timezone.now()
        _peer_gone(peer, now)
        _settle(call, now)
        _announce(call, card=True)
    return call


def peer_media(
    *, actor: User, call_id: int, channel_name: str, muted: bool, camera: bool, screen: bool
) -> Call:
    """This device's microphone, camera and screen-sharing state, shown to the others."""
    with transaction.atomic():
        call = _lock(call_id, actor)
        if not call.is_live:
            raise errors.CallEnded()
        participant = _socket_peer(call, actor, channel_name).participant
        participant.muted, participant.camera, participant.screen = muted, camera, screen
        participant.save(update_fields=["muted", "camera", "screen"])
        _announce(call)
    return call


def signal_relay(
    *,
    actor: User,
    call_id: int,
    channel_name: str,
    to: str,
    kind: str,
    data: dict[str, Any],
) -> None:
    """Relay one offer/answer/ICE candidate/bye to one peer's socket (writes nothing).

    Only a joined peer of the call (this socket) may send, only to another
    joined peer of the same call: nobody can inject signalling into a call
    they are not in, nor address a socket outside it.
    """
    still_member = Membership.objects.filter(
        conversation_id=OuterRef("call__conversation_id"), user_id=actor.pk, is_active=True
    )
    sender = (
        CallPeer.objects.filter(
            Exists(still_member),  # someone removed from the group mid-call is out
            call_id=call_id,
            channel_name=channel_name,
            left_at__isnull=True,
            participant__user=actor,
            call__ended_at__isnull=True,
        )
        .only("peer_id")
        .first()
    )
    if sender is None:
        raise errors.NotInCall()
    target = (
        CallPeer.objects.filter(call_id=call_id, peer_id=to, left_at__isnull=True)
        .exclude(pk=sender.pk)
        .only("channel_name")
        .first()
    )
    if target is None:
        raise errors.PeerNotFound()
    frame = wire.CallSignalEvent(
        data=wire.CallSignalData.model_validate(
            {
                "call_id": call_id,
                "from": sender.peer_id,
                "from_user_id": actor.pk,
                "kind": kind,  # checked by the socket command
                "data": data,
            }
        )
    )
    events.publish_to_socket(target.channel_name, dump(frame))


def socket_closed(*, channel_name: str) -> int:
    """A socket closed: its live peers wait ZT_CALL_REJOIN_SECONDS for a rejoin; how many."""
    from backend.calls.tasks import call_peer_expire  # the job module imports this one

    now = timezone.now()
    until = now + timedelta(seconds=settings.ZT_CALL_REJOIN_SECONDS)
    with transaction.atomic():
        peers = list(
            CallPeer.objects.select_for_update().filter(
                channel_name=channel_name, left_at__isnull=True, detached_at__isnull=True
            )
        )
        for peer in peers:
            peer.detached_at, peer.rejoin_until = now, until
            peer.save(update_fields=["detached_at", "rejoin_until"])
            _enqueue(call_peer_expire, until + timedelta(seconds=1), peer.pk)
    return len(peers)


def peer_expire(peer_pk: int) -> bool:
    """The worker's job: a detached peer not rejoined in time has left. True if it left."""
    with transaction.atomic():
        call_id = CallPeer.objects.filter(pk=peer_pk).values_list("call_id", flat=True).first()
        if call_id is None:
            return False
        call = Call.objects.select_for_update().get(pk=call_id)
        peer = CallPeer.objects.select_related("participant").get(pk=peer_pk)
        now = timezone.now()
        if (
            not call.is_live
            or peer.left_at is not None
            or peer.rejoin_until is None
            or peer.rejoin_until > now
        ):
            return False
        _peer_gone(peer, now)
        _settle(call, now)
        _announce(call, card=True)
    return True


# --- the host's controls --------------------------------------------------------------------


def _host_lock(call_id: int, actor: User) -> Call:
    call = _lock(call_id, actor)
    if call.host_id != actor.pk:
        raise errors.NotCallHost()
    return call


def call_end(*, actor: User, call_id: int, context: RequestContext = NO_CONTEXT) -> Call:
    """The host ends the call for everyone (before an answer: 已取消). Idempotent."""
    with transaction.atomic():
        call = _host_lock(call_id, actor)
        if not call.is_live:
            return call
        reason = Call.EndReason.HOST_ENDED if call.answered_at else Call.EndReason.CANCELLED
        _end(call, reason, timezone.now())
        audit_record("call.end", actor=actor, target=call, context=context)
        _announce(call, card=True)
    return call


def participant_remove(
    *, actor: User, call_id: int, user_id: int, context: RequestContext = NO_CONTEXT
) -> Call:
    """The host removes someone from the call (their devices leave; they cannot rejoin it)."""
    with transaction.atomic():
        call = _host_lock(call_id, actor)
        if not call.is_live:
            raise errors.CallEnded()
        if user_id == actor.pk:
            raise InvalidInput.of(codes.INVALID_FIELD, "发起人不能移出自己，请结束通话")
        row = call.participants.filter(user_id=user_id).first()
        if row is None:
            raise errors.ParticipantNotFound()
        now = timezone.now()
        row.peers.filter(left_at__isnull=True).update(left_at=now)
        if row.state == P.JOINED:
            row.left_at = now
        row.state = P.REMOVED
        row.save(update_fields=["state", "left_at"])
        audit_record(
            "call.participant_remove",
            actor=actor,
            target=call,
            data={"user_id": user_id},
            context=context,
        )
        _settle(call, now)
        _announce(call, card=True)
    return call


def recording_set(
    *, actor: User, call_id: int, on: bool, context: RequestContext = NO_CONTEXT
) -> Call:
    """The host switches recording on or off; everyone sees 录制中 while it is on."""
    with transaction.atomic():
        call = _host_lock(call_id, actor)
        if not call.is_live:
            raise errors.CallEnded()
        if call.recording == on:
            return call
        call.recording = on
        call.save(update_fields=["recording"])
        audit_record(
            "call.recording_on" if on else "call.recording_off",
            actor=actor,
            target=call,
            context=context,
        )
        _announce(call)
    return call
