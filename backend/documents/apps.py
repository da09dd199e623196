from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DocumentsConfig(AppConfig):
    name = "backend.documents"
    label = "documents"
    verbose_name = "公文"

    def ready(self) -> None:
        from backend.directory import system_accounts, unit_setup
        from backend.documents.cards import DocumentCard
        from backend.documents.flow import DocumentFlowListener, ReceiptFlowListener
        from backend.documents.flows import defaults_ensure
        from backend.documents.services import (
            ASSISTANT,
            ASSISTANT_MOBILE,
            ASSISTANT_NAME,
            RECEIPT_SUBJECT,
            SUBJECT,
        )
        from backend.documents.todo import DocumentTodo
        from backend.todo import registry
        from backend.workflow import listeners
        from realtime import cards

        system_accounts.register(ASSISTANT, name=ASSISTANT_NAME, mobile=ASSISTANT_MOBILE)
        cards.register(DocumentCard())
        listeners.register(SUBJECT, DocumentFlowListener())
        listeners.register(RECEIPT_SUBJECT, ReceiptFlowListener())
        registry.register(DocumentTodo())
        # Every new unit gets its 代字 and its 发文/收文 flows (editable by its admin).
        unit_setup.register("documents", defaults_ensure)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="documents-defaults")


def _after_migrate(sender: Any, **kwargs: Any) -> None:
    """Units that existed before 公文 did get its defaults too; idempotent."""
    from backend.documents.flows import defaults_ensure_all

    defaults_ensure_all()
