"""Who else still uses an attachment: the seam for 剩余信息保护 (residual information).

A chat attachment is removed from storage once nothing may show it any more
(`realtime.services.attachment_purge_if_unused`): no message that is not
recalled, no row of another table pointing at it by a foreign key (公文's
files), and no registered user. Domain apps that keep attachment tokens
inside JSON (审批 forms, 督办 reports) register a checker here in their
`AppConfig.ready()`; the messaging core never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models
from django.db.models import ForeignObjectRel, Q, TextField
from django.db.models.functions import Cast

# tokens -> the tokens among them that are still in use
Checker = Callable[[list[str]], set[str]]

_checkers: list[Checker] = []


def register(checker: Checker) -> None:
    if checker not in _checkers:
        _checkers.append(checker)


def json_fields(model: type[models.Model], *fields: str) -> Checker:
    """A checker for tokens held anywhere inside `model`'s JSON `fields` (as text)."""

    def check(tokens: list[str]) -> set[str]:
        used: set[str] = set()
        for name in fields:
            rows = model._default_manager.annotate(_zt_text=Cast(name, TextField()))
            for token in tokens:
                if token not in used and rows.filter(_zt_text__contains=token).exists():
                    used.add(token)
        return used

    return check


def tokens_in_use(tokens: Iterable[str]) -> set[str]:
    """The tokens a registered app still holds."""
    wanted = list(tokens)
    used: set[str] = set()
    for checker in _checkers:
        used |= checker([t for t in wanted if t not in used])
    return used


def referenced_by_other_tables(attachment: models.Model) -> bool:
    """Any row other than a message pointing at it by a foreign key (公文's files…);
    hidden relations (`related_name="+"`) included."""
    for relation in attachment._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        model = relation.related_model
        if not isinstance(model, type) or model._meta.label_lower == "realtime.message":
            continue
        if model._default_manager.filter(Q(**{relation.field.name: attachment})).exists():
            return True
    return False
