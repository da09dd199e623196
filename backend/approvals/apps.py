from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class ApprovalsConfig(AppConfig):
    name = "backend.approvals"
    label = "approvals"
    verbose_name = "审批"

    def ready(self) -> None:
        from backend.approvals.cards import ApprovalCard
        from backend.approvals.flow import ApprovalFlowListener
        from backend.approvals.services import ASSISTANT, ASSISTANT_MOBILE, ASSISTANT_NAME
        from backend.approvals.todo import ApprovalTodo
        from backend.directory import system_accounts
        from backend.directory.models import Unit
        from backend.todo import registry
        from backend.workflow import listeners
        from realtime import cards

        system_accounts.register(ASSISTANT, name=ASSISTANT_NAME, mobile=ASSISTANT_MOBILE)
        cards.register(ApprovalCard())
        listeners.register("approval", ApprovalFlowListener())
        registry.register(ApprovalTodo())
        post_save.connect(_unit_saved, sender=Unit, dispatch_uid="approvals-builtins")
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="approvals-builtins")


def _unit_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Every new unit starts with the built-in templates (集约化: one platform, many units)."""
    if created and not raw:
        from backend.approvals.services import builtins_ensure

        builtins_ensure(instance)


def _after_migrate(sender: Any, **kwargs: Any) -> None:
    """Units that existed before approvals did get their built-ins too; idempotent."""
    from backend.approvals.services import builtins_ensure_all

    builtins_ensure_all()
