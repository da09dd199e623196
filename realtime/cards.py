"""The card registry: how domain apps put live, actionable cards into chat.

A card message stores only a reference (`card_type`, `object_id`). The
messaging core never imports a domain app; instead each app registers a
`CardType` in its `AppConfig.ready()`:

    from realtime import cards
    cards.register(ApprovalCard())

Rendering asks the owning app for the object's current state *for that
viewer* (so a card never shows a button its viewer may not press); acting
calls the owning app's service, which checks that this person may act now.
When the object changes, the owning app calls
`realtime.services.card_updated(card_type, object_id)` inside its
transaction and every conversation showing the card gets a `card.updated`
event.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, TypedDict

from backend.common.errors import InvalidInput
from realtime.models import Membership

OpinionNeed = Literal["none", "optional", "required"]
ActionStyle = Literal["primary", "danger", "warning", "default"]


class ActionChoice(TypedDict):
    """One option of an action's choice list (加签 positions, 退回 targets)."""

    id: str
    name: str


class CardAction(TypedDict):
    """A button, fully described by the server: the client renders it and asks
    for exactly what it says, and restates no rule of its own.

    The same shape serves card views and an app's detail page (e.g. the
    `actions` of GET /api/v1/approvals/{id}); build it with `card_action()`.
    """

    action: str  # sent back as is
    label: str  # what the button reads
    style: ActionStyle
    enabled: bool  # may this viewer press it now
    disabled_reason: str  # Chinese, when not enabled; else ""
    opinion: OpinionNeed
    opinion_label: str  # the sheet's field label; "" when opinion is "none"
    needs_opinion: bool  # for old clients: opinion == "required"
    needs_person: bool  # pick one person -> payload "user_id"
    needs_next_assignees: bool  # pick the next step's handlers -> "next_assignees"
    may_pass_on: bool  # 自由流: the handler may pass a free step on
    positions: list[ActionChoice]  # 加签: before/after; else []
    targets: list[ActionChoice]  # 退回: where to; else []
    confirm: str  # a confirmation question, or ""
    task_id: int | None  # the task it acts on


def card_action(
    action: str,
    label: str,
    *,
    style: ActionStyle = "default",
    opinion: OpinionNeed = "none",
    opinion_label: str = "意见",
    enabled: bool = True,
    disabled_reason: str = "",
    needs_person: bool = False,
    needs_next_assignees: bool = False,
    may_pass_on: bool = False,
    positions: list[ActionChoice] | None = None,
    targets: list[ActionChoice] | None = None,
    confirm: str = "",
    task_id: int | None = None,
) -> CardAction:
    """The one way to describe an action; every field is set, none left to the client."""
    return {
        "action": action,
        "label": label,
        "style": style,
        "enabled": enabled,
        "disabled_reason": "" if enabled else disabled_reason,
        "opinion": opinion,
        "opinion_label": "" if opinion == "none" else opinion_label,
        "needs_opinion": opinion == "required",
        "needs_person": needs_person,
        "needs_next_assignees": needs_next_assignees,
        "may_pass_on": may_pass_on,
        "positions": list(positions or []),
        "targets": list(targets or []),
        "confirm": confirm,
        "task_id": task_id,
    }


class CardView(TypedDict):
    """What a viewer sees: never more than they may see, never a button they may not use."""

    title: str
    status: str
    status_label: str
    fields: list[dict[str, str]]
    actions: list[CardAction]
    link: str


class CardType(Protocol):
    """Implemented by a domain app for each kind of card it sends."""

    card_type: str

    def render(self, object_id: str, viewer: Any) -> CardView: ...

    def act(
        self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]
    ) -> CardView: ...


_registry: dict[str, CardType] = {}


def register(card: CardType) -> None:
    _registry[card.card_type] = card


def unregister(card_type: str) -> None:
    _registry.pop(card_type, None)


def get(card_type: str) -> CardType:
    try:
        return _registry[card_type]
    except KeyError:
        raise InvalidInput("未知的卡片类型", code="unknown_card_type") from None


def render_for(card_type: str, object_id: str, viewer: Any) -> CardView | None:
    """The viewer's view of a card, or None when its type is not installed."""
    card = _registry.get(card_type)
    if card is None:
        return None
    return card.render(object_id, viewer)


# --- who sees a card outside its flow --------------------------------------------
# A domain object posted into a group is visible to that group's members; these
# two reads let the owning app apply that rule without reaching into realtime's
# tables.


def is_active_member(*, conversation_id: int, user_id: int) -> bool:
    return Membership.objects.filter(
        conversation_id=conversation_id, user_id=user_id, is_active=True
    ).exists()


def active_conversation_ids(*, user_id: int) -> Any:
    """A subquery of the conversations the person is in now."""
    return Membership.objects.filter(user_id=user_id, is_active=True).values("conversation_id")
