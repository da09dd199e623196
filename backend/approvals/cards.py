"""The `approval` card: a live view of a request, with the buttons this viewer may press."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from backend.approvals import selectors
from backend.approvals.models import Approval
from backend.approvals.services import SUBJECT, approval_act
from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import User
from backend.workflow import selectors as flow
from backend.workflow.services import ActParams
from realtime.cards import CardAction, CardView

# A card offers the everyday decisions; 退回/加签 and choosing the next
# handler need more than a button, so they live on the detail page.
CARD_ACTIONS = ("approve", "reject", "transfer", "urge", "withdraw")
STATUS_STYLE = {"running": "primary", "returned": "warning", "approved": "success"}


def _hidden() -> CardView:
    """What someone who may not see the request gets: the card's frame, nothing of it."""
    return {
        "title": "审批",
        "status": "hidden",
        "status_label": "",
        "fields": [],
        "actions": [],
        "link": "",
    }


def card_actions(actions: list[CardAction]) -> list[CardAction]:
    """The detail page's actions that a card can carry, in the same shape.

    A card is a one-tap surface: an opinion the detail page offers as optional
    (同意, 转办) is not asked for on the card — writing one, with 常用意见, is
    on the detail page one tap away. A required opinion is asked everywhere.
    """
    return [
        _one_tap(a)
        for a in actions
        if a["action"] in CARD_ACTIONS and not a["needs_next_assignees"]
    ]


def _one_tap(action: CardAction) -> CardAction:
    if action["opinion"] != "optional":
        return action
    return {**action, "opinion": "none", "opinion_label": ""}


def _view(approval: Approval, shown: list[dict[str, str]], actions: list[CardAction]) -> CardView:
    fields = [{"label": f["label"], "value": f["value"]} for f in shown[: selectors.SUMMARY_FIELDS]]
    step = selectors.current_step_name(approval)
    if step:
        fields.append({"label": "当前步骤", "value": step})
    headline = _headline(approval)
    return {
        "title": f"{approval.title} · {headline}" if headline else approval.title,
        "status": approval.status,
        "status_label": Approval.Status(approval.status).label,
        "fields": fields,
        "actions": card_actions(actions),
        "link": f"/approvals/{approval.pk}",
    }


def _headline(approval: Approval) -> str:
    """What the request is at a glance, for its card title: the first choice made and
    the days asked for (「事假2天」 for a leave), from the stored form."""
    choice = next(
        (
            approval.form.get(f["key"])
            for f in approval.fields
            if f["type"] == "select" and approval.form.get(f["key"])
        ),
        None,
    )
    span = next(
        (
            approval.form.get(f["key"])
            for f in approval.fields
            if f["type"] == "daterange" and approval.form.get(f["key"])
        ),
        None,
    )
    days = f"{span['days']}天" if isinstance(span, dict) and span.get("days") else ""
    return f"{choice if isinstance(choice, str) else ''}{days}"


def _approval_ids(object_ids: Sequence[str]) -> dict[str, int]:
    """The object ids that name a request; any other is rendered hidden."""
    ids = {}
    for object_id in object_ids:
        try:
            ids[object_id] = int(object_id)
        except ValueError:
            continue
    return ids


class ApprovalCard:
    card_type = SUBJECT

    def render(self, object_id: str, viewer: Any) -> CardView:
        return self.render_many([object_id], viewer)[object_id]

    def render_many(self, object_ids: Sequence[str], viewer: User) -> dict[str, CardView]:
        """Views of many requests for one viewer in a fixed number of queries.

        The visible requests with their template, initiator and flow (1 query),
        their display fields (one per kind of named thing: people, departments,
        rooms) and the viewer's actions (`flow.actions_for_many`: at most 4).
        """
        ids = _approval_ids(object_ids)
        visible = selectors.approvals_visible(viewer=viewer, approval_ids=ids.values())
        approvals = list(visible.values())
        shown = dict(zip(visible, selectors.display_fields_many(approvals), strict=True))
        now = timezone.now()
        actions = flow.actions_for_many([a.flow for a in approvals], viewer, now)
        views: dict[str, CardView] = {}
        for object_id in object_ids:
            approval = visible.get(ids.get(object_id, 0))
            views[object_id] = (
                _view(
                    approval,
                    shown[approval.pk],
                    selectors.offered(approval, actions[approval.flow.pk], now),
                )
                if approval is not None
                else _hidden()
            )
        return views

    def act(self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]) -> CardView:
        if action not in CARD_ACTIONS:
            raise InvalidInput.of(codes.UNKNOWN_CARD_ACTION)
        user_id = payload.get("user_id")
        params = ActParams(
            opinion=str(payload.get("opinion") or ""),
            user_id=user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None,
        )
        approval_act(actor=viewer, approval_id=int(object_id), action=action, params=params)
        return self.render(object_id, viewer)
