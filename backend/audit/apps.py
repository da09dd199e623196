from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_chain_head(sender: AppConfig, **kwargs: Any) -> None:
    if sender.label == "audit":
        from backend.audit.services import chain_head_ensure

        chain_head_ensure()


class AuditConfig(AppConfig):
    name = "backend.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        post_migrate.connect(_ensure_chain_head, dispatch_uid="zt_audit_chain_head")
