"""Every frame the server sends over the WebSocket, declared once (like Zulip's event_types).

The builders (`realtime.payloads`, `realtime.socket_ops`, the services that
publish) construct these models and send `dump(model)`; tests validate every
captured event and every received frame with `validate_frame` (realtime.events
`capture_events`, tests/realtime/conftest.py). The models also appear in
/api/schema/ (components `Ws…`, mobile_api.schema_hooks) so the PWA can
generate its socket types. docs/protocol.md describes the same frames in prose.

Timestamps are ISO 8601 strings, sent exactly as built. Optional fields with
no value are left out of the frame (`exclude_unset`), never sent as null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.json_schema import SkipJsonSchema


def _tags_are_required(schema: dict[str, Any]) -> None:
    """The JSON Schema says what the wire says: `type` and `event` are always sent.

    They have defaults (fixed by the class), so pydantic would list them as
    optional; the generated PWA types would then make every tag optional.
    """
    tags = sorted(_TAGS.intersection(schema.get("properties", {})))
    if tags:
        schema["required"] = [*tags, *(f for f in schema.get("required", []) if f not in tags)]


class Frame(BaseModel):
    """Every frame and payload: no field that is not declared here."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_tags_are_required)

    def model_post_init(self, context: Any, /) -> None:
        # `type` and `event` are fixed by the class, yet always on the wire.
        self.model_fields_set.update(_TAGS.intersection(type(self).model_fields))


_TAGS = frozenset({"type", "event"})


def dump(model: BaseModel) -> dict[str, Any]:
    """The wire form of a model (optional fields that were not set stay out)."""
    # by_alias: a field named like a Python keyword (`from` of call.signal) is sent by its name.
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


# --- shared payloads (the same shapes as REST; mobile_api.v1.schemas) ----------------


class UserBrief(Frame):
    id: int
    name: str
    avatar: str | None
    is_bot: bool


class Attachment(Frame):
    id: str
    kind: Literal["image", "file"]
    name: str
    mime: str
    size: int
    width: int | None
    height: int | None
    url: str
    thumbnail_url: str | None


class Choice(Frame):
    id: str
    name: str


class Action(Frame):
    """A button the server offers, fully described (docs/protocol.md "A card action")."""

    action: str
    label: str
    style: Literal["primary", "danger", "warning", "default"]
    enabled: bool
    disabled_reason: str
    opinion: Literal["none", "optional", "required"]
    opinion_label: str
    needs_opinion: bool
    needs_person: bool
    needs_next_assignees: bool
    may_pass_on: bool
    positions: list[Choice]
    targets: list[Choice]
    confirm: str
    task_id: int | None


class LabelValue(Frame):
    label: str
    value: str


class CardView(Frame):
    title: str
    status: str
    status_label: str
    fields: list[LabelValue]
    actions: list[Action]
    link: str


class Card(Frame):
    card_type: str
    object_id: str
    view: CardView | None


class Quote(Frame):
    id: int
    seq: int
    sender_name: str
    excerpt: str


# A field that is left out when it has no value (`exclude_unset`): `None` is only the
# Python default, never sent, so the schema (and the PWA type) says "optional", not "nullable".
Absent = SkipJsonSchema[None]


# What a system message records (`realtime.services.groups`); the REST shape lists the same.
SystemAction = Literal[
    "group_created",
    "members_added",
    "member_removed",
    "member_left",
    "renamed",
    "owner_transferred",
    "admin_set",
    "dissolved",
    "history_visibility_set",
]


class MessageData(Frame):
    """What a system or card message says beyond its text (empty for the others)."""

    action: SystemAction | Absent = None
    by: int | Absent = None
    user_ids: list[int] | Absent = None
    old: str | Absent = None
    new: str | Absent = None
    is_admin: bool | Absent = None
    visible: bool | Absent = None  # history_visibility_set: shared with new members or not
    title: str | Absent = None
    sender_label: str | Absent = None


class UrgentMark(Frame):
    """A message its sender marked 加急: by which channels, by whom, when (null if not)."""

    channels: list[Literal["app", "sms", "ring"]]
    by: int
    at: str


class Message(Frame):
    id: int
    conversation_id: int
    seq: int
    kind: Literal["text", "image", "file", "system", "card"]
    sender: UserBrief | None
    text: str
    data: MessageData
    attachment: Attachment | None
    card: Card | None
    reply_to: Quote | None
    mentions: list[int]
    mention_all: bool
    client_id: str
    created_at: str
    recalled: bool
    recalled_by: int | None
    recall_until: str | None
    urgent: UrgentMark | None


class ConversationBrief(Frame):
    id: int
    kind: Literal["direct", "group"]
    name: str
    owner_id: int | None
    member_count: int
    last_seq: int
    last_pos: int
    dissolved: bool
    # Pre-join history shared with members who join later (groups; docs/protocol.md).
    history_visible_to_new_members: bool


