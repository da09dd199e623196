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

from typing import Any, NotRequired, Protocol, TypedDict

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from realtime.models import Membership


class CardAction(TypedDict):
    """A button: `action` is sent back to `act`; `label` is what the user reads."""

    action: str
    label: str
    style: str  # "primary" | "danger" | "default"
    needs_opinion: bool
    # The client asks for a person first and sends `{"user_id": …}` (转办).
    needs_person: NotRequired[bool]


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
        raise InvalidInput.of(codes.UNKNOWN_CARD_TYPE) from None


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
