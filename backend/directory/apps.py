from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_duties(sender: AppConfig, **kwargs: Any) -> None:
    # The duties' permissions come from auth, directory and audit: once all exist.
    if sender.label in ("auth", "directory", "audit"):
        from backend.directory.duties import duties_ensure

        duties_ensure()


class DirectoryConfig(AppConfig):
    name = "backend.directory"
    label = "directory"
    verbose_name = "组织通讯录"

    def ready(self) -> None:
        # Every admin was registered by autodiscover (django.contrib.admin is
        # earlier in INSTALLED_APPS): audit them all, log in through the service.
        from django.contrib import admin

        from backend.directory.admin_security import AdminLoginForm, audit_every_admin

        admin.site.login_form = AdminLoginForm
        audit_every_admin(admin.site)
        post_migrate.connect(_ensure_duties, dispatch_uid="zt_duties_ensure")
