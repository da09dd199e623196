"""发文/收文 invariants under random actions by random people (a hypothesis state machine,
in the style of tests/workflow/test_engine_properties.py).

Each example drafts one document and lets anyone try any 发文 or 收文 action.
Refusals are expected; what must always hold:

- a refused action changes nothing (the document, its receipts, the history);
- the document's status is its flow's state; 签发人 set iff 签发 is done;
- 发文字号: set iff 登记 is done, unique, and the numbers handed out are 1..n
  without a gap (the counter equals the count);
- receipts exist iff the document is distributed, one per recipient unit;
  a receipt has a 收文编号 and a flow iff it is registered, its flow ended iff
  it is 办结; 收文编号 per unit are 1..n without a gap.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from backend.common.errors import ZtError
from backend.directory.models import User
from backend.documents import receiving, services
from backend.documents.models import Document, Receipt, SerialCounter
from backend.workflow.models import HistoryEntry, Task
from backend.workflow.services import ActParams
from tests.documents.conftest import draft

pytestmark = pytest.mark.django_db(transaction=True)

DOC_ACTIONS = ("approve",) * 5 + ("return", "withdraw", "resubmit", "urge", "comment")
RECEIPT_ACTIONS = ("sign", "sign", "refuse", "register", "approve", "approve", "return")
STATUS_OF = {
    "running": "running",
    "returned": "returned",
    "withdrawn": "withdrawn",
    "approved": "distributed",
}


def _snapshot(document: Document) -> tuple[Any, ...]:
    document.refresh_from_db()
    receipts = list(
        Receipt.objects.filter(document=document)
        .order_by("pk")
        .values_list("status", "register_no", "instance_id")
    )
    history = HistoryEntry.objects.filter(
        instance__subject_id__in=[
            str(document.pk),
            *[str(r) for r in document.receipts.values_list("pk", flat=True)],
        ]
    ).count()
    return (document.status, document.doc_number, document.signer_id, receipts, history)


class DocumentMachine(RuleBasedStateMachine):
    people: list[User] = []
    org: dict[str, Any] = {}
    counter = 0
    reached: set[str] = set()  # statuses the examples got to (the test checks the depth)

    def __init__(self) -> None:
        super().__init__()
        self.document: Document | None = None

    @initialize(urgency=st.sampled_from(["normal", "urgent", "extra_urgent"]), copy=st.booleans())
    def start(self, urgency: str, copy: bool) -> None:
        DocumentMachine.counter += 1
        data = draft(self.org, urgency=urgency, copy_to=[self.org["city"].pk] if copy else [])
        self.document = services.document_submit(
            actor=self.people[0], data=data, client_id=f"p-{DocumentMachine.counter}"
        )

    def _try(self, call: Any) -> None:
        assert self.document is not None
        before = _snapshot(self.document)
        try:
            call()
        except ZtError:
            assert _snapshot(self.document) == before, "a refused action changed something"

    @rule(who=st.integers(0, 5), action=st.sampled_from(DOC_ACTIONS), back=st.booleans())
    def act_on_document(self, who: int, action: str, back: bool) -> None:
        assert self.document is not None
        instance = self.document.flow
        instance.refresh_from_db()
        earlier = [s["id"] for s in instance.route[: instance.current_index]]
        target = earlier[-1] if back and earlier else "initiator"
        params = ActParams(opinion="意见", target=target)
        self._try(
            lambda: services.document_act(
                actor=self.people[who],
                document_id=self.document.pk,
                action=action,
                params=params,
            )
        )

    @rule(who=st.integers(0, 5), action=st.sampled_from(RECEIPT_ACTIONS), read=st.booleans())
    def act_on_receipt(self, who: int, action: str, read: bool) -> None:
        assert self.document is not None
        receipt = Receipt.objects.filter(document=self.document, unit=self.org["finance"]).first()
        if receipt is None:
            return
        actor, rid = self.people[who], receipt.pk
        calls = {
            "sign": lambda: receiving.receipt_sign(actor=actor, receipt_id=rid),
            "refuse": lambda: receiving.receipt_refuse(actor=actor, receipt_id=rid, reason="错发"),
            "register": lambda: receiving.receipt_register(
                actor=actor, receipt_id=rid, data={"handle_type": "read" if read else "handle"}
            ),
            "approve": lambda: receiving.receipt_act(
                actor=actor,
                receipt_id=rid,
                action="approve",
                params=ActParams(opinion="意见", next_assignees=[self.people[4].pk]),
                departments=[self.org["budget"].pk],
            ),
            "return": lambda: receiving.receipt_act(
                actor=actor,
                receipt_id=rid,
                action="return",
                params=ActParams(opinion="退回", target="propose"),
            ),
        }
        self._try(calls[action])

    @rule()
    def the_office_or_a_handler_moves_it_on(self) -> None:
        self.a_current_handler_moves_it_on()

    @rule()
    def a_current_handler_moves_it_on(self) -> None:
        """Random people rarely hold the step; this lets the examples reach 分发 and 办结."""
        assert self.document is not None
        waiting = Receipt.objects.filter(
            document=self.document, unit=self.org["finance"], status__in=("delivered", "signed")
        ).first()
        if waiting is not None:
            clerk, rid = self.people[3], waiting.pk  # the finance bureau's 收发员
            if waiting.status == "delivered":
                self._try(lambda: receiving.receipt_sign(actor=clerk, receipt_id=rid))
            else:
                data = {"handle_type": "handle" if rid % 2 else "read"}
                self._try(
                    lambda: receiving.receipt_register(actor=clerk, receipt_id=rid, data=data)
                )
            return
        task = (
            Task.objects.filter(
                instance__subject_type__in=("document", "document_receipt"),
                instance__subject_id__in=[str(self.document.pk)]
                + [str(r) for r in self.document.receipts.values_list("pk", flat=True)],
                state=Task.State.PENDING,
            )
            .select_related("assignee", "instance")
            .first()
        )
        if task is None:
            return
        if task.instance.subject_type == "document":
            self._try(
                lambda: services.document_act(
                    actor=task.assignee,
                    document_id=self.document.pk,
                    action="approve",
                )
            )
            return
        self._try(
            lambda: receiving.receipt_act(
                actor=task.assignee,
                receipt_id=int(task.instance.subject_id),
                action="approve",
                params=ActParams(opinion="意见", next_assignees=[self.people[5].pk]),
                departments=[self.org["budget"].pk],
            )
        )

    @invariant()
    def document_is_consistent(self) -> None:
        if self.document is None:
            return
        document = self.document
        document.refresh_from_db()
        instance = document.flow
        assert document.status == STATUS_OF[instance.state]
        passed = {s["id"] for s in instance.route[: instance.current_index]}
        if instance.state == "approved":
            passed = {s["id"] for s in instance.route}
        assert (document.signer_id is not None) == (
            "sign" in passed
        ) or instance.state == "returned"
        if "register" in passed:
            assert document.doc_number
        receipts = list(Receipt.objects.filter(document=document))
        assert bool(receipts) == (document.status == "distributed")
        for receipt in receipts:
            registered = receipt.status in ("handling", "done")
            assert bool(receipt.register_no) == registered == (receipt.instance_id is not None)
            if receipt.status == "done":
                assert receipt.instance is not None and receipt.instance.state == "approved"

    def teardown(self) -> None:
        if self.document is not None:
            self.document.refresh_from_db()
            DocumentMachine.reached.add(self.document.status)
            receipts = Receipt.objects.filter(document=self.document)
            DocumentMachine.reached.update(
                f"receipt_{s}" for s in receipts.values_list("status", flat=True)
            )

    @invariant()
    def numbers_are_gapless_and_unique(self) -> None:
        for counter in SerialCounter.objects.all():
            seqs: list[int]
            if counter.scope.startswith("out:"):
                seqs = sorted(
                    n
                    for n in Document.objects.values_list("number_seq", flat=True)
                    if n is not None
                )
            else:
                unit_id = int(counter.scope.split(":")[1])
                seqs = sorted(
                    int(n.split("〕")[1].rstrip("号"))
                    for n in Receipt.objects.filter(unit_id=unit_id)
                    .exclude(register_no="")
                    .values_list("register_no", flat=True)
                )
            assert seqs == list(range(1, counter.last + 1)), counter.scope
        numbers = list(Document.objects.exclude(doc_number="").values_list("doc_number", flat=True))
        assert len(numbers) == len(set(numbers))


def test_document_invariants(org: dict[str, Any], people: dict[str, User]) -> None:
    DocumentMachine.org = org
    DocumentMachine.people = [
        people[k]
        for k in ("staff", "clerk", "director", "finance_clerk", "finance_head", "outsider")
    ]
    DocumentMachine.TestCase.settings = hsettings(
        max_examples=12,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=True,
    )
    DocumentMachine.TestCase().runTest()
    assert {"distributed", "receipt_handling", "receipt_done"} <= DocumentMachine.reached, (
        DocumentMachine.reached
    )
