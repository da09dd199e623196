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

Rendering is batched: wherever several cards are shown to one viewer (a
history page, the conversation list, search results, a resume or gap fill),
the core calls `render_for_many`, which groups the cards by type and asks
each type's `render_many` once, so a page costs a fixed number of queries
however many cards it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol, TypedDict

from backend.common import error_catalogue as codes
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
    """Implemented by a domain app for each kind of card it sends.

    `render_many` is the batch form of `render`: the views of many objects
    for one viewer, keyed by object id, with an entry for every id asked
    (a hidden view for an object the viewer may not see), each identical to
    what `render` returns for it, in a fixed number of queries however many
    ids. `render` may simply delegate to it. A card type registered without
    `render_many` still works: the registry renders its cards one by one
    (`render_each`), at a cost per card.
    """

    card_type: str

    def render(self, object_id: str, viewer: Any) -> CardView: ...

    def render_many(self, object_ids: Sequence[str], viewer: Any) -> dict[str, CardView]: ...

    def act(
        self, object_id: str, viewer: Any, action: str, payload: dict[str, Any]
    ) -> CardView: ...


CardKey = tuple[str, str]  # (card_type, object_id), as a card message stores it
CardViews = dict[CardKey, CardView]  # one viewer's views, from render_for_many


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
    """The viewer's view of one card, or None when its type is not installed."""
    card = _registry.get(card_type)
    if card is None:
        return None
    return card.render(object_id, viewer)


def render_each(card: Any, object_ids: Sequence[str], viewer: Any) -> dict[str, CardView]:
    """The per-card fallback of `render_many`: one `render` per object (a query cost per card)."""
    return {object_id: card.render(object_id, viewer) for object_id in object_ids}


def render_for_many(pairs: Iterable[CardKey], viewer: Any) -> CardViews:
    """The viewer's views of many cards, one `render_many` call per card type.

    Keyed by `(card_type, object_id)`; a card whose type is not installed has
    no entry (like `render_for` returning None). Repeated pairs render once.
    """
    wanted: dict[str, dict[str, None]] = {}  # an ordered set of ids per type
    for card_type, object_id in pairs:
        wanted.setdefault(card_type, {})[object_id] = None
    views: CardViews = {}
    for card_type, ids in wanted.items():
        object_ids = list(ids)
        card = _registry.get(card_type)
        if card is None:
            continue
        # A card type without render_many (an older one, a test double) is
        # rendered card by card; every card app in this repository has it.
        render_many = getattr(card, "render_many", None)
        rendered = (
            render_many(object_ids, viewer)
            if render_many is not None
            else render_each(card, object_ids, viewer)
        )
        for object_id, view in rendered.items():
            views[(card_type, object_id)] = view
    return views


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
