from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "backend.twofactor"
    label = "twofactor"
    verbose_name = "两步验证"

    def ready(self) -> None:
        from backend.directory import services as directory
        from backend.twofactor.services import applies

        directory.second_factor_gate_register(applies)
