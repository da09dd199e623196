from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "backend.twofactor"
    label = "twofactor"
    verbose_name = "两步验证"
