from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "即时通讯"

    def ready(self) -> None:
        from realtime import reach

        reach.register()
