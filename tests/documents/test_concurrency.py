"""发文字号 under 20 concurrent registrations on PostgreSQL: gapless, unique, none lost."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from backend.directory.models import User
from backend.documents import numbering
from backend.documents.models import Document, SerialCounter
from tests.conftest import require_postgresql
from tests.documents.conftest import act, submit

pytestmark = pytest.mark.django_db(transaction=True)

REGISTRATIONS = 20


def _at_register(people: dict[str, User], org: dict[str, Any]) -> Document:
    document = submit(people["staff"], org)
    for who in ("clerk", "director", "clerk"):  # 核稿, 签发, 复核
        act(people[who], document)
    return document


def _run_all(work: list[Any]) -> list[BaseException]:
    barrier = threading.Barrier(len(work))
    failures: list[BaseException] = []

    def run(fn: Any) -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


def test_twenty_concurrent_registrations_get_1_to_20(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    require_postgresql("row locks under real concurrency")
    documents = [_at_register(people, org) for _ in range(REGISTRATIONS)]
    clerk = people["clerk"]
    failures = _run_all([lambda d=d: act(clerk, d) for d in documents])
    assert failures == []
    numbers = sorted(
        n or 0
        for n in Document.objects.filter(pk__in=[d.pk for d in documents]).values_list(
            "number_seq", flat=True
        )
    )
    assert numbers == list(range(1, REGISTRATIONS + 1))
    assert len({d.doc_number for d in Document.objects.all()}) == REGISTRATIONS
    assert SerialCounter.objects.get(scope__startswith="out:").last == REGISTRATIONS


def test_concurrent_first_use_of_a_series_creates_one_counter(db: Any) -> None:
    require_postgresql("row locks under real concurrency")
    got: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        from django.db import transaction

        with transaction.atomic():
            number = numbering.next_number("out:测试", 2026)
        with lock:
            got.append(number)

    assert _run_all([take] * REGISTRATIONS) == []
    assert sorted(got) == list(range(1, REGISTRATIONS + 1))
    assert connection.vendor == "postgresql"
