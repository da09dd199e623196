"""Gapless serial numbers: 发文字号 per 代字 per year, 收文编号 per unit per year.

`next_number` locks the series' counter row for the rest of the caller's
transaction: two registrations at once are serialised, a rolled-back one
gives its number back (the counter row rolls back with it), and a number
once committed is never handed out again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from backend.documents.models import SerialCounter


def next_number(scope: str, year: int, *, taken: Callable[[int], bool] | None = None) -> int:
    """The next free number of a series; call inside the transaction that uses it.

    `taken(n)` says a number is already used (a 文号 entered by hand): it is
    skipped, and the counter moves past it.
    """
    _ensure_row(scope, year)
    counter = SerialCounter.objects.select_for_update().get(scope=scope, year=year)
    number = counter.last + 1
    while taken is not None and taken(number):
        number += 1
    counter.last = number
    counter.save(update_fields=["last"])
    return number


def _ensure_row(scope: str, year: int) -> None:
    if SerialCounter.objects.filter(scope=scope, year=year).exists():
        return
    try:
        with transaction.atomic():  # a savepoint: losing the race to create it is harmless
            SerialCounter.objects.create(scope=scope, year=year)
    except IntegrityError:
        pass


def doc_number(prefix: str, year: int, seq: int) -> str:
    """发文字号 as GB/T 9704 writes it: 代字〔2026〕12号."""
    return f"{prefix}〔{year}〕{seq}号"


def register_number(year: int, seq: int) -> str:
    """收文编号: 收〔2026〕3号."""
    return f"收〔{year}〕{seq}号"
