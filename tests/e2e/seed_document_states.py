"""A 公文 of the demo organisation brought to one state through the real services, for the
browser tests that start there.

Run as ``python -m tests.e2e.seed_document_states`` with the server's ``DATABASE_URL`` after
``seed_demo``; reads ``{"state": …, "title": …}`` on stdin and prints ``{"document": id,
"receipt": id or null, "clerk": "<mobile>"}``. 张晓明 (市府办) drafts a 通知 to 财政局;
李秀英 核稿s and the rest of 市府办's steps; 周建国 签发s; 财政局's first clerk handles the 收文.

- ``at_sign``: 核稿 done, waiting for 周建国's 签发;
- ``refused``: distributed, and 财政局's clerk 退回'd it with a reason;
- ``read_registered``: distributed, signed for and registered by 财政局 as a 阅件 to be
  circulated to several people at once (``circulate: all``), waiting for 拟办.
"""

from __future__ import annotations

from typing import Any

from tests.integration.harness import seed_main

BODY = "为做好有关工作，现将有关事项通知如下。\n一、提高认识，加强领导。\n二、明确责任，抓好落实。"


def run(spec: dict[str, Any]) -> dict[str, Any]:
    from backend.directory.models import Role, RoleAssignment, Unit, User
    from backend.documents import receiving, services
    from backend.documents.models import Receipt
    from backend.workflow.services import ActParams

    def by_mobile(mobile: str) -> User:
        return User.objects.get(mobile=mobile)

    staff, clerk, director = (by_mobile(m) for m in ("13800000003", "13800000002", "13800000001"))
    finance = Unit.objects.get(code="JC-FIN")
    fin_clerk = (
        RoleAssignment.objects.filter(unit=finance, role=Role.CLERK)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    assert fin_clerk is not None
    document = services.document_submit(
        actor=staff,
        data={
            "kind": "notice",
            "title": spec["title"],
            "body": BODY,
            "main_to": [finance.pk],
            "publicity": "public",
        },
        client_id=f"e2e-{spec['state']}-{spec['title']}",
    )

    def act(user: User, opinion: str = "") -> None:
        services.document_act(
            actor=user, document_id=document.pk, action="approve", params=ActParams(opinion)
        )

    act(clerk, "文字已核。")
    receipt = None
    if spec["state"] != "at_sign":
        act(director, "同意印发。")
        for _step in ("复核", "登记", "用印", "分发"):
            act(clerk)
        receipt = Receipt.objects.get(document=document, unit=finance)
        who = fin_clerk.user
        if spec["state"] == "refused":
            receiving.receipt_refuse(
                actor=who, receipt_id=receipt.pk, reason="非我局职能，请核实主送单位"
            )
        else:
            receiving.receipt_sign(actor=who, receipt_id=receipt.pk)
            receiving.receipt_register(
                actor=who,
                receipt_id=receipt.pk,
                data={"handle_type": "read", "circulate": "all", "copies": 1},
            )
    return {
        "document": document.pk,
        "receipt": receipt.pk if receipt else None,
        "clerk": fin_clerk.user.mobile,
    }


if __name__ == "__main__":
    seed_main(run)
