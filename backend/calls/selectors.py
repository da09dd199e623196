"""Reads of calls that respect visibility: only members of the conversation see its calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone

from backend.calls import errors, ice
from backend.calls.models import Call, CallParticipant, CallPeer
from backend.directory.models import User
from realtime import cards as realtime_cards
from realtime import event_types as wire
from realtime import selectors as chat
from realtime.event_types import dump
from realtime.models import Membership
from realtime.payloads import user_brief


def call_get(*, viewer: User, call_id: int) -> Call:
    """The call, for a member of its conversation; `call_not_found` for anyone else."""
    call = Call.objects.select_related("host").filter(pk=call_id).first()
    if call is None or not realtime_cards.is_active_member(
        conversation_id=call.conversation_id, user_id=viewer.pk
    ):
        raise errors.CallNotFound()
    return call


def call_active_get(*, viewer: User, conversation_id: int) -> Call:
    """The conversation's ringing or ongoing call (`not_a_member` as conversations do)."""
    chat.membership_get(viewer=viewer, conversation_id=conversation_id)
    call = (
        Call.objects.select_related("host")
        .filter(conversation_id=conversation_id, ended_at__isnull=True)
        .first()
    )
    if call is None:
        raise errors.CallNotFound()
    return call


def ringing_calls_for(*, user_id: int) -> list[Call]:
    """Live calls still ringing this person (their ring not yet expired)."""
    return list(
        Call.objects.select_related("host")
        .filter(
            ended_at__isnull=True,
            participants__user_id=user_id,
            participants__state=CallParticipant.State.RINGING,
            participants__ring_until__gt=timezone.now(),
        )
        .order_by("pk")
    )


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def duration_seconds(call: Call) -> int:
    """Talk time: from the first answer to the end (0 when nobody answered)."""
    if call.answered_at is None or call.ended_at is None:
        return 0
    return max(0, int((call.ended_at - call.answered_at).total_seconds()))


def call_models(calls: Sequence[Call]) -> dict[int, wire.Call]:
    """The wire models of many calls, in three queries however many calls."""
    ids = [c.pk for c in calls]
    participants: dict[int, list[CallParticipant]] = {i: [] for i in ids}
    for row in (
        CallParticipant.objects.select_related("user")
        .filter(call_id__in=ids)
        .order_by("created_at", "pk")
    ):
        participants[row.call_id].append(row)
    peers = dict(
        CallPeer.objects.filter(call_id__in=ids, left_at__isnull=True)
        .order_by("joined_at", "pk")
        .values_list("participant_id", "peer_id")
    )
    sfu = ice.sfu_available()
    models: dict[int, wire.Call] = {}
    for call in calls:
        ended = call.state == Call.State.ENDED
        fields: dict[str, Any] = {
            "id": call.pk,
            "conversation_id": call.conversation_id,
            "media": call.media,
            "mode": call.mode,
            "state": call.state,
            "host": user_brief(call.host),
            "started_at": call.started_at.isoformat(),
            "recording": call.recording,
            "mesh_limit": settings.ZT_CALL_MESH_LIMIT,
            "sfu_available": sfu,
            "participants": [_participant(p, peers.get(p.pk)) for p in participants[call.pk]],
        }
        if ended:
            fields["ended_at"] = _iso(call.ended_at)
            fields["duration_seconds"] = duration_seconds(call)
        models[call.pk] = wire.Call(**fields)
    return models


def _participant(row: CallParticipant, peer_id: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "user": user_brief(row.user),
        "state": row.state,
        "invited": row.invited,
        "muted": row.muted,
        "camera": row.camera,
        "screen": row.screen,
    }
    if row.joined_at is not None:
        out["joined_at"] = row.joined_at.isoformat()
    if row.left_at is not None:
        out["left_at"] = row.left_at.isoformat()
    if peer_id is not None and row.state == CallParticipant.State.JOINED:
        out["peer_id"] = peer_id
    return out


def call_model(call: Call) -> wire.Call:
    return call_models([call])[call.pk]


def call_payload(call: Call) -> dict[str, Any]:
    """The call as REST and the socket send it (docs/calls.md "Call")."""
    return dump(call_model(call))


def member_ids(call: Call) -> list[int]:
    """Who hears of every change of the call: the conversation's active members."""
    return list(
        Membership.objects.filter(conversation_id=call.conversation_id, is_active=True).values_list(
            "user_id", flat=True
        )
    )
