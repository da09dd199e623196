"""Every 发文 and 收文 step in-process, and every refusal leaving nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest

from backend.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from backend.directory import services as directory
from backend.directory.models import User
from backend.documents import receiving, services
from backend.documents.models import Document, Receipt, SerialCounter
from backend.todo import registry
from backend.workflow.models import Task
from backend.workflow.services import ActParams
from tests.conftest import PASSWORD
from tests.documents.conftest import act, receipt_of, submit, to_distributed, to_registered

pytestmark = pytest.mark.django_db(transaction=True)


def code_of(exc: pytest.ExceptionInfo[Any]) -> str:
    return str(exc.value.code)


def test_direction_follows_kind_and_recipients(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    staff = people["staff"]
    assert submit(staff, org, kind="request", main_to=[org["city"].pk]).direction == "up"
    assert submit(staff, org, kind="letter").direction == "parallel"
    assert submit(staff, org, kind="opinion", main_to=[org["city"].pk]).direction == "up"
    assert submit(staff, org, kind="opinion", main_to=[org["finance"].pk]).direction == "parallel"
    assert submit(staff, org, kind="notice").direction == "down"


def test_countersign_runs_in_parallel_before_signing(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = submit(
        people["staff"],
        org,
        countersigners=[people["finance_head"].pk, people["outsider"].pk],
    )
    act(people["clerk"], document)
    pending = set(
        Task.objects.filter(instance=document.flow, state="pending").values_list(
            "assignee_id", flat=True
        )
    )
    assert pending == {people["finance_head"].pk, people["outsider"].pk}
    act(people["finance_head"], document, opinion="财政局无意见")
    assert Document.objects.get(pk=document.pk).flow.step()["id"] == "countersign"  # type: ignore[index]
    document = act(people["outsider"], document)
    assert document.flow.step()["id"] == "sign"  # type: ignore[index]


def test_out_of_turn_and_other_units_are_refused(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = submit(people["staff"], org)
    with pytest.raises(PermissionDenied) as denied:
        act(people["director"], document)  # 签发 before 核稿: not a handler yet
    assert code_of(denied) == "not_handler"
    with pytest.raises(NotFound) as hidden:
        act(people["finance_head"], document)  # another unit's document
    assert code_of(hidden) == "document_not_found"
    act(people["clerk"], document)
    # Pressing 核稿通过 again is a harmless repeat: no 发文字号 out of turn.
    act(people["clerk"], document, doc_number="江府办〔2026〕9号")
    assert Document.objects.get(pk=document.pk).doc_number == ""
    with pytest.raises(Conflict) as moved_on:
        act(people["clerk"], document, "return", opinion="再看看", target="initiator")
    assert code_of(moved_on) == "task_closed"


def test_withdraw_only_before_signing(org: dict[str, Any], people: dict[str, User]) -> None:
    early = submit(people["staff"], org)
    act(people["clerk"], early)  # 核稿 acted: the engine alone would refuse; 公文 allows it
    assert act(people["staff"], early, "withdraw").status == "withdrawn"
    late = submit(people["staff"], org)
    act(people["clerk"], late)
    act(people["director"], late)
    with pytest.raises(Conflict) as refused:
        act(people["staff"], late, "withdraw")
    assert code_of(refused) == "withdraw_after_sign"
    with pytest.raises(PermissionDenied) as not_drafter:
        act(people["clerk"], submit(people["staff"], org), "withdraw")
    assert code_of(not_drafter) == "not_drafter"


def test_return_to_an_earlier_step_keeps_the_number(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = submit(people["staff"], org)
    act(people["clerk"], document)
    act(people["director"], document)
    act(people["clerk"], document)  # 复核
    numbered = act(people["clerk"], document)  # 登记
    with pytest.raises(InvalidInput) as no_reason:
        act(people["clerk"], document, "return", target="sign")
    assert code_of(no_reason) == "opinion_required"
    back = act(people["clerk"], document, "return", opinion="请领导再审", target="sign")
    assert back.flow.step()["id"] == "sign"  # type: ignore[index]
    act(people["director"], document)
    act(people["clerk"], document)
    again = act(people["clerk"], document)  # 登记 again: the same number
    assert again.doc_number == numbered.doc_number
    other = to_distributed(people, org)
    assert other.doc_number.endswith("〕2号")
    assert SerialCounter.objects.get(scope__startswith="out:").last == 2


def test_returned_to_the_drafter_and_resubmitted(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    document = submit(people["staff"], org)
    returned = act(people["clerk"], document, "return", opinion="请补充依据", target="initiator")
    assert returned.status == "returned"
    assert registry.counts_for(people["staff"])["documents"] == 1
    again = act(people["staff"], document, "resubmit")
    assert again.status == "running" and again.flow.round == 2


def test_handwritten_opinion_joins_the_sheet(org: dict[str, Any], people: dict[str, User]) -> None:
    from tests.documents.conftest import png_bytes, upload

    document = submit(people["staff"], org)
    act(people["clerk"], document)
    stroke = upload(people["director"], "s.png", png_bytes())
    act(people["director"], document, handwriting=stroke.token)
    from backend.documents.models import HandSign

    sign = HandSign.objects.get()
    assert sign.user == people["director"] and sign.image == stroke
    theirs = upload(people["clerk"], "c.png", png_bytes())
    with pytest.raises(InvalidInput) as foreign:
        act(people["director"], document, handwriting=theirs.token)
    assert code_of(foreign) == "invalid_handwriting"


def test_refuse_and_redistribute(org: dict[str, Any], people: dict[str, User]) -> None:
    document = to_distributed(people, org)
    receipt = receipt_of(document, org["finance"])
    with pytest.raises(NotFound) as unseen:  # not the unit's office, not in its flow
        receiving.receipt_sign(actor=people["finance_head"], receipt_id=receipt.pk)
    assert code_of(unseen) == "receipt_not_found"
    with pytest.raises(InvalidInput):
        receiving.receipt_refuse(actor=people["finance_clerk"], receipt_id=receipt.pk, reason=" ")
    receiving.receipt_refuse(actor=people["finance_clerk"], receipt_id=receipt.pk, reason="错发")
    with pytest.raises(Conflict) as twice:
        receiving.receipt_sign(actor=people["finance_clerk"], receipt_id=receipt.pk)
    assert code_of(twice) == "receipt_state"
    again = receiving.document_redistribute(
        actor=people["staff"], document_id=document.pk, unit_id=org["finance"].pk
    )
    assert (again.status, again.refuse_reason) == ("delivered", "")
    with pytest.raises(Conflict) as not_refused:
        receiving.document_redistribute(
            actor=people["staff"], document_id=document.pk, unit_id=org["finance"].pk
        )
    assert code_of(not_refused) == "not_redistributable"


def test_incoming_handle_to_done_with_pass_on(org: dict[str, Any], people: dict[str, User]) -> None:
    receipt = to_registered(people, org)
    assert receipt.register_no.endswith("〕1号") and receipt.copies == 2
    receiving.receipt_act(
        actor=people["finance_clerk"],
        receipt_id=receipt.pk,
        action="approve",
        params=ActParams(opinion="请陈局长批示"),
    )
    with pytest.raises(PermissionDenied) as not_clerk:  # in the flow now, but not the office
        receiving.receipt_sign(actor=people["finance_head"], receipt_id=receipt.pk)
    assert code_of(not_clerk) == "not_document_clerk"
    with pytest.raises(InvalidInput) as no_departments:
        receiving.receipt_act(
            actor=people["finance_head"],
            receipt_id=receipt.pk,
            action="approve",
            params=ActParams(opinion="请办理"),
            departments=[org["secretariat"].pk],  # another unit's department
        )
    assert code_of(no_departments) == "invalid_departments"
    receiving.receipt_act(
        actor=people["finance_head"],
        receipt_id=receipt.pk,
        action="approve",
        params=ActParams(opinion="请预算科办理"),
        departments=[org["budget"].pk],
    )
    with pytest.raises(InvalidInput) as outside:
        receiving.receipt_act(
            actor=people["finance_head"],
            receipt_id=receipt.pk,
            action="transfer",
            params=ActParams(user_id=people["clerk"].pk),
        )
    assert code_of(outside) == "pass_on_outside"
    receiving.receipt_act(
        actor=people["finance_head"],
        receipt_id=receipt.pk,
        action="transfer",
        params=ActParams(user_id=people["outsider"].pk, opinion="请赵六经办"),
    )
    done = receiving.receipt_act(
        actor=people["outsider"],
        receipt_id=receipt.pk,
        action="approve",
        params=ActParams(opinion="已办理"),
    )
    assert done.status == "done" and done.finished_at is not None


def test_incoming_read_circulates_in_order(org: dict[str, Any], people: dict[str, User]) -> None:
    receipt = to_registered(people, org, handle_type="read")
    with pytest.raises(InvalidInput) as nobody:
        receiving.receipt_act(
            actor=people["finance_clerk"],
            receipt_id=receipt.pk,
            action="approve",
            params=ActParams(opinion="请传阅"),
        )
    assert code_of(nobody) == "next_assignees_required"
    readers = [people["finance_head"].pk, people["outsider"].pk]
    receiving.receipt_act(
        actor=people["finance_clerk"],
        receipt_id=receipt.pk,
        action="approve",
        params=ActParams(opinion="请传阅", next_assignees=readers),
    )
    with pytest.raises(Conflict):  # 赵六 reads after 陈志明
        receiving.receipt_act(actor=people["outsider"], receipt_id=receipt.pk, action="approve")
    receiving.receipt_act(actor=people["finance_head"], receipt_id=receipt.pk, action="approve")
    done = receiving.receipt_act(
        actor=people["outsider"],
        receipt_id=receipt.pk,
        action="approve",
        params=ActParams(opinion="已阅"),
    )
    assert done.status == "done"


def test_register_numbers_are_per_unit_and_checked(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    first = to_registered(people, org)
    second = to_registered(people, org)
    assert [first.register_no[-3:], second.register_no[-3:]] == ["〕1号", "〕2号"]
    document = to_distributed(people, org)
    receipt = receipt_of(document, org["finance"])
    receiving.receipt_sign(actor=people["finance_clerk"], receipt_id=receipt.pk)
    for bad in ({"handle_type": "x"}, {"handle_type": "handle", "copies": 0}):
        with pytest.raises(InvalidInput) as refused:
            receiving.receipt_register(
                actor=people["finance_clerk"], receipt_id=receipt.pk, data=bad
            )
        assert code_of(refused) == "invalid_registration"
    assert Receipt.objects.get(pk=receipt.pk).register_no == ""
    assert SerialCounter.objects.get(scope=f"in:{org['finance'].pk}").last == 2


def test_archive_after_distribution_only(org: dict[str, Any], people: dict[str, User]) -> None:
    running = submit(people["staff"], org)
    with pytest.raises(Conflict) as early:
        services.document_archive(actor=people["staff"], document_id=running.pk)
    assert code_of(early) == "not_archivable"
    document = to_distributed(people, org)
    archived = services.document_archive(actor=people["clerk"], document_id=document.pk)
    assert archived.archived_at is not None


def test_a_unit_without_clerks_receives_through_its_admins(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    admin = directory.user_create(mobile="13900000009", name="周敏", password=PASSWORD)
    directory.position_assign(user=admin, department=org["budget"], title="科员", rank=60)
    from backend.directory.models import Role

    directory.role_grant(actor=None, user=admin, unit=org["city"], role=Role.UNIT_ADMIN)
    document = to_distributed(people, org, main_to=[org["city"].pk])
    receipt = receipt_of(document, org["city"])
    assert registry.counts_for(admin)["documents"] == 1
    assert receiving.receipt_sign(actor=admin, receipt_id=receipt.pk).status == "signed"


def test_incoming_returned_to_the_clerk_is_sent_again(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    receipt = to_registered(people, org)
    clerk = people["finance_clerk"]
    receiving.receipt_act(
        actor=clerk, receipt_id=receipt.pk, action="approve", params=ActParams(opinion="请批示")
    )
    receiving.receipt_act(
        actor=people["finance_head"],
        receipt_id=receipt.pk,
        action="return",
        params=ActParams(opinion="请补充拟办意见", target="initiator"),
    )
    again = receiving.receipt_act(actor=clerk, receipt_id=receipt.pk, action="resubmit")
    assert again.instance is not None and again.instance.state == "running"
    assert again.instance.step()["id"] == "propose"  # type: ignore[index]