class ConversationItem(ConversationBrief):
    peer: UserBrief | None
    my_role: Literal["owner", "admin", "member"]
    unread_count: int
    mention_count: int
    muted: bool
    pinned: bool
    last_read_seq: int
    last_message: Message | None
    last_message_at: str | None
    can_recall_any: bool


# --- event data ----------------------------------------------------------------------


class Empty(Frame):
    pass


class RecalledData(Frame):
    message_id: int
    seq: int
    by: int


class CardUpdatedData(Frame):
    card_type: str
    object_id: str
    # Rendered per viewer when the event reaches a socket; absent on the bus.
    view: CardView | None = None


class MembersAddedData(Frame):
    user_ids: list[int]
    by: int


class MembersRemovedData(Frame):
    user_ids: list[int]
    by: int
    action: Literal["removed", "left"]


class ConversationUpdatedData(Frame):
    conversation: ConversationBrief


class DissolvedData(Frame):
    by: int


class ConversationAddedData(Frame):
    conversation: ConversationItem


class ReadData(Frame):
    user_id: int
    seq: int
    previous_seq: int


class TypingData(Frame):
    user_id: int
    name: str


class PresenceData(Frame):
    user_id: int
    status: Literal["online", "away", "offline"]


class MembershipUpdatedData(Frame):
    muted: bool
    pinned: bool


class TodoChangedData(Frame):
    counts: dict[str, int]


class SupervisionChangedData(Frame):
    # The 督办 task that changed and every task above it (their roll-ups moved).
    task_ids: list[int]


class UrgentData(Frame):
    message_id: int
    seq: int
    sender_id: int
    sender_name: str
    text: str
    ring: bool
    reminder: bool
    # The message's new `urgent` (as in history): the client patches the message it holds.
    urgent: UrgentMark


# --- calls (backend.calls; docs/calls.md) ----------------------------------------------------


class CallParticipant(Frame):
    """One person in a call (per person; `peer_id` names their joined device)."""

    user: UserBrief
    state: Literal["ringing", "joined", "left", "declined", "missed", "removed"]
    invited: bool
    joined_at: str | Absent = None
    left_at: str | Absent = None
    muted: bool
    camera: bool
    screen: bool
    peer_id: str | Absent = None


class Call(Frame):
    """A call as every member of its conversation sees it (REST `Call` has the same fields)."""

    id: int
    conversation_id: int
    media: Literal["audio", "video"]
    mode: Literal["mesh", "sfu"]
    state: Literal["ringing", "ongoing", "ended"]
    host: UserBrief
    started_at: str
    ended_at: str | Absent = None
    duration_seconds: int | Absent = None
    recording: bool
    mesh_limit: int
    sfu_available: bool
    participants: list[CallParticipant]


class IceServer(Frame):
    urls: list[str]
    username: str | Absent = None
    credential: str | Absent = None


class Sfu(Frame):
    """Where and how to publish/subscribe in SFU mode (Janus VideoRoom)."""

    url: str
    room: int
    token: str
    display: str


class CallData(Frame):
    call: Call


class CallSignalData(Frame):
    model_config = ConfigDict(populate_by_name=True)

    call_id: int
    from_: str = Field(alias="from")
    from_user_id: int
    kind: Literal["offer", "answer", "ice", "bye"]
    data: dict[str, Any]


# --- events ----------------------------------------------------------------------------


class _Positional(Frame):
    """Durable and ordered: carries `pos` (docs/protocol.md, "Positional events")."""

    type: Literal["event"] = "event"
    conversation_id: int
    pos: int


class MessageNewEvent(_Positional):
    event: Literal["message.new"] = "message.new"
    data: Empty
    message: Message


class MessageRecalledEvent(_Positional):
    event: Literal["message.recalled"] = "message.recalled"
    data: RecalledData
    message: Message


class CardUpdatedEvent(_Positional):
    event: Literal["card.updated"] = "card.updated"
    data: CardUpdatedData


class MemberAddedEvent(_Positional):
    event: Literal["member.added"] = "member.added"
    data: MembersAddedData


class MemberRemovedEvent(_Positional):
    event: Literal["member.removed"] = "member.removed"
    data: MembersRemovedData


class ConversationUpdatedEvent(_Positional):
    event: Literal["conversation.updated"] = "conversation.updated"
    data: ConversationUpdatedData


class ConversationDissolvedEvent(_Positional):
    event: Literal["conversation.dissolved"] = "conversation.dissolved"
    data: DissolvedData


class _State(Frame):
    """Current state, not replayed."""

    type: Literal["event"] = "event"


class ConversationAddedEvent(_State):
    event: Literal["conversation.added"] = "conversation.added"
    conversation_id: int
    data: ConversationAddedData


class ConversationRemovedEvent(_State):
    event: Literal["conversation.removed"] = "conversation.removed"
    conversation_id: int
    data: Empty


