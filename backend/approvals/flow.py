"""What follows an engine change of a request: status, cards in chat, 待办, the room.

Registered with `workflow.listeners` for the `approval` subject type; runs
inside the engine's transaction, so every card and event leaves on commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.approvals import todo
from backend.approvals.models import Approval
from backend.approvals.services import ASSISTANT, SUBJECT, release_room
from backend.todo import registry
from backend.workflow.listeners import Change, Subject
from backend.workflow.models import Instance, Task
from realtime import services as chat

RELEASES_ROOM = (Instance.State.REJECTED, Instance.State.WITHDRAWN)


class ApprovalFlowListener:
    def describe(self, instance: Instance) -> Subject:
        """How deadline reminders name a request and where a tap opens it."""
        approval = Approval.objects.only("pk", "title").get(pk=int(instance.subject_id))
        return Subject(title=approval.title, url=f"/approvals/{approval.pk}")

    def on_change(self, instance: Instance, change: Change) -> None:
        approval = Approval.objects.select_related("template", "initiator").get(
            pk=int(instance.subject_id)
        )
        _sync_status(approval, instance)
        if change.action == "submit":
            _announce(approval)
        else:
            chat.card_updated(card_type=SUBJECT, object_id=str(approval.pk))
        _notify_people(approval, instance, change)
        _push_new_todos(approval, instance, change)
        registry.changed({*change.touched_user_ids, *change.cc_user_ids})


def _sync_status(approval: Approval, instance: Instance) -> None:
    approval.instance = instance
    approval.status = instance.state
    approval.finished_at = instance.ended_at if instance.is_terminal else None
    approval.save(update_fields=["instance", "status", "finished_at"])
    if instance.state in RELEASES_ROOM:
        release_room(approval)


def _announce(approval: Approval) -> None:
    """The initiator's own card, and one in the group they chose to post it to."""
    name = approval.template.name
    _cards_to(approval, [approval.initiator_id], f"您提交了{name}申请")
    if approval.post_to_conversation_id is not None:
        chat.card_post(
            actor=approval.initiator,
            conversation_id=approval.post_to_conversation_id,
            card_type=SUBJECT,
            object_id=str(approval.pk),
            title=approval.title,
        )


def _notify_people(approval: Approval, instance: Instance, change: Change) -> None:
    """Fresh cards (unread in chat) for everyone the change now concerns."""
    title = approval.title
    _cards_to(approval, [t.assignee_id for t in change.opened], f"{title}，待您审批")
    _cards_to(approval, change.cc_user_ids, f"{title}，抄送给您")
    _cards_to(
        approval, change.urged_user_ids, f"{approval.initiator.name}催办：{title}，请尽快处理"
    )
    _cards_to(approval, [t.assignee_id for t in change.overdue], f"【已超时】{title}，待您审批")
    mine = [approval.initiator_id]
    name = approval.template.name
    if change.ended and change.action != "withdraw":
        label = Instance.State(instance.state).label
        who, opinion = _decision(instance, change)
        said = f"。{who}：{opinion}" if opinion else f"（{who}）" if who else ""
        _cards_to(approval, mine, f"您的{name}申请{label}{said}")
    if instance.state == Instance.State.RETURNED and change.action == "return":
        who, opinion = _decision(instance, change)
        by = f"被{who}退回" if who else "被退回"
        said = f"：{opinion}。" if opinion else "，"
        _cards_to(approval, mine, f"您的{name}申请{by}{said}请修改后重新提交")


# The opinion quoted in a result card: enough to read on a phone, the rest on the detail page.
QUOTED_OPINION_CHARS = 60


def _decision(instance: Instance, change: Change) -> tuple[str, str]:
    """Who made the deciding move and what they wrote (their latest finished task)."""
    if change.actor_id is None:
        return "", ""
    task = (
        Task.objects.filter(instance=instance, assignee_id=change.actor_id, state=Task.State.DONE)
        .select_related("assignee")
        .order_by("-acted_at", "-pk")
        .first()
    )
    if task is None:
        return "", ""
    opinion = " ".join(task.opinion.split())
    if len(opinion) > QUOTED_OPINION_CHARS:
        opinion = opinion[: QUOTED_OPINION_CHARS - 1] + "…"
    return task.assignee.name, opinion


def _push_new_todos(approval: Approval, instance: Instance, change: Change) -> None:
    """Each task opened now is a new 待办 for its assignee, pushed at once."""
    for task in change.opened:
        task.instance = instance
        opened = int(task.opened_at.timestamp()) if task.opened_at else 0
        registry.item_opened(
            [task.assignee_id], todo.task_item(approval, task), key=f"task:{task.pk}:{opened}"
        )
    if instance.state == Instance.State.RETURNED and change.action == "return":
        registry.item_opened(
            [approval.initiator_id],
            todo.resubmit_item(approval),
            key=f"returned:{approval.pk}:{instance.history_seq}",
        )


def _cards_to(approval: Approval, user_ids: Iterable[int], title: str) -> None:
    """A fresh 审批助手 card (unread in chat) for each of these people."""
    chat.card_send_to_people(
        account=ASSISTANT,
        user_ids=user_ids,
        card_type=SUBJECT,
        object_id=str(approval.pk),
        title=title,
    )
