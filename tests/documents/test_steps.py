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


def _mayor(org: dict[str, Any]) -> User:
    """刘江, 市长: the 负责人 (first leader) of 市政府."""
    from backend.directory.models import Department, Role
    from tests.conftest import person

    leadership = Department.objects.create(unit=org["city"], name="市政府领导")
    mayor = person("13700000001", "刘江", leadership, "市长", 1, leader=True)
    directory.role_grant(actor=None, user=mayor, unit=org["city"], role=Role.LEADER)
    return mayor


def test_countersign_goes_to_departments_and_units_in_parallel(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    """会签 names departments and units; each party's 负责人 signs for it (or whom they
    转办 to), in parallel, and the 处理笺 shows each party's opinion."""
    from backend.documents.detail import document_detail

    mayor = _mayor(org)
    document = submit(
        people["staff"],
        org,
        countersign_departments=[org["budget"].pk],
        countersign_units=[org["city"].pk],
    )
    act(people["clerk"], document)
    pending = set(
        Task.objects.filter(instance=document.flow, state="pending").values_list(
            "assignee_id", flat=True
        )
    )
    assert pending == {people["finance_head"].pk, mayor.pk}
    services.document_act(
        actor=people["finance_head"],
        document_id=document.pk,
        action="transfer",
        params=ActParams(user_id=people["outsider"].pk, opinion="请赵六核实"),
    )
    act(people["outsider"], document, opinion="预算科无意见")
    assert Document.objects.get(pk=document.pk).flow.step()["id"] == "countersign"  # type: ignore[index]
    document = act(mayor, document, opinion="同意")
    assert document.flow.step()["id"] == "sign"  # type: ignore[index]
    view = document_detail(document, people["staff"])
    rows = [
        (r["kind"], r["name"], r["assignee"]["name"], r["status"], r["opinion"])
        for r in view["countersign"]
    ]
    assert rows == [
        ("department", "财政局预算科", "赵六", "done", "预算科无意见"),
        ("unit", "江城市人民政府", "刘江", "done", "同意"),
    ]
    sheet = {(e["actor"]["name"], e["action"]): e["party"] for e in view["history"] if e["actor"]}
    assert sheet[("赵六", "approve")] == "财政局预算科"
    assert sheet[("陈志明", "transfer")] == "财政局预算科"
    assert sheet[("刘江", "approve")] == "江城市人民政府"
    assert sheet[("李秀英", "approve")] == ""
    labels = [e["action_label"] for e in view["history"] if e["action"] in ("submit", "approve")]
    assert labels == ["拟稿", "核稿通过", "会签同意", "会签同意"]


def test_countersign_parties_are_checked(org: dict[str, Any], people: dict[str, User]) -> None:
    from backend.directory.models import Department

    empty = Department.objects.create(unit=org["finance"], name="综合科")
    before = Document.objects.count()
    for over, code, field in (
        ({"countersign_departments": [empty.pk]}, "countersign_no_head", "countersign_departments"),
        ({"countersign_units": [org["city"].pk]}, "countersign_no_head", "countersign_units"),
        ({"countersign_units": [org["office"].pk]}, "invalid_document", "countersign_units"),
        ({"countersign_departments": [999_999]}, "invalid_document", "countersign_departments"),
        ({"countersign_units": [999_999]}, "unknown_unit", None),
    ):
        with pytest.raises(InvalidInput) as refused:
            submit(people["staff"], org, **over)
        assert code_of(refused) == code
        if field is not None:
            assert field in (refused.value.fields or {})
    assert Document.objects.count() == before


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


def test_a_handwritten_opinion_needs_no_words(org: dict[str, Any], people: dict[str, User]) -> None:
    """批示 written only by hand: the stroke image is the opinion (no placeholder text), shown
    in the 处理笺 with the name and time; without image or words 批示 is refused; 退回 by
    hand alone is accepted too."""
    from backend.documents.detail import receipt_detail
    from tests.documents.conftest import png_bytes, upload

    receipt = to_registered(people, org)
    head, clerk = people["finance_head"], people["finance_clerk"]
    receiving.receipt_act(
        actor=clerk, receipt_id=receipt.pk, action="approve", params=ActParams(opinion="请批示")
    )
    with pytest.raises(InvalidInput) as wordless:
        receiving.receipt_act(
            actor=head, receipt_id=receipt.pk, action="approve", departments=[org["budget"].pk]
        )
    assert code_of(wordless) == "opinion_required"
    stroke = upload(head, "s.png", png_bytes())
    receiving.receipt_act(
        actor=head,
        receipt_id=receipt.pk,
        action="approve",
        departments=[org["budget"].pk],
        handwriting=stroke.token,
    )
    view = receipt_detail(Receipt.objects.get(pk=receipt.pk), head)
    (entry,) = [e for e in view["history"] if e["step_name"] == "批办"]
    assert entry["opinion"] == "" and entry["actor"]["name"] == "陈志明" and entry["at"]
    assert [e["action_label"] for e in view["history"]][:3] == ["登记", "拟办", "批示"]
    assert (
        entry["handwriting_url"] == f"/api/v1/documents/{receipt.document_id}/files/{stroke.token}"
    )
    back = upload(head, "b.png", png_bytes())
    receiving.receipt_act(
        actor=head,
        receipt_id=receipt.pk,
        action="return",
        params=ActParams(target="propose"),
        handwriting=back.token,
    )
    view = receipt_detail(Receipt.objects.get(pk=receipt.pk), head)
    returned = view["history"][-1]
    assert (returned["action"], returned["opinion"]) == ("return", "")
    assert returned["handwriting_url"] is not None and returned["handwriting_url"].endswith(
        back.token
    )


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


def test_incoming_roles_resolve_in_the_recipient_unit_not_the_clerks(
    org: dict[str, Any], people: dict[str, User]
) -> None:
    """A 收文 to 市政府 registered by 市府办's 李秀英 (市政府's 收发员 by role) goes to
    市政府's leaders for 批办, also after a return to her and a resubmit; never to 市府办's."""
    from backend.directory.models import Role

    mayor = _mayor(org)
    clerk = people["clerk"]  # positioned in 市府办 秘书科; 市府办's leader is 王建国
    directory.role_grant(actor=None, user=clerk, unit=org["city"], role=Role.CLERK)
    document = to_distributed(people, org, main_to=[org["city"].pk])
    receipt = receipt_of(document, org["city"])
    receiving.receipt_sign(actor=clerk, receipt_id=receipt.pk)
    receipt = receiving.receipt_register(
        actor=clerk, receipt_id=receipt.pk, data={"handle_type": "handle"}
    )
    assert receipt.instance is not None and receipt.instance.unit_id == org["city"].pk

    def instructing() -> set[int]:
        return set(
            Task.objects.filter(
                instance=receipt.instance, step_id="instruct", state="pending"
            ).values_list("assignee_id", flat=True)
        )

    propose = ActParams(opinion="请市长批示")
    receiving.receipt_act(actor=clerk, receipt_id=receipt.pk, action="approve", params=propose)
    assert instructing() == {mayor.pk}
    receiving.receipt_act(
        actor=mayor,
        receipt_id=receipt.pk,
        action="return",
        params=ActParams(opinion="请补充", target="initiator"),
    )
    receiving.receipt_act(actor=clerk, receipt_id=receipt.pk, action="resubmit")
    receiving.receipt_act(actor=clerk, receipt_id=receipt.pk, action="approve", params=propose)
    assert instructing() == {mayor.pk}
