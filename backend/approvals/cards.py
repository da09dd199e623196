"""The `approval` card: a live view of a request, with the buttons this viewer may press."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from backend.approvals import selectors
from backend.approvals.models import Approval
from backend.approvals.services import SUBJECT, approval_act
from backend.common.errors import InvalidInput, NotFound
from backend.directory.models import User
from backend.workflow import selectors as flow
from backend.workflow.services import ActParams
from realtime.cards import CardAction, CardView

# A card offers the everyday decisions; 退回/加签 and choosing the next
# handler need more than a button, so they live on the detail page.
CARD_ACTIONS = ("approve", "reject", "transfer", "urge", "withdraw")
STATUS_STYLE = {"running": "primary", "returned": "warning", "approved": "success"}


def card_actions(approval: Approval, viewer: User) -> list[CardAction]:
    """The detail page's actions that a card can carry, in the same shape."""
    return [
        a
        for a in flow.actions_for(approval.flow, viewer, timezone.now())
        if a["action"] in CARD_ACTIONS and not a["needs_next_assignees"]
    ]


class ApprovalCard:
    card_type = SUBJECT

    def render(self, object_id: str, viewer: Any) -> CardView:
        try:
            approval = selectors.approval_get(viewer=viewer, approval_id=int(object_id))
        except (NotFound, ValueError):
            return {
                "title": "审批",
                "status": "hidden",
                "status_label": "",
                "fields": [],
                "actions": [],
                "link": "",
            }
        fields = [
            {"label": f["label"], "value": f["value"]}
            for f in selectors.display_fields(approval)[: selectors.SUMMARY_FIELDS]
        ]
        step = selectors.current_step_name(approval)
        if step:
            fields.append({"label": "当前步骤", "value": step})
        return {
            "title": approval.title,
            "status": approval.status,
            "status_label": Approval.Status(approval.status).label,
            "fields": fields,
            "actions": card_actions(approval, viewer),
            "link": f"/approvals/{approval.pk}",
        }

    def act(self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]) -> CardView:
        if action not in CARD_ACTIONS:
            raise InvalidInput("卡片上不能执行此操作,请在详情页处理", code="unknown_card_action")
        user_id = payload.get("user_id")
        params = ActParams(
            opinion=str(payload.get("opinion") or ""),
            user_id=user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None,
        )
        approval_act(actor=viewer, approval_id=int(object_id), action=action, params=params)
        return self.render(object_id, viewer)
