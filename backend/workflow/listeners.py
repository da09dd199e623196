"""How the apps that own subjects hear of engine changes, without the engine importing them.

An app registers one listener per `subject_type` in its `AppConfig.ready()`.
The engine calls it once per service call, inside the transaction, with
everything that changed; the app updates its own rows, cards and to-dos.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from backend.workflow.models import Instance, Task


@dataclass
class Change:
    """What one engine call did."""

    action: str
    actor_id: int | None
    opened: list[Task] = field(default_factory=list)
    cc_user_ids: list[int] = field(default_factory=list)
    urged_user_ids: list[int] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)
    # Everyone whose list of open tasks changed (for 待办 counts).
    touched_user_ids: set[int] = field(default_factory=set)
    ended: bool = False


@dataclass(frozen=True)
class Subject:
    """How people are told about an instance's subject (reminders name it, a tap opens it)."""

    title: str
    url: str = ""


class Listener(Protocol):
    def on_change(self, instance: Instance, change: Change) -> None: ...


@runtime_checkable
class Describes(Protocol):
    """Optional second method of a listener: the subject's title and link for reminders."""

    def describe(self, instance: Instance) -> Subject: ...


_listeners: dict[str, Listener] = {}


def register(subject_type: str, listener: Listener) -> None:
    _listeners[subject_type] = listener


def notify(instance: Instance, change: Change) -> None:
    listener = _listeners.get(instance.subject_type)
    if listener is not None:
        listener.on_change(instance, change)


def describe(instance: Instance) -> Subject:
    """The subject as its app names it; the flow's name when the app says nothing."""
    listener = _listeners.get(instance.subject_type)
    if isinstance(listener, Describes):
        return listener.describe(instance)
    return Subject(title=instance.version.definition.name)
