from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ApprovalsConfig(AppConfig):
    name = "backend.approvals"
    label = "approvals"
    verbose_name = "审批"

    def ready(self) -> None:
        from backend.approvals.cards import ApprovalCard
        from backend.approvals.flow import ApprovalFlowListener
        from backend.approvals.services import (
            ASSISTANT,
            ASSISTANT_MOBILE,
            ASSISTANT_NAME,
            builtins_ensure,
        )
        from backend.approvals.todo import ApprovalTodo
        from backend.directory import system_accounts, unit_setup
        from backend.todo import registry
        from backend.workflow import listeners
        from realtime import cards

        system_accounts.register(ASSISTANT, name=ASSISTANT_NAME, mobile=ASSISTANT_MOBILE)
        cards.register(ApprovalCard())
        listeners.register("approval", ApprovalFlowListener())
        registry.register(ApprovalTodo())
        # Attachment fields keep upload tokens in the form (剩余信息保护 must not remove them).
        from backend.approvals.models import Approval
        from realtime import attachment_uses

        attachment_uses.register(attachment_uses.json_fields(Approval, "form"))
        # Every new unit starts with the built-in templates (集约化: one platform, many units).
        unit_setup.register("approvals", builtins_ensure)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="approvals-builtins")


def _after_migrate(sender: Any, **kwargs: Any) -> None:
    """Units that existed before approvals did get their built-ins too; idempotent."""
    from backend.approvals.services import builtins_ensure_all

    builtins_ensure_all()
