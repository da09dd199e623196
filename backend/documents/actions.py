"""The buttons a viewer has on a 公文 or 收文, named as an official reads them.

The flow engine says what a viewer may do (`workflow.selectors.actions_for_many`);
this module keeps the ones 公文 offers, names 同意 after the step (签发, 核稿通过,
批示, 已阅…), and adds the document's own: 撤回 before 签发, 签收 / 退回 for the
recipient unit's office. Every button is built with `realtime.cards.card_action`.
"""

from __future__ import annotations

from backend.documents import flows
from backend.documents.models import Document, Receipt
from backend.workflow.models import Instance
from realtime.cards import CardAction, OpinionNeed, card_action

APPROVE_LABELS = {
    "review": "核稿通过",
    "countersign": "会签同意",
    flows.SIGN: "签发",
    "recheck": "复核通过",
    flows.REGISTER: "登记编号",
    flows.SEAL: "用印",
    flows.DISTRIBUTE: "分发",
    "propose": "拟办",
    flows.INSTRUCT: "批示",
    flows.UNDERTAKE: "办理完毕",
    flows.CIRCULATE: "已阅",
    "circulate_all": "已阅",
}
OPINION_LABELS = {
    flows.SIGN: "签发意见",
    "propose": "拟办意见",
    flows.INSTRUCT: "批示",
    flows.UNDERTAKE: "办理结果",
    flows.CIRCULATE: "阅示意见",
    "circulate_all": "阅示意见",
}
# 批示 and 拟办 are written opinions; the others may carry one.
OPINION_REQUIRED = {flows.INSTRUCT, "propose", flows.UNDERTAKE}
KEPT = ("approve", "return", "transfer", "urge", "comment", "resubmit")
WITHDRAW_CONFIRM = "撤回后该公文将终止办理，确定撤回？"


def _step_id(instance: Instance) -> str:
    step = instance.step()
    return str(step["id"]) if step else ""


def _relabel(action: CardAction, instance: Instance) -> CardAction:
    if action["action"] != "approve":
        return action
    step_id = _step_id(instance)
    opinion: OpinionNeed = "required" if step_id in OPINION_REQUIRED else "optional"
    return {
        **action,
        "label": APPROVE_LABELS.get(step_id, action["label"]),
        "opinion": opinion,
        "opinion_label": OPINION_LABELS.get(step_id, "意见"),
        "needs_opinion": opinion == "required",
        # 批示 picks the 承办 people (or departments on the detail page).
        "needs_next_assignees": action["needs_next_assignees"] or step_id == flows.INSTRUCT,
    }


def flow_actions(instance: Instance, engine_actions: list[CardAction]) -> list[CardAction]:
    """The engine's actions that 公文 offers, relabelled; 撤回 is the document's own."""
    return [_relabel(a, instance) for a in engine_actions if a["action"] in KEPT]


def withdraw_action(document: Document, viewer_id: int) -> list[CardAction]:
    """拟稿人 may withdraw while the document is running or returned, and not yet signed."""
    open_states = (Document.Status.RUNNING, Document.Status.RETURNED)
    if viewer_id != document.drafter_id or document.status not in open_states:
        return []
    if document.signed_at is not None:
        return []
    return [card_action("withdraw", "撤回", style="danger", confirm=WITHDRAW_CONFIRM)]


def office_actions(receipt: Receipt, is_office: bool) -> list[CardAction]:
    """签收 / 退回 while delivered; 登记 (a form, on the detail page) once signed."""
    if not is_office:
        return []
    if receipt.status == Receipt.Status.DELIVERED:
        return [
            card_action("sign_for", "签收", style="primary"),
            card_action(
                "refuse", "退回", style="danger", opinion="required", opinion_label="退回理由"
            ),
        ]
    return []
