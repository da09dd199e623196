from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "backend.workflow"
    label = "workflow"
    verbose_name = "流程引擎"

    def ready(self) -> None:
        from backend.workflow import reminders

        reminders.register()
