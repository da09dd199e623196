"""What follows an engine change of a 办结/延期 application: the task's state, cards, 待办.

Registered with `workflow.listeners` for both application subject types;
runs inside the engine's transaction.
"""

from __future__ import annotations

from django.utils import timezone

from backend.supervision import reminders
from backend.supervision.models import Application, SupervisionTask
from backend.supervision.services import cards_to, changed
from backend.workflow.listeners import Change, Subject
from backend.workflow.models import HistoryEntry, Instance


class SupervisionFlowListener:
    def describe(self, instance: Instance) -> Subject:
        application = Application.objects.select_related("task").get(pk=int(instance.subject_id))
        return Subject(title=application.task.title, url=f"/supervision/{application.task_id}")

    def on_change(self, instance: Instance, change: Change) -> None:
        application = Application.objects.select_related("task", "applicant").get(
            pk=int(instance.subject_id)
        )
        task = SupervisionTask.objects.select_for_update().get(pk=application.task_id)
        label = Application.Kind(application.kind).label
        if change.action == "submit":
            cards_to(
                task,
                [t.assignee_id for t in change.opened],
                f"{application.applicant.name}提交{label}：{task.title}，待您审核",
            )
        if instance.state == Instance.State.APPROVED:
            _approved(application, task)
        elif instance.state in (Instance.State.REJECTED, Instance.State.WITHDRAWN):
            _returned(application, task, instance)
        changed(task, {*change.touched_user_ids, application.approver_id})


def _decided(application: Application, status: str, opinion: str = "") -> None:
    application.status = status
    application.opinion = opinion
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "opinion", "decided_at"])


def _approved(application: Application, task: SupervisionTask) -> None:
    _decided(application, Application.Status.APPROVED)
    if application.kind == Application.Kind.FINISH:
        task.status = SupervisionTask.Status.DONE
        task.percent = 100
        task.finished_at = timezone.now()
        task.save(update_fields=["status", "percent", "finished_at"])
        reminders.cancel_all(task)
        cards_to(task, [task.owner_id], f"您的办结申请已通过：{task.title}")
    else:
        if application.new_deadline is None:  # services refuse an extension without one
            raise RuntimeError("an extension application carries its new deadline")
        task.deadline = application.new_deadline
        task.save(update_fields=["deadline"])
        reminders.deadline_moved(task)
        cards_to(
            task,
            [task.owner_id],
            f"您的延期申请已通过：{task.title}，截止日期调整为{task.deadline:%Y-%m-%d}",
        )


def _returned(application: Application, task: SupervisionTask, instance: Instance) -> None:
    last = HistoryEntry.objects.filter(instance=instance).exclude(opinion="").order_by("-seq")
    opinion = last.values_list("opinion", flat=True).first() or ""
    _decided(application, Application.Status.RETURNED, opinion)
    if application.kind == Application.Kind.FINISH and task.status == task.Status.APPLIED:
        task.status = SupervisionTask.Status.ACTIVE
        task.save(update_fields=["status"])
    label = Application.Kind(application.kind).label
    cards_to(task, [task.owner_id], f"您的{label}被退回：{task.title}，{opinion}")
