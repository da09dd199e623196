"""The 待办 centre: every app that can wait on someone reports here.

An app registers a `TodoSource` in its `AppConfig.ready()` (approvals now;
documents, supervision and meetings later). The centre only merges what the
sources say; each source decides what is waiting on whom.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from backend.directory.models import User
from backend.workflow.models import Task
from push import services as push
from realtime import event_types as wire
from realtime import events
from realtime.event_types import dump


@dataclass(frozen=True)
class TodoItem:
    app: str
    kind: str
    id: str
    title: str
    subtitle: str
    link: str
    created_at: datetime
    due_at: datetime | None = None
    overdue: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def for_task(
    task: Task, *, app: str, kind: str, id: str, title: str, subtitle: str, link: str, now: datetime
) -> TodoItem:
    """A flow task waiting on its assignee: opened when, due when, overdue or not."""
    return TodoItem(
        app=app,
        kind=kind,
        id=id,
        title=title,
        subtitle=subtitle,
        link=link,
        created_at=task.opened_at or task.created_at,
        due_at=task.due_at,
        overdue=task.overdue_at is not None or bool(task.due_at and task.due_at < now),
    )


class TodoSource(Protocol):
    app: str
    label: str

    def count(self, user: User) -> int: ...

    def items(self, user: User, limit: int) -> list[TodoItem]: ...


_sources: dict[str, TodoSource] = {}


def register(source: TodoSource) -> None:
    _sources[source.app] = source


def counts_for(user: User) -> dict[str, int]:
    counts = {app: source.count(user) for app, source in _sources.items()}
    return {"total": sum(counts.values()), **counts}


def items_for(user: User, limit: int = 200) -> list[TodoItem]:
    """Overdue first, then the nearest deadline, then the newest."""
    items = [item for source in _sources.values() for item in source.items(user, limit)]
    items.sort(key=lambda i: i.created_at, reverse=True)
    items.sort(key=lambda i: (not i.overdue, i.due_at is None, i.due_at or i.created_at))
    return items[:limit]


def changed(user_ids: Iterable[int]) -> None:
    """Ring each person's 待办 doorbell with their new counts (sent after commit).

    Counts are read now, inside the change's transaction, so they already
    include it; the client refetches the list on this event and on reconnect.
    """
    for user in User.objects.filter(pk__in=sorted(set(user_ids)), is_bot=False):
        todo = wire.TodoChangedEvent(data=wire.TodoChangedData(counts=counts_for(user)))
        events.publish([user.pk], dump(todo))


def item_opened(user_ids: Iterable[int], item: TodoItem, *, key: str) -> None:
    """Something new now waits on these people: push at once ("您有新的待办: …").

    Call inside the change's transaction, from the app's flow listener, once
    per new 待办. `key` names this occurrence (a task and when it opened), so
    a repeated call never pushes twice, while the same item waiting on someone
    again later (returned, resubmitted) is new. Quiet hours hold it.
    """
    push.notify(
        user_ids,
        kind="todo",
        title=f"您有新的待办: {item.title}",
        body=item.subtitle,
        url=item.link,
        tag=f"todo:{item.app}:{item.id}",
        dedup_key=f"todo:{item.app}:{key}",
    )
