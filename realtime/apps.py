from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "即时通讯"

    def ready(self) -> None:
        from backend.directory import sign_out
        from realtime import reach
        from realtime.services import sockets_close_for

        reach.register()
        sign_out.register("sockets", sockets_close_for)
