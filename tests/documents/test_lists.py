"""The 公文 lists: boxes, search and filters, pages, and a fixed query count (no N+1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.common.errors import InvalidInput
from backend.directory.models import User
from backend.documents import lists
from backend.todo import registry
from tests.documents.conftest import act, submit, to_distributed

pytestmark = pytest.mark.django_db(transaction=True)


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [r["document"]["id"] for r in rows]


def test_boxes_filters_and_pages(org: dict[str, Any], people: dict[str, User]) -> None:
    staff, clerk = people["staff"], people["clerk"]
    letter = submit(staff, org, kind="letter", title="关于商请提供数据的函")
    urgent = submit(staff, org, urgency="extra_urgent", title="关于防汛值班的通知")
    act(clerk, urgent)
    sent = to_distributed(people, org, title="关于印发工作要点的通知")
    page, more = lists.document_list(viewer=clerk, box="todo", filters=lists.Filters())
    assert (_ids(page), more) == ([letter.pk], False)
    done, _ = lists.document_list(viewer=clerk, box="done", filters=lists.Filters())
    assert _ids(done) == [sent.pk, urgent.pk]
    mine, _ = lists.document_list(viewer=staff, box="mine", filters=lists.Filters(kind="letter"))
    assert _ids(mine) == [letter.pk]
    found, _ = lists.document_list(viewer=staff, box="mine", filters=lists.Filters(query="防汛"))
    assert _ids(found) == [urgent.pk]
    hot, _ = lists.document_list(
        viewer=staff, box="mine", filters=lists.Filters(urgency="extra_urgent", status="running")
    )
    assert _ids(hot) == [urgent.pk]
    by_number, _ = lists.document_list(
        viewer=clerk, box="sent", filters=lists.Filters(query=sent.doc_number)
    )
    assert _ids(by_number) == [sent.pk]
    year = sent.created_at.year
    assert (
        _ids(lists.document_list(viewer=staff, box="mine", filters=lists.Filters(year=year - 1))[0])
        == []
    )
    first, more = lists.document_list(viewer=staff, box="mine", filters=lists.Filters(), size=2)
    second, last = lists.document_list(
        viewer=staff, box="mine", filters=lists.Filters(), page=2, size=2
    )
    assert (more, last) == (True, False)
    assert _ids(first) + _ids(second) == [sent.pk, urgent.pk, letter.pk]
    incoming, _ = lists.document_list(
        viewer=people["finance_clerk"], box="todo", filters=lists.Filters(status="delivered")
    )
    assert [r["receipt"]["status"] for r in incoming] == ["delivered"]
    counts = lists.document_counts(viewer=clerk)
    assert counts == {"todo": 1, "done": 2, "mine": 0, "sent": 1, "received": 0}
    assert registry.counts_for(people["finance_clerk"])["documents"] == 1
    for bad in (lists.Filters(kind="memo"), lists.Filters(status="lost")):
        with pytest.raises(InvalidInput):
            lists.document_list(viewer=staff, box="mine", filters=bad)
    # A year no date can have (Schemathesis sent 26359: a 500) is a 400, not a crash.
    for year in (26359, -5):
        with pytest.raises(InvalidInput) as refused:
            lists.document_list(viewer=staff, box="mine", filters=lists.Filters(year=year))
        assert refused.value.code == "invalid_param"
    with pytest.raises(InvalidInput):
        lists.document_list(viewer=staff, box="everything", filters=lists.Filters())


def test_a_page_costs_the_same_queries_for_2_and_8_rows(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    def queries(viewer: User, box: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows, _ = lists.document_list(viewer=viewer, box=box, filters=lists.Filters())
            lists.document_counts(viewer=viewer)
        return len(captured), len(rows)

    for _ in range(2):
        to_distributed(people, org)
    small = {box: queries(people["clerk"], box) for box in ("done", "sent")}
    small["received"] = queries(people["finance_clerk"], "todo")
    for _ in range(6):
        to_distributed(people, org)
    large = {box: queries(people["clerk"], box) for box in ("done", "sent")}
    large["received"] = queries(people["finance_clerk"], "todo")
    for box in small:
        assert small[box][1] == 2 and large[box][1] == 8
        assert small[box][0] == large[box][0], box
