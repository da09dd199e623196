from django.apps import AppConfig
from django.urls import register_converter


class MobileApiConfig(AppConfig):
    name = "mobile_api"
    verbose_name = "移动端接口"

    def ready(self) -> None:
        from backend.common.input_guard import IdConverter

        # Before any URL conf is imported: every id in a path is `<id:…>`.
        register_converter(IdConverter, "id")
