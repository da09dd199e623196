"""Approval forms: the shared form engine (backend.forms) plus the meeting-room field.

Everything about field types lives in `backend.forms`; this module adds what
only approvals have, through the same `FieldType` interface: a `room` field
whose value is a meeting room of the template's unit (booked by services
when the request is submitted). A template's `fields` is validated with
`validate_schema` when saved, a submission cleaned with `clean_form`,
`facts` feed the flow's conditions, and `display` / `display_many` render
values for the detail view, the lists and the chat card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend.approvals.models import MeetingRoom
from backend.directory.models import Unit, User
from backend.forms import (
    COMPARE_ID,
    Comparable,
    Context,
    Field,
    FieldError,
    FieldType,
    FormEngine,
    evaluate,
    is_id,
    registry,
)
from backend.forms import FIELD_TYPES as SHARED_TYPES

__all__ = [
    "FIELD_TYPES",
    "ApprovalContext",
    "clean_form",
    "display",
    "display_many",
    "evaluate",
    "facts",
    "validate_condition",
    "validate_schema",
]


@dataclass(frozen=True)
class ApprovalContext(Context):
    """`room_exists(id)` says whether a meeting room of the unit may be booked."""

    room_exists: Callable[[int], bool] | None = None


class RoomField(FieldType):
    """A meeting room of the initiator's unit; shown by name."""

    name = "room"
    required_verb = "请选择"
    references = "room"

    def clean(self, field: Field, raw: Any, context: Context) -> int:
        exists = context.room_exists if isinstance(context, ApprovalContext) else None
        # Without a lookup that knows the unit's rooms, no room is accepted.
        if not is_id(raw) or exists is None or not exists(raw):
            raise FieldError("会议室不存在")
        return int(raw)

    def comparable(self, field: Field) -> Comparable | None:
        return COMPARE_ID

    def load_names(self, ids: list[int]) -> dict[int, str]:
        return dict(MeetingRoom.objects.filter(pk__in=ids).values_list("pk", "name"))

    def show(self, field: Field, value: Any, names: Mapping[int, str]) -> str:
        return names.get(value, "未知会议室")


ROOM = RoomField()
# The room sits with the other pickers, ahead of the table, in the template editor.
FIELD_TYPES = registry(ROOM, base=SHARED_TYPES, before="table")
ENGINE = FormEngine(FIELD_TYPES)
validate_schema = ENGINE.validate_schema
validate_condition = ENGINE.validate_condition
facts = ENGINE.facts
display = ENGINE.display
display_many = ENGINE.display_many


def clean_form(
    fields: Sequence[Field],
    values: dict[str, Any],
    *,
    initiator: User,
    unit: Unit,
    room_exists: Callable[[int], bool] | None = None,
) -> dict[str, Any]:
    """Submitted values checked against a template's schema; what the request stores.

    `room_exists(id)` says whether a meeting room of `unit` may be booked;
    without it no room value is accepted.
    """
    context = ApprovalContext(initiator=initiator, unit=unit, room_exists=room_exists)
    return ENGINE.clean(fields, values, context=context)