class ResyncEvent(_State):
    event: Literal["resync"] = "resync"
    conversation_id: int
    data: Empty


class ReadEvent(_State):
    event: Literal["read"] = "read"
    conversation_id: int
    data: ReadData


class TypingEvent(_State):
    event: Literal["typing"] = "typing"
    conversation_id: int
    data: TypingData


class MembershipUpdatedEvent(_State):
    event: Literal["membership.updated"] = "membership.updated"
    conversation_id: int
    data: MembershipUpdatedData


class PresenceEvent(_State):
    event: Literal["presence"] = "presence"
    data: PresenceData


class TodoChangedEvent(_State):
    event: Literal["todo.changed"] = "todo.changed"
    data: TodoChangedData


class SupervisionChangedEvent(_State):
    event: Literal["supervision.changed"] = "supervision.changed"
    data: SupervisionChangedData


class MessageUrgentEvent(_State):
    event: Literal["message.urgent"] = "message.urgent"
    conversation_id: int
    data: UrgentData


class CallRingingEvent(_State):
    event: Literal["call.ringing"] = "call.ringing"
    conversation_id: int
    data: CallData


class CallUpdatedEvent(_State):
    event: Literal["call.updated"] = "call.updated"
    conversation_id: int
    data: CallData


class CallSignalEvent(_State):
    """Signalling for one peer, sent only to that peer's socket."""

    event: Literal["call.signal"] = "call.signal"
    data: CallSignalData


Event = Annotated[
    MessageNewEvent
    | MessageRecalledEvent
    | CardUpdatedEvent
    | MemberAddedEvent
    | MemberRemovedEvent
    | ConversationUpdatedEvent
    | ConversationDissolvedEvent
    | ConversationAddedEvent
    | ConversationRemovedEvent
    | ResyncEvent
    | ReadEvent
    | TypingEvent
    | MembershipUpdatedEvent
    | PresenceEvent
    | TodoChangedEvent
    | MessageUrgentEvent
    | SupervisionChangedEvent
    | CallRingingEvent
    | CallUpdatedEvent
    | CallSignalEvent,
    Field(discriminator="event"),
]

POSITIONAL_EVENTS: dict[str, type[_Positional]] = {
    "message.new": MessageNewEvent,
    "message.recalled": MessageRecalledEvent,
    "card.updated": CardUpdatedEvent,
    "member.added": MemberAddedEvent,
    "member.removed": MemberRemovedEvent,
    "conversation.updated": ConversationUpdatedEvent,
    "conversation.dissolved": ConversationDissolvedEvent,
}


# --- replies and the greeting ------------------------------------------------------------


class SendAck(Frame):
    message: Message
    duplicate: bool


class ReadAck(Frame):
    last_read_seq: int


class RecallAck(Frame):
    message: Message


class PresenceAck(Frame):
    status: Literal["online", "away", "offline"]


class CardActionAck(Frame):
    view: CardView


class PingAck(Frame):
    server_time: float


class ResumeAck(Frame):
    positions: dict[str, int]


class CallJoinAck(Frame):
    call: Call
    peer_id: str
    ice_servers: list[IceServer]
    sfu: Sfu | Absent = None


AckData = (
    SendAck
    | ReadAck
    | RecallAck
    | PresenceAck
    | CardActionAck
    | PingAck
    | ResumeAck
    | CallJoinAck
    | Empty
)


class Ack(Frame):
    type: Literal["ack"] = "ack"
    id: str | int | None
    data: AckData


class Error(Frame):
    type: Literal["error"] = "error"
    id: str | int | None
    code: str
    message: str
    fields: dict[str, Any] | None = None


class Hello(Frame):
    type: Literal["hello"] = "hello"
    user_id: int
    server_time: float


ServerFrame = Annotated[Hello | Ack | Error | Event, Field(union_mode="left_to_right")]

_frame_adapter: TypeAdapter[Any] = TypeAdapter(ServerFrame)
_event_adapter: TypeAdapter[Any] = TypeAdapter(Event)


def validate_event(event: dict[str, Any]) -> None:
    """Raise `pydantic.ValidationError` unless `event` is a declared event, exactly."""
    _event_adapter.validate_python(event)


def validate_frame(frame: dict[str, Any]) -> None:
    """Raise unless `frame` is a declared server frame (hello, ack, error, event), exactly."""
    if frame.get("type") == "event":
        _event_adapter.validate_python(frame)
    else:
        _frame_adapter.validate_python(frame)


def openapi_components() -> dict[str, Any]:
    """JSON Schemas of every frame, as OpenAPI 3.1 components named `Ws<Model>`."""
    schema = TypeAdapter(ServerFrame).json_schema(
        ref_template="#/components/schemas/Ws{model}", mode="serialization"
    )
    components = {f"Ws{name}": sub for name, sub in schema.pop("$defs", {}).items()}
    components["WsServerFrame"] = schema
    return components
