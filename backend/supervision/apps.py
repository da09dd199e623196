from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "backend.supervision"
    label = "supervision"
    verbose_name = "督办"

    def ready(self) -> None:
        from backend.directory import system_accounts
        from backend.supervision import reminders
        from backend.supervision.cards import SupervisionCard
        from backend.supervision.flow import SupervisionFlowListener
        from backend.supervision.services import (
            ASSISTANT,
            ASSISTANT_MOBILE,
            ASSISTANT_NAME,
            FLOW_SUBJECTS,
        )
        from backend.supervision.todo import SupervisionTodo
        from backend.todo import registry
        from backend.workflow import listeners
        from realtime import cards

        system_accounts.register(ASSISTANT, name=ASSISTANT_NAME, mobile=ASSISTANT_MOBILE)
        cards.register(SupervisionCard())
        for subject in FLOW_SUBJECTS:
            listeners.register(subject, SupervisionFlowListener())
        registry.register(SupervisionTodo())
        reminders.register()
        # Reports, evidence and applications keep upload tokens in JSON (剩余信息保护).
        from backend.supervision.models import Application, Report, SupervisionTask
        from realtime import attachment_uses

        attachment_uses.register(
            attachment_uses.json_fields(SupervisionTask, "attachments", "evidence")
        )
        attachment_uses.register(attachment_uses.json_fields(Report, "attachments"))
        attachment_uses.register(attachment_uses.json_fields(Application, "attachments"))
