"""What follows an engine change of a 发文 or 收文 flow: status, delivery, cards, 待办.

Registered with `workflow.listeners` for the `document` and
`document_receipt` subject types; runs inside the engine's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from backend.documents import todo
from backend.documents.models import Document, Receipt
from backend.documents.receiving import deliver, receipt_card_id, receipt_changed
from backend.documents.services import ASSISTANT, SUBJECT
from backend.todo import registry
from backend.workflow.listeners import Change, Subject
from backend.workflow.models import Instance
from realtime import services as chat

DOCUMENT_STATUS = {
    Instance.State.RUNNING: Document.Status.RUNNING,
    Instance.State.RETURNED: Document.Status.RETURNED,
    Instance.State.WITHDRAWN: Document.Status.WITHDRAWN,
    Instance.State.REJECTED: Document.Status.WITHDRAWN,
    Instance.State.APPROVED: Document.Status.DISTRIBUTED,
}


def _cards_to(user_ids: Iterable[int], object_id: str, title: str) -> None:
    chat.card_send_to_people(
        account=ASSISTANT, user_ids=user_ids, card_type=SUBJECT, object_id=object_id, title=title
    )


def _tell_people(change: Change, object_id: str, title: str, initiator_name: str) -> None:
    """Fresh cards for everyone the change now concerns (new steps, 催办, overdue)."""
    _cards_to([t.assignee_id for t in change.opened], object_id, f"《{title}》，待您办理")
    _cards_to(change.cc_user_ids, object_id, f"《{title}》，抄送给您")
    _cards_to(change.urged_user_ids, object_id, f"{initiator_name}催办：《{title}》，请尽快办理")
    _cards_to(
        [t.assignee_id for t in change.overdue], object_id, f"【已超时】《{title}》，待您办理"
    )


def _push_todos(
    document: Document, instance: Instance, change: Change, receipt: Receipt | None = None
) -> None:
    for task in change.opened:
        task.instance = instance
        opened = int(task.opened_at.timestamp()) if task.opened_at else 0
        registry.item_opened(
            [task.assignee_id],
            todo.task_item(document, task, receipt=receipt),
            key=f"task:{task.pk}:{opened}",
        )


class DocumentFlowListener:
    def describe(self, instance: Instance) -> Subject:
        document = Document.objects.only("pk", "title").get(pk=int(instance.subject_id))
        return Subject(title=document.title, url=f"/documents/{document.pk}")

    def on_change(self, instance: Instance, change: Change) -> None:
        document = Document.objects.select_related("drafter", "unit").get(
            pk=int(instance.subject_id)
        )
        document.instance = instance
        document.status = DOCUMENT_STATUS[Instance.State(instance.state)]
        fields = ["instance", "status"]
        if document.status == Document.Status.DISTRIBUTED and document.distributed_at is None:
            document.distributed_at = timezone.now()
            fields.append("distributed_at")
        document.save(update_fields=fields)
        object_id = str(document.pk)
        if change.action == "submit":
            _cards_to([document.drafter_id], object_id, f"您起草的《{document.title}》已送核稿")
        else:
            chat.card_updated(card_type=SUBJECT, object_id=object_id)
        _tell_people(change, object_id, document.title, document.drafter.name)
        if change.action == "return" and instance.state == Instance.State.RETURNED:
            _cards_to(
                [document.drafter_id], object_id, f"《{document.title}》被退回，请修改后重新提交"
            )
        if change.ended and instance.state == Instance.State.APPROVED:
            deliver(document)
            _cards_to([document.drafter_id], object_id, f"《{document.title}》已分发")
        _push_todos(document, instance, change)
        registry.changed({*change.touched_user_ids, *change.cc_user_ids})


class ReceiptFlowListener:
    def describe(self, instance: Instance) -> Subject:
        receipt = Receipt.objects.select_related("document").get(pk=int(instance.subject_id))
        return Subject(title=receipt.document.title, url=f"/documents/receipts/{receipt.pk}")

    def on_change(self, instance: Instance, change: Change) -> None:
        receipt = Receipt.objects.select_related("document__drafter").get(
            pk=int(instance.subject_id)
        )
        if instance.state == Instance.State.APPROVED and receipt.status != Receipt.Status.DONE:
            receipt.status, receipt.finished_at = Receipt.Status.DONE, timezone.now()
            receipt.save(update_fields=["status", "finished_at"])
        document = receipt.document
        if change.action != "submit":
            receipt_changed(receipt)
        object_id = receipt_card_id(receipt)
        _tell_people(change, object_id, document.title, instance.initiator.name)
        _push_todos(document, instance, change, receipt)
        registry.changed({*change.touched_user_ids, *change.cc_user_ids})
