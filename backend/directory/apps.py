from django.apps import AppConfig


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
