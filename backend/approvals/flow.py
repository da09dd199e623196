"""What follows an engine change of a request: status, cards in chat, 待办, the room.

Registered with `workflow.listeners` for the `approval` subject type; runs
inside the engine's transaction, so every card and event leaves on commit.
"""

from __future__ import annotations

from backend.approvals.models import Approval
from backend.approvals.services import SUBJECT, card_to_person, release_room
from backend.todo import registry
from backend.workflow.listeners import Change
from backend.workflow.models import Instance
from realtime import services as chat

RELEASES_ROOM = (Instance.State.REJECTED, Instance.State.WITHDRAWN)


class ApprovalFlowListener:
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
    card_to_person(approval, approval.initiator_id, f"您提交了{name}申请")
    if approval.post_to_conversation_id is not None:
        chat.card_message_send(
            conversation_id=approval.post_to_conversation_id,
            card_type=SUBJECT,
            object_id=str(approval.pk),
            title=approval.title,
            sender=approval.initiator,
        )


def _notify_people(approval: Approval, instance: Instance, change: Change) -> None:
    """Fresh cards (unread in chat) for everyone the change now concerns."""
    title = approval.title
    for task in change.opened:
        card_to_person(approval, task.assignee_id, f"{title},待您审批")
    for user_id in change.cc_user_ids:
        card_to_person(approval, user_id, f"{title},抄送给您")
    for user_id in change.urged_user_ids:
        card_to_person(approval, user_id, f"{approval.initiator.name}催办:{title},请尽快处理")
    for task in change.overdue:
        card_to_person(approval, task.assignee_id, f"【已超时】{title},待您审批")
    if change.ended and change.action != "withdraw":
        label = Instance.State(instance.state).label
        card_to_person(approval, approval.initiator_id, f"您的{approval.template.name}申请{label}")
    if instance.state == Instance.State.RETURNED and change.action == "return":
        card_to_person(
            approval,
            approval.initiator_id,
            f"您的{approval.template.name}申请被退回,请修改后重新提交",
        )
