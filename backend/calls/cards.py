"""The call card (card type `call`): posted into the conversation when a call starts.

While the call rings or goes on it reads 语音通话/视频通话 · N人 with a 加入
button; when it ends, 通话时长 mm:ss and who took part; a call nobody
answered reads 未接来电, one the host hung up before an answer 已取消, one
every person rung declined 已拒绝. The `join` button opens the call screen:
the client joins over the socket (`call_join`), so pressing it through
`card_action` only returns the current view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.calls.models import Call, CallParticipant
from backend.calls.selectors import duration_seconds
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from realtime.cards import CardView, card_action
from realtime.models import Membership

ENDED_STATUS = {
    Call.EndReason.MISSED: ("missed", "未接来电"),
    Call.EndReason.CANCELLED: ("cancelled", "已取消"),
    Call.EndReason.DECLINED: ("declined", "已拒绝"),
}


def _hidden() -> CardView:
    return {
        "title": "通话",
        "status": "hidden",
        "status_label": "",
        "fields": [],
        "actions": [],
        "link": "",
    }


def mm_ss(seconds: int) -> str:
    minutes, rest = divmod(max(0, seconds), 60)
    return f"{minutes:02d}:{rest:02d}"


def _view(call: Call, rows: list[CallParticipant]) -> CardView:
    title = Call.Media(call.media).label
    link = f"/chats/{call.conversation_id}?call={call.pk}"
    if call.state != Call.State.ENDED:
        joined = sum(1 for p in rows if p.state == CallParticipant.State.JOINED)
        return {
            "title": title,
            "status": call.state,
            "status_label": f"{title} · {joined}人",
            "fields": [{"label": "人数", "value": f"{joined}人"}],
            "actions": [card_action("join", "加入", style="primary")],
            "link": link,
        }
    status = ENDED_STATUS.get(Call.EndReason(call.end_reason))
    if status is not None:
        return {
            "title": title,
            "status": status[0],
            "status_label": status[1],
            "fields": [],
            "actions": [],
            "link": link,
        }
    took_part = [p.user.name for p in rows if p.joined_at is not None]
    length = mm_ss(duration_seconds(call))
    return {
        "title": title,
        "status": "ended",
        "status_label": f"通话时长 {length}",
        "fields": [
            {"label": "通话时长", "value": length},
            {"label": "参与人", "value": "、".join(took_part)},
        ],
        "actions": [],
        "link": link,
    }


class CallCard:
    card_type = "call"

    def render(self, object_id: str, viewer: Any) -> CardView:
        return self.render_many([object_id], viewer)[object_id]

    def render_many(self, object_ids: Sequence[str], viewer: Any) -> dict[str, CardView]:
        """Views of many call cards for one viewer, in three queries."""
        ids = {oid: int(oid) for oid in object_ids if oid.isdigit() and len(oid) < 19}
        calls = {c.pk: c for c in Call.objects.filter(pk__in=set(ids.values())).order_by("pk")}
        member_of = set(
            Membership.objects.filter(
                user_id=viewer.pk,
                is_active=True,
                conversation_id__in={c.conversation_id for c in calls.values()},
            ).values_list("conversation_id", flat=True)
        )
        rows: dict[int, list[CallParticipant]] = {pk: [] for pk in calls}
        for row in (
            CallParticipant.objects.select_related("user")
            .filter(call_id__in=list(calls))
            .order_by("created_at", "pk")
        ):
            rows[row.call_id].append(row)
        views: dict[str, CardView] = {}
        for object_id in object_ids:
            call = calls.get(ids.get(object_id, -1))
            if call is None or call.conversation_id not in member_of:
                views[object_id] = _hidden()
            else:
                views[object_id] = _view(call, rows[call.pk])
        return views

    def act(self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]) -> CardView:
        if action != "join":
            raise InvalidInput.of(codes.UNKNOWN_CARD_ACTION)
        return self.render(object_id, viewer)
